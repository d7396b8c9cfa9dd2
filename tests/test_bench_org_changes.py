"""bench/org_changes.py picks the records to change as they stream by, in bounded memory."""

from __future__ import annotations

import random
from collections import Counter

from bench.org_changes import _sample


class StreamingOrg:
    """What ``_sample`` reads of simple-salesforce: ``query_all_iter``, one record at a time."""

    def __init__(self, records: int) -> None:
        self.records = records

    def query_all_iter(self, soql: str):
        return ({"Id": f"00T{n:015d}"} for n in range(self.records))


def test_a_sample_holds_distinct_records_of_the_query_and_repeats_by_seed():
    org = StreamingOrg(1_000)
    first = _sample(org, "SELECT Id FROM Task", 50, random.Random(7))
    again = _sample(org, "SELECT Id FROM Task", 50, random.Random(7))
    assert len(first) == 50 == len({r["Id"] for r in first})
    assert first == again


def test_a_query_smaller_than_the_sample_gives_every_record():
    assert len(_sample(StreamingOrg(5), "SELECT Id FROM Task", 50, random.Random(1))) == 5


def test_every_record_is_as_likely_to_be_picked_late_ones_included():
    rng = random.Random(3)
    picked = Counter(
        r["Id"] for _ in range(2_000) for r in _sample(StreamingOrg(100), "q", 10, rng)
    )
    # 2,000 samples of 10 from 100: each record about 200 times.
    assert len(picked) == 100
    assert all(120 <= count <= 280 for count in picked.values()), picked.most_common(3)
