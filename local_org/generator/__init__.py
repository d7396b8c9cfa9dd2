"""Synthetic Salesforce org: accounts that live a relationship story.

Rapport infers a relationship type (prospect, one-night stand, dating, steady,
engaged, married, partner, ex) and hostages from CRM behaviour. To test that
end to end without a real Salesforce, every generated account is given a
latent type, and its CRM footprint (contacts, deals, contracts, orders,
cases, activities, emails, surveys) is generated from that type's story.

Design choices:

* A per-type profile (``profiles.yml``, loaded and checked by ``profiles.py``)
  holds the parameters of each story (tenure, purchase cadence, share of
  wallet, communication direction, service, NPS). The story half turns a
  profile into a plan (timeline, deals, contracts, engagement phases):
  ``story.py`` holds the plan and its helpers, ``stories.py`` a builder per
  type. The emit half writes records from the plan: ``emit.py`` (users,
  accounts, contacts, contracts, deals) and ``emit_activity.py`` (orders,
  cases, emails, tasks, events, surveys), through ``writer.py``'s
  ``OrgWriter``; ``vocabulary.py`` holds the words they use.
* Types overlap, as in real life: every story draws from wide ranges and has
  "quirks" (a steady customer with one competitor quote, a married account
  with a bad quarter, a partner with an old expired contract, missing wallet
  estimates, contacts without titles, null amounts). The quirks applied to an
  account are listed in its label so that misclassifications can be explained.
* Time is handled as "days before as_of" (float; negative means the future)
  and only converted to dates and datetimes when a record is written.
* Everything random comes from ``random.Random`` instances seeded from the
  ``seed`` argument: one for the org (users, type mix) and one per account, so
  an account's story does not depend on how many records its predecessors drew.

The ground truth (labels) is returned next to the records and written to a
CSV by :func:`write_labels`; it never goes into the org itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from local_org.generator.emit import (
    SEGMENTS,
    NameBook,
    Team,
    emit_account,
    emit_contacts,
    emit_contracts,
    emit_deals,
    emit_users,
    type_mix,
)
from local_org.generator.emit_activity import (
    emit_cases,
    emit_events,
    emit_orders,
    emit_surveys,
    emit_touches,
)
from local_org.generator.orphans import DEFAULT_ORPHAN_SHARE, emit_orphan_deals
from local_org.generator.perception import emit_perception
from local_org.generator.profiles import PROFILES, TYPE_CODES
from local_org.generator.stories import plan_story
from local_org.generator.story import weighted
from local_org.generator.writer import OBJECTS, OrgWriter

__all__ = [
    "LABEL_COLUMNS",
    "OBJECTS",
    "PROFILES",
    "TYPE_CODES",
    "GeneratedOrg",
    "generate_org",
    "iter_org_batches",
    "labels_csv",
    "write_labels",
]


@dataclass
class GeneratedOrg:
    """Records of the synthetic org and the ground truth about its accounts."""

    records: dict[str, list[dict[str, Any]]]
    labels: list[dict[str, Any]]
    as_of: dt.datetime

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.records.items()}


# Accounts per batch when streaming: a few MB of records, and few enough
# store inserts that each one's fixed cost stays small.
BATCH_ACCOUNTS = 500


def generate_org(
    accounts: int = 1000,
    seed: int = 42,
    as_of: dt.datetime | None = None,
    orphan_share: float = DEFAULT_ORPHAN_SHARE,
) -> GeneratedOrg:
    """Generate a deterministic org of ``accounts`` accounts with about five years of history.

    ``as_of`` is the reference "now" (default: today at 00:00 UTC); nothing
    is created after it. ``orphan_share`` of the opportunities have no
    account, as in real exports. The same arguments always give the same records.
    All of it is held in memory: large orgs stream with :func:`iter_org_batches`.
    """
    as_of = _normalise_as_of(as_of)
    labels: list[dict[str, Any]] = []
    records: dict[str, list[dict[str, Any]]] = {name: [] for name in OBJECTS}
    for batch in iter_org_batches(accounts, seed, labels, as_of, orphan_share):
        for name, rows in batch.items():
            records[name].extend(rows)
    return GeneratedOrg(records=records, labels=labels, as_of=as_of)


def iter_org_batches(
    accounts: int,
    seed: int,
    labels: list[dict[str, Any]],
    as_of: dt.datetime | None = None,
    orphan_share: float = DEFAULT_ORPHAN_SHARE,
    batch_accounts: int = BATCH_ACCOUNTS,
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The org of :func:`generate_org`, record for record, in batches of objects' records.

    Each batch holds the records of up to ``batch_accounts`` accounts (the
    first also the users, the last the orphan deals), parents before children,
    so a writer that inserts each batch as it comes never holds the whole org:
    memory stays flat however many accounts. ``labels`` receives each
    account's ground truth as it is generated.
    """
    if accounts < 0:
        raise ValueError("accounts must be >= 0")
    as_of = _normalise_as_of(as_of)
    org = OrgWriter(as_of)
    org_rng = random.Random(f"rapport-org/{seed}")
    team = emit_users(org, org_rng, accounts)
    types = type_mix(accounts, org_rng)
    names = NameBook()
    # Millions of small dicts make the cyclic garbage collector rescan the heap
    # again and again (a 20k-account org took a third longer); records hold no
    # cycles, so it is paused while they are built (not while a batch is written).
    for start in range(0, len(types), batch_accounts):
        collecting = gc.isenabled()
        gc.disable()
        try:
            for index in range(start, min(start + batch_accounts, len(types))):
                rng = random.Random(f"rapport-account/{seed}/{index}")
                labels.append(_generate_account(org, rng, team, names, types[index]))
        finally:
            if collecting:
                gc.enable()
        yield org.drain()
    emit_orphan_deals(org, random.Random(f"rapport-orphans/{seed}"), team, orphan_share)
    last = org.drain()
    if last:
        yield last


LABEL_COLUMNS = (
    "account_id",
    "account_name",
    "relationship_type",
    "is_hostage",
    "hostage_signals",
    "segment",
    "relationship_start",
    "relationship_end",
    "share_of_wallet",
    "quirks",
    "story_type",
)


def write_labels(labels: Sequence[dict[str, Any]], path: Path) -> None:
    """Write the ground truth to a CSV file (lists joined with ';', booleans as true/false)."""
    with labels_csv(path) as write:
        write(labels)


@contextmanager
def labels_csv(path: Path) -> Iterator[Callable[[Sequence[dict[str, Any]]], None]]:
    """The ground-truth CSV of :func:`write_labels`, written batch by batch as labels come.

    For streaming an org: a large org's labels need not all be held to be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LABEL_COLUMNS, extrasaction="ignore")
        writer.writeheader()

        def write(labels: Sequence[dict[str, Any]]) -> None:
            for label in labels:
                writer.writerow({key: _csv_value(label.get(key)) for key in LABEL_COLUMNS})

        yield write


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def _normalise_as_of(as_of: dt.datetime | None) -> dt.datetime:
    if as_of is None:
        today = dt.datetime.now(UTC).date()
        return dt.datetime(today.year, today.month, today.day, tzinfo=UTC)
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=UTC)
    return as_of.astimezone(UTC)


def _generate_account(
    org: OrgWriter, rng: random.Random, team: Team, names: NameBook, code: str
) -> dict[str, Any]:
    """Plan one account's story and write all its records; return its label."""
    profile = PROFILES[code]
    segment, wallet_median = weighted(rng, tuple(zip(SEGMENTS, profile.segments, strict=True)))
    wallet = wallet_median * rng.lognormvariate(0, 0.5)
    story = plan_story(rng, code, wallet)
    account = emit_account(org, rng, team, names, story, segment)
    emit_contacts(org, rng, account, story)
    emit_contracts(org, rng, account, story)
    emit_deals(org, rng, account, story)
    emit_orders(org, rng, account, story)
    emit_cases(org, rng, account, story)
    emit_touches(org, rng, account, story)
    emit_events(org, rng, account, story)
    emit_surveys(org, rng, account, story)
    # Last: the rep's view and stated relationships draw after every other record.
    perceived = emit_perception(org, rng, account.id, story)
    won_last_year = sum(d.value for d in story.deals if d.won and 0 <= d.close <= 365)
    return {
        "account_id": account.id,
        "account_name": account.name,
        "relationship_type": story.true_type or code,
        "story_type": code,
        "is_hostage": story.hostage,
        "hostage_signals": sorted(story.signals),
        "segment": segment,
        "relationship_start": org.date(story.start),
        "relationship_end": org.date(story.end) if story.end else None,
        "share_of_wallet": round(won_last_year / wallet, 3) if wallet else None,
        "quirks": list(story.quirks),
        # Not in the ground-truth CSV: what the rep believes is in the org itself.
        "perceived_type": perceived,
    }
