"""Bind an object's mapping from its last binding to the org, so a run with nothing to send makes no call.

Values are compared in the CRM field's canonical form (a number rounded to
the field's scale, a translated picklist label), so the mapping must be
bound to the org's fields before the marts can be compared with the ledger.
Asking the org for that on every run costs a sign-in and a describe per
object even when nothing changed. So each real run records, per object, the
mapping entry it bound and the fields as describe showed them
(``writeback_binding``), and the next run binds from that record, without
the org, while the object's mapping entry is the same and the record still
fits the marts. When then no record's value differs from the one last
pushed, nothing needs the org: no sign-in, no describe, no read.

The org is asked as before when an object has anything to send (so the
describe the payload gate sees is fresh, and a field removed since is
installed again or reported before anything is written); when its mapping
entry changed (a field added to mapping.yml, another column, another
translation or policy); when it was never bound by a real run (a first run,
a dry run only, an upgrade); and when the recorded fields no longer fit the
marts (a column's type changed, a value the picklist did not hold). What no
record can notice is a field deleted from the org while nothing changes:
the next run with something to send finds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict

import pyarrow as pa

from connectors.salesforce.writeback.binding import OrgBinding
from connectors.salesforce.writeback.crm_schema import CrmField, ObjectFields
from connectors.salesforce.writeback.mapping import (
    BoundObject,
    MappingError,
    ObjectMapping,
    WritebackMapping,
    bind_mapping,
)
from connectors.salesforce.writeback.state import KnownBinding


def mapping_fingerprint(body: ObjectMapping) -> str:
    """The object's mapping entry as canonical JSON: any change to it shows."""
    return json.dumps(body.model_dump(mode="json"), sort_keys=True)


def known_bindings(mapping: WritebackMapping, binding: OrgBinding) -> list[KnownBinding]:
    """What to record of a binding just made against the org, one entry per bound object."""
    known = []
    for bound in binding.objects:
        fields = [f.crm for f in bound.fields]
        if bound.updated_at is not None:
            fields.append(bound.updated_at)
        known.append(
            KnownBinding(
                bound.object_name,
                mapping_fingerprint(mapping.objects[bound.object_name]),
                json.dumps([asdict(f) for f in fields], sort_keys=True),
            )
        )
    return known


def bind_from_record(
    object_name: str,
    body: ObjectMapping,
    known: KnownBinding | None,
    marts: Mapping[str, pa.Table],
) -> BoundObject | None:
    """The object bound from its record, or None when only the org can bind it now."""
    if known is None or known.mapping != mapping_fingerprint(body):
        return None
    try:
        fields = [
            CrmField(**{**raw, "picklist_values": tuple(raw["picklist_values"])})
            for raw in json.loads(known.fields)
        ]
        bound = bind_mapping(
            WritebackMapping(objects={object_name: body}),
            {object_name: ObjectFields(object_name, fields)},
            marts,
        )
    except (MappingError, ValueError, TypeError, KeyError):
        # The marts no longer fit what was recorded, or the record is from
        # another version of Rapport: the org settles it.
        return None
    return bound[0] if bound else None
