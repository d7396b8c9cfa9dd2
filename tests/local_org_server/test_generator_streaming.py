"""Streaming the generator in batches gives the org generate_org gives, record for record."""

from __future__ import annotations

import datetime as dt

from local_org.generator import OBJECTS, generate_org, iter_org_batches

AS_OF = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def test_small_batches_give_the_same_records_and_labels() -> None:
    whole = generate_org(accounts=25, seed=9, as_of=AS_OF)
    labels: list[dict] = []
    streamed: dict[str, list[dict]] = {name: [] for name in OBJECTS}
    batches = 0
    for batch in iter_org_batches(25, 9, labels, as_of=AS_OF, batch_accounts=4):
        batches += 1
        for name, rows in batch.items():
            streamed[name].extend(rows)
    assert batches >= 7
    assert streamed == whole.records
    assert labels == whole.labels
