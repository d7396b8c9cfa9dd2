"""The write-back payload suite: what is about to be sent to the CRM, checked against the org.

The interface is deliberately plain so any mapping can feed it: a dataframe
with ``Id`` and one column per CRM field (the field's API name), the
mapping's allow-list of fields, and the object's describe. Salesforce would
reject a bad value record by record (``allOrNone`` is false), leaving the CRM
half-updated; checking the whole payload first means nothing is sent unless
everything fits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import pandas as pd

from expectations.gate import Check, CheckResult, Measurement, Severity, enforce
from expectations.gx_session import GxSession
from expectations.suites import CheckSpec, Severities, default_suites, payload_suite

ID_COLUMN = "Id"
TEXT_TYPES = frozenset(
    {"string", "textarea", "email", "phone", "url", "reference", "id", "combobox", "picklist"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
NUMBER_TYPE_NAMES = ["int", "float", "int64", "float64", "int32", "float32", "Int64", "Float64"]


def payload_frame(updates: Iterable[Any]) -> pd.DataFrame:
    """Id plus one column per CRM field, from write-back ``RecordUpdate``s."""
    rows = [{ID_COLUMN: u.record_id, **u.values} for u in updates]
    return pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame({ID_COLUMN: []})


def _number_bound(field: dict[str, Any]) -> float | None:
    precision, scale = field.get("precision") or 0, field.get("scale") or 0
    if precision <= 0:
        return None
    return 10.0 ** (precision - scale) - 10.0 ** (-scale)


def _type_checks(field: dict[str, Any], severity: Severity, name: str) -> list[Check]:
    """What a value must be for Salesforce to accept it in this field."""
    column, kind = field["name"], field["type"]
    checks = []
    if not field.get("nillable", True) and kind != "boolean":
        checks.append(
            Check("expect_column_values_to_not_be_null", {"column": column}, severity, name)
        )
    if kind in TEXT_TYPES and field.get("length"):
        checks.append(
            Check(
                "expect_column_value_lengths_to_be_between",
                {"column": column, "max_value": field["length"]},
                severity,
                name,
            )
        )
    elif kind in NUMBER_TYPES or kind == "int":
        type_list = NUMBER_TYPE_NAMES if kind != "int" else ["int", "int64", "int32", "Int64"]
        checks.append(
            Check(
                "expect_column_values_to_be_in_type_list",
                {"column": column, "type_list": type_list},
                severity,
                name,
            )
        )
        bound = _number_bound(field) if kind != "int" else 2**31 - 1
        if bound is not None:
            checks.append(
                Check(
                    "expect_column_values_to_be_between",
                    {"column": column, "min_value": -bound, "max_value": bound},
                    severity,
                    name,
                )
            )
    elif kind == "boolean":
        checks.append(
            Check(
                "expect_column_values_to_be_in_set",
                {"column": column, "value_set": [True, False]},
                severity,
                name,
            )
        )
    elif kind in ("date", "datetime"):
        checks.append(
            Check(
                "expect_column_values_to_be_dateutil_parseable", {"column": column}, severity, name
            )
        )
    return checks


def _field_list_measurement(
    spec: CheckSpec, suite: str, severity: Severity, bad: list[str], what: str
) -> Measurement:
    check = Check(
        "expect_table_columns_to_be_in_set"
        if spec.what == "fields_outside_allow_list"
        else "expect_table_columns_to_be_updateable",
        {},
        severity,
        spec.name,
    )
    observed = f"{len(bad)} fields {what}: {', '.join(bad)}" if bad else f"no field {what}"
    return Measurement(check, len(bad), 0, 0, observed)


def validate_payload(
    frame: pd.DataFrame,
    object_name: str,
    describe: dict[str, Any],
    allowed_fields: Iterable[str],
    severities: Severities | None = None,
    session: GxSession | None = None,
) -> list[CheckResult]:
    """Check a payload against the allow-list and the object's describe; return every result."""
    severities = severities or Severities()
    session = session or GxSession(run_name=payload_suite(object_name))
    suite = payload_suite(object_name)
    allowed = set(allowed_fields)
    fields = {f["name"]: f for f in describe.get("fields", [])}
    sent = [c for c in frame.columns if c != ID_COLUMN]
    measurements: list[Measurement] = []
    checks: list[Check] = []
    for spec in default_suites().payload:
        severity = severities.resolve(suite, spec.name, spec.severity)
        if spec.what == "fields_outside_allow_list":
            outside = [c for c in sent if c not in allowed]
            measurements.append(
                _field_list_measurement(spec, suite, severity, outside, "outside the allow-list")
            )
        elif spec.what == "fields_not_updateable":
            refused = [c for c in sent if not fields.get(c, {}).get("updateable", False)]
            measurements.append(
                _field_list_measurement(
                    spec, suite, severity, refused, f"missing from {object_name} or not updateable"
                )
            )
        elif spec.kind == "expect":
            checks += spec.checks(suite, severities)
        elif spec.what == "field_types":
            checks += [
                c for f in sent if f in fields for c in _type_checks(fields[f], severity, spec.name)
            ]
        elif spec.what == "picklists":
            checks += [
                Check(
                    "expect_column_values_to_be_in_set",
                    {
                        "column": f,
                        "value_set": [
                            v["value"] for v in fields[f]["picklistValues"] if v.get("active", True)
                        ],
                    },
                    severity,
                    spec.name,
                )
                for f in sent
                if f in fields and fields[f].get("type") == "picklist"
            ]
    results = session.validate_frame(suite, checks, frame, ID_COLUMN)
    return results + session.validate_measurements(suite, measurements)


def gate_payload(
    settings,
    frame: pd.DataFrame,
    object_name: str,
    describe: dict[str, Any],
    allowed_fields: Iterable[str],
    run_id: str | None = None,
) -> list[CheckResult]:
    """Validate the payload, record and render the results, and raise GateFailed on an error.

    Call it with the complete payload before sending anything.
    """
    from expectations.runner import gx_session, record_results, severities_for

    run_id = run_id or uuid.uuid4().hex
    session = gx_session(settings, run_id)
    results = validate_payload(
        frame, object_name, describe, allowed_fields, severities_for(settings), session
    )
    record_results(settings, run_id, results)
    session.build_docs()
    enforce(results)
    return results
