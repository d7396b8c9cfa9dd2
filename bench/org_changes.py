"""The changes an hourly run sees, applied to the org through its API (bench/run.py).

About ``share`` of the org's records change, in three kinds, so an incremental
run meets each path of the pipeline: updated Contacts (a new Title, which moves
seniority and so the marts and write-back), deleted Tasks (dlt must see them
through queryAll and the models must drop them), and late-arriving Tasks
(created now, dated weeks back: past the incremental models' high-water mark).
Bulk API 2.0 ingest keeps it to a few calls; those calls are not measured.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from simple_salesforce import Salesforce


@dataclass(frozen=True)
class ChangeSummary:
    updated_contacts: int
    deleted_tasks: int
    late_tasks: int

    @property
    def total(self) -> int:
        return self.updated_contacts + self.deleted_tasks + self.late_tasks


def _sample(sf: Salesforce, soql: str, size: int, rng: random.Random) -> list[dict]:
    """``size`` of the query's records, picked uniformly as they stream by (reservoir sampling).

    At L the query returns 15M Tasks; held as dicts they took the bench's
    process to 10 GB, a sample of them takes a few MB.
    """
    sample: list[dict] = []
    for seen, record in enumerate(sf.query_all_iter(soql)):
        if seen < size:
            sample.append(record)
        elif (slot := rng.randrange(seen + 1)) < size:
            sample[slot] = record
    return sample


def apply_changes(sf: Salesforce, total_records: int, share: float, seed: int) -> ChangeSummary:
    """Change about ``share`` of ``total_records`` records: half updates, a quarter each the rest."""
    rng = random.Random(seed)
    budget = max(3, round(total_records * share))
    updates = _sample(sf, "SELECT Id FROM Contact ORDER BY Id", budget // 2, rng)
    soql = "SELECT Id, WhatId, WhoId, OwnerId FROM Task ORDER BY Id"
    tasks = _sample(sf, soql, budget - len(updates), rng)
    rng.shuffle(tasks)
    # A quarter of the budget is deleted; the other Tasks sampled are the models of late ones.
    deletes, late_models = tasks[: budget // 4], tasks[budget // 4 :]
    titles = ["Chief Executive Officer", "VP Sales", "Analyst", "Head of Procurement"]
    if updates:
        sf.bulk2.Contact.update(
            records=[{"Id": c["Id"], "Title": rng.choice(titles)} for c in updates]
        )
    if deletes:
        sf.bulk2.Task.delete(records=[{"Id": t["Id"]} for t in deletes])
    today = date.today()
    late = [
        {
            "WhatId": t["WhatId"] or "",
            "WhoId": t["WhoId"] or "",
            "OwnerId": t["OwnerId"] or "",
            "Subject": "Call logged late",
            "Type": "Call",
            "Status": "Completed",
            "ActivityDate": (today - timedelta(days=rng.randint(20, 60))).isoformat(),
        }
        for t in late_models
    ]
    if late:
        sf.bulk2.Task.insert(records=late)
    return ChangeSummary(len(updates), len(deletes), len(late))
