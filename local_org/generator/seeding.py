"""Puts a generated org into a local org's store, batch by batch, through Arrow.

The generator's records are dicts; the store's checked path
(``arrow_rows.arrow_from_records``) gathers each column with a Python loop
and checks each value's type, which made it the largest cost of seeding (a
profile of 5,000 accounts: ~30% of the samples, more than generating the
records). The generator writes every value with the type its field wants, so
each object's batch is converted in one pass in C (``pa.array`` of the dicts
as a struct array, typed from the object's spec) and handed to the store as
an Arrow table. ``tests/local_org_server/test_generator_seeding.py`` checks
that this gives the store the checked path gives it.

Nothing of the org is kept between batches: the labels go to a callback (a
CSV file, a list, or nowhere), so with a file-backed store the process's
memory stays flat however many accounts are generated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from local_org.generator import BATCH_ACCOUNTS, iter_org_batches
from local_org.generator.orphans import DEFAULT_ORPHAN_SHARE
from local_org.schema import ObjectSpec
from local_org.store import OrgStore
from local_org.values import arrow_type

LabelsSink = Callable[[list[dict[str, Any]]], None]


def records_table(spec: ObjectSpec, records: Sequence[Mapping[str, Any]]) -> pa.Table:
    """The generator's records of one object as an Arrow table typed from ``spec``.

    Only for records whose values already have their field's Python type (as
    the generator writes them): unlike the store's checked path, a float in an
    integer field would be truncated here, not refused. Keys that are not a
    field of the object are refused, naming the object and the key.
    """
    keys: set[str] = set().union(*records)
    fields: list[pa.Field] = []
    for key in sorted(keys):
        field = spec.fields.get(key)
        if field is None or field.is_compound:
            raise ValueError(
                f"{spec.name}: generated records name {key!r}, not a field with a column"
            )
        fields.append(pa.field(key, arrow_type(field)))
    struct = pa.array(records, type=pa.struct(fields))
    return pa.Table.from_struct_array(struct)


def generate_into(
    store: OrgStore,
    accounts: int,
    seed: int,
    *,
    as_of: dt.datetime | None = None,
    orphan_share: float = DEFAULT_ORPHAN_SHARE,
    labels: LabelsSink | None = None,
    batch_accounts: int = BATCH_ACCOUNTS,
) -> dict[str, int]:
    """Generate the org of ``generate_org`` into ``store``; records inserted per object.

    Each batch of ``batch_accounts`` accounts is inserted as it is generated,
    then ``labels`` receives that batch's ground truth (kept out of the org).
    """
    counts: dict[str, int] = {}
    batch_labels: list[dict[str, Any]] = []
    for batch in iter_org_batches(
        accounts, seed, batch_labels, as_of, orphan_share, batch_accounts
    ):
        for object_name, records in batch.items():
            inserted = store.insert(object_name, records_table(store.spec(object_name), records))
            counts[object_name] = counts.get(object_name, 0) + inserted
        if labels is not None:
            labels(list(batch_labels))
        batch_labels.clear()  # the generator appends to this list: empty it, keep it
    return counts
