"""The write-back payload and the perception gap: the gap's picklist labels go out, the rep's field never."""

from __future__ import annotations

import pandas as pd

from connectors.salesforce.writeback.mapping import load_mapping
from connectors.salesforce.writeback.rapport_fields import rapport_fields
from connectors.salesforce.writeback.transport import RecordUpdate
from expectations.payload import payload_frame, validate_payload
from tests.factories import account_id

GAP = "Relationship_Perception_Gap__c"
PERCEIVED = "Relationship_Perceived_Type__c"


def account_describe() -> dict:
    """Account's describe as the org shows it once the Rapport fields are installed."""
    fields = [{"name": "Id", "type": "id", "length": 18, "nillable": False, "updateable": False}]
    for definition in rapport_fields():
        if definition.object_name != "Account":
            continue
        fields.append(
            {
                "name": definition.name,
                "type": definition.describe_type,
                "length": definition.length or 255,
                "precision": definition.precision or 0,
                "scale": definition.scale or 0,
                "nillable": True,
                "updateable": True,
                "picklistValues": [
                    {"value": v, "active": True} for v in definition.picklist_values
                ],
            }
        )
    return {"name": "Account", "fields": fields}


def allowed() -> list[str]:
    """What write-back lets the Account payload carry: the mapping's fields and its stamp."""
    account = load_mapping().objects["Account"]
    return [*account.fields, account.updated_at_field]


def frame(values: list[dict]) -> pd.DataFrame:
    return payload_frame(
        RecordUpdate("Account", account_id(n), row) for n, row in enumerate(values, start=1)
    )


def failed(results) -> set[tuple[str, str | None]]:
    return {(r.check, r.column) for r in results if not r.success}


def test_the_mapping_sends_the_gap_as_its_picklist_labels():
    translation = load_mapping().objects["Account"].fields[GAP].values
    [gap] = [d for d in rapport_fields() if d.name == GAP]
    assert translation is not None
    assert sorted(translation) == ["none", "overestimated", "underestimated"]
    assert set(translation.values()) == set(gap.picklist_values)


def test_gap_labels_pass_and_a_raw_code_is_refused():
    good = frame([{GAP: label} for label in ("No Gap", "Overestimated", "Underestimated", None)])
    assert failed(validate_payload(good, "Account", account_describe(), allowed())) == set()

    untranslated = frame([{GAP: "overestimated"}])
    assert ("picklist_values", GAP) in failed(
        validate_payload(untranslated, "Account", account_describe(), allowed())
    )


def test_a_payload_carrying_the_reps_perceived_type_is_refused():
    payload = frame([{GAP: "Overestimated", PERCEIVED: "Married"}])

    results = validate_payload(payload, "Account", account_describe(), allowed())

    [outside] = [r for r in results if r.check == "only_allow_listed_fields"]
    assert not outside.success and outside.severity == "error"
    assert PERCEIVED in outside.observed_value
