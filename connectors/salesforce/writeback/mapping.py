"""Which mart column is written to which CRM field, and the guard on what may be written.

The mapping (``mapping.yml``, overridable in settings) is the
allow-list: a payload can only carry fields it names, and it may only name
Rapport's own fields (plus any the admin explicitly allows). It is checked
twice before anything is sent: on load, against the allow-list, and then
against the org's describe and the marts' columns, so that a typo, a type
mismatch or a read-only field stops the run with a message naming the field
instead of failing record by record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.salesforce.writeback.crm_schema import CrmField, ObjectFields
from connectors.salesforce.writeback.rapport_fields import rapport_fields
from connectors.salesforce.writeback.transport import RecordUpdate
from connectors.salesforce.writeback.values import (
    NUMBER_TYPES,
    TEXT_TYPES,
    InvalidValue,
    to_crm_value,
)
from rapport.errors import ConfigurationError

DEFAULT_MAPPING_FILE = Path(__file__).with_name("mapping.yml")

ConflictPolicy = Literal["skip", "overwrite"]


class MappingError(ConfigurationError, ValueError):
    """The mapping cannot be used; the message lists every problem found."""

    hint = "Fix the write-back mapping (writeback.mapping_file)."


class NotAllowedError(ConfigurationError, ValueError):
    """A payload tried to carry a field outside the mapping."""

    hint = "Only fields in the write-back mapping may be written; add the field to writeback.extra_allowed_fields if intended."


# --------------------------------------------------------------------------- file format


class FieldMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    values: dict[str, str] | None = None
    on_conflict: ConflictPolicy = "skip"


class ObjectMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mart: str
    id_column: str
    updated_at_field: str | None = None
    fields: dict[str, FieldMapping] = Field(min_length=1)


class WritebackMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    objects: dict[str, ObjectMapping] = Field(min_length=1)

    def field_names(self) -> list[str]:
        """Every ``Object.Field`` the mapping would write, the stamp fields included."""
        names = []
        for object_name, body in self.objects.items():
            names += [f"{object_name}.{field}" for field in body.fields]
            if body.updated_at_field:
                names.append(f"{object_name}.{body.updated_at_field}")
        return names

    def only(self, object_names: Iterable[str]) -> WritebackMapping:
        """The same mapping limited to ``object_names`` (at least one), in the mapping's order."""
        wanted = set(object_names)
        objects = {name: body for name, body in self.objects.items() if name in wanted}
        return self.model_copy(update={"objects": objects})

    def with_policy(self, policy: ConflictPolicy) -> WritebackMapping:
        """The same mapping with one conflict policy for every field."""
        objects = {
            name: body.model_copy(
                update={
                    "fields": {
                        f: m.model_copy(update={"on_conflict": policy})
                        for f, m in body.fields.items()
                    }
                }
            )
            for name, body in self.objects.items()
        }
        return self.model_copy(update={"objects": objects})


def load_mapping(path: Path | None = None) -> WritebackMapping:
    path = Path(path or DEFAULT_MAPPING_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"Write-back mapping file {path} does not exist.") from None
    except yaml.YAMLError as error:
        raise MappingError(f"Write-back mapping file {path} is not valid YAML: {error}") from None
    return parse_mapping(raw, source=str(path))


def parse_mapping(raw: Any, source: str = "mapping") -> WritebackMapping:
    try:
        return WritebackMapping.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise MappingError(f"Write-back mapping {source} is malformed: {problems}") from None


# --------------------------------------------------------------------------- allow-list


def rep_owned_fields() -> frozenset[str]:
    """``Object.Field`` names (lower-cased) the reps own: never written, even if listed."""
    return frozenset(f.full_name.lower() for f in rapport_fields() if f.rep_owned)


def allowed_fields(extra: Iterable[str] = ()) -> frozenset[str]:
    """``Object.Field`` names Rapport may write, lower-cased: its own fields plus ``extra``,
    less the fields the reps own (their view must stay theirs)."""
    names = {name.lower() for name in [*(f.full_name for f in rapport_fields()), *extra]}
    return frozenset(names - rep_owned_fields())


def check_allow_list(mapping: WritebackMapping, allowed: frozenset[str]) -> None:
    """Refuse a mapping that names a field outside the allow-list (before any API call)."""
    refused = [name for name in mapping.field_names() if name.lower() not in allowed]
    if refused:
        raise MappingError(
            f"The write-back mapping names {', '.join(refused)}, which Rapport is not allowed "
            "to write. Rapport only writes its own fields; to write another field, add it to "
            "writeback.extra_allowed_fields."
        )


# --------------------------------------------------------------------------- binding


@dataclass(frozen=True)
class BoundField:
    """A mapping entry checked against the org: the column, and the field it goes to."""

    column: str
    crm: CrmField
    on_conflict: ConflictPolicy
    translation: Mapping[str, str] | None

    def convert(self, mart_value: Any) -> Any:
        """The canonical CRM value for a mart value; raises ``InvalidValue``."""
        if self.translation is not None and isinstance(mart_value, str):
            if mart_value not in self.translation:
                raise InvalidValue(
                    f"{self.crm.full_name}: the mapping has no translation for "
                    f"{self.column} value {mart_value!r}"
                )
            mart_value = self.translation[mart_value]
        return to_crm_value(self.crm, mart_value)


@dataclass(frozen=True)
class BoundObject:
    object_name: str
    mart: str
    id_column: str
    fields: tuple[BoundField, ...]
    updated_at: CrmField | None

    def field(self, name: str) -> BoundField:
        return next(f for f in self.fields if f.crm.name == name)

    @property
    def columns(self) -> list[str]:
        return [self.id_column, *(f.column for f in self.fields)]


def _column_kind(data_type: pa.DataType) -> str:
    if pa.types.is_boolean(data_type):
        return "boolean"
    if pa.types.is_integer(data_type) or pa.types.is_floating(data_type):
        return "number"
    if pa.types.is_decimal(data_type):
        return "number"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "text"
    if pa.types.is_timestamp(data_type):
        return "datetime"
    if pa.types.is_date(data_type):
        return "date"
    return str(data_type)


def _field_kind(crm_type: str) -> str:
    if crm_type in TEXT_TYPES:
        return "text"
    if crm_type in NUMBER_TYPES:
        return "number"
    return crm_type  # boolean, date, datetime


def _distinct_strings(table: pa.Table, column: str) -> list[str]:
    values = pc.unique(table.column(column).drop_null()).to_pylist()
    return sorted(v for v in values if isinstance(v, str) and v != "")


def bind_mapping(
    mapping: WritebackMapping,
    org_fields: Mapping[str, ObjectFields],
    marts: Mapping[str, pa.Table],
) -> list[BoundObject]:
    """Check the mapping against describe and the marts; collect every problem, then raise."""
    problems: list[str] = []
    bound: list[BoundObject] = []
    for object_name, body in mapping.objects.items():
        fields = org_fields.get(object_name)
        table = marts.get(body.mart)
        if fields is None:
            if table is not None and table.num_rows == 0:
                # An org without the object (an export of Account and
                # Opportunity only) has nothing of it to write: not an error.
                continue
            problems.append(f"{object_name}: the org has no such object")
            continue
        if table is None:
            problems.append(f"{object_name}: mart {body.mart} does not exist")
            continue
        if body.id_column not in table.column_names:
            problems.append(f"{object_name}: mart {body.mart} has no id column {body.id_column}")
        bound_fields = []
        for field_name, entry in body.fields.items():
            result = _bind_field(object_name, field_name, entry, fields, body.mart, table)
            if isinstance(result, str):
                problems.append(result)
            else:
                bound_fields.append(result)
        stamp = None
        if body.updated_at_field:
            stamp = fields.get(body.updated_at_field)
            if stamp is None:
                problems.append(f"{object_name}.{body.updated_at_field} does not exist in the org")
            elif stamp.type != "datetime" or not stamp.updateable:
                problems.append(
                    f"{stamp.full_name} must be an updateable datetime field to stamp writes"
                )
        bound.append(
            BoundObject(object_name, body.mart, body.id_column, tuple(bound_fields), stamp)
        )
    if problems:
        raise MappingError(
            "The write-back mapping does not fit the org:\n  " + "\n  ".join(problems)
        )
    return bound


def _bind_field(
    object_name: str,
    field_name: str,
    entry: FieldMapping,
    fields: ObjectFields,
    mart: str,
    table: pa.Table,
) -> BoundField | str:
    """The bound field, or a message saying why it cannot be written."""
    crm = fields.get(field_name)
    if crm is None:
        return (
            f"{object_name}.{field_name} does not exist in the org "
            "(deploy the SFDX metadata or run `rapport install-fields`)"
        )
    if not crm.updateable:
        return (
            f"{crm.full_name} is read-only for this user (not updateable): grant edit "
            "access to it through field-level security"
        )
    if entry.column not in table.column_names:
        return f"{crm.full_name}: mart {mart} has no column {entry.column}"
    column_kind = _column_kind(table.schema.field(entry.column).type)
    field_kind = _field_kind(crm.type)
    if entry.values is not None:
        if column_kind != "text":
            return f"{crm.full_name}: values can only translate a text column, {entry.column} is {column_kind}"
        column_kind = "text"
    if column_kind != field_kind:
        return (
            f"{crm.full_name} is a {crm.type} field but column {mart}.{entry.column} "
            f"holds {column_kind} values"
        )
    if crm.type == "picklist" and crm.picklist_values:
        problem = _picklist_problem(crm, entry, table)
        if problem:
            return problem
    return BoundField(entry.column, crm, entry.on_conflict, entry.values)


def _picklist_problem(crm: CrmField, entry: FieldMapping, table: pa.Table) -> str | None:
    present = _distinct_strings(table, entry.column)
    if entry.values is not None:
        untranslated = [v for v in present if v not in entry.values]
        if untranslated:
            return (
                f"{crm.full_name}: column {entry.column} has values without a translation "
                f"in the mapping: {', '.join(untranslated)}"
            )
        targets = sorted(set(entry.values.values()))
    else:
        targets = present
    missing = [v for v in targets if v not in crm.picklist_values]
    if missing:
        return (
            f"{crm.full_name}: the picklist lacks {', '.join(repr(v) for v in missing)} "
            f"(it has {', '.join(crm.picklist_values)}); add the values in the org"
        )
    return None


# --------------------------------------------------------------------------- payloads


class PayloadBuilder:
    """Builds record updates for one object, refusing any field the mapping does not name."""

    def __init__(self, bound: BoundObject) -> None:
        self.object_name = bound.object_name
        self._allowed = {f.crm.name for f in bound.fields}
        if bound.updated_at is not None:
            self._allowed.add(bound.updated_at.name)

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self._allowed)

    def build(self, record_id: str, values: Mapping[str, Any]) -> RecordUpdate:
        refused = sorted(set(values) - self._allowed)
        if refused:
            raise NotAllowedError(
                f"{self.object_name} {record_id}: refusing to write {', '.join(refused)}, "
                "which the write-back mapping does not name"
            )
        return RecordUpdate(self.object_name, record_id, dict(values))
