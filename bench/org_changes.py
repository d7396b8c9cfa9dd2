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


def _ids(sf: Salesforce, soql: str) -> list[dict]:
    return list(sf.query_all_iter(soql))


def apply_changes(sf: Salesforce, total_records: int, share: float, seed: int) -> ChangeSummary:
    """Change about ``share`` of ``total_records`` records: half updates, a quarter each the rest."""
    rng = random.Random(seed)
    budget = max(3, round(total_records * share))
    contacts = _ids(sf, "SELECT Id FROM Contact ORDER BY Id")
    tasks = _ids(sf, "SELECT Id, WhatId, WhoId, OwnerId FROM Task ORDER BY Id")
    updates = rng.sample(contacts, min(len(contacts), budget // 2))
    deletes = rng.sample(tasks, min(len(tasks), budget // 4))
    late_models = rng.sample(tasks, min(len(tasks), budget - len(updates) - len(deletes)))
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
