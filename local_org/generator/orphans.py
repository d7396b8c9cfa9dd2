"""Opportunities without an account, as real CRM exports hold them.

Salesforce lets an opportunity exist without an AccountId (created from a lead
converted without an account, an account deleted or merged away, a private
deal). Nothing about them can be attributed to a relationship, so the
pipeline has to count them and carry on; the generator writes some so that
every generated org exercises that path.
"""

from __future__ import annotations

import random

from local_org.generator.emit import Team
from local_org.generator.story import money, pick, weighted
from local_org.generator.vocabulary import LEAD_SOURCES, OPEN_STAGES, STAGE_PROBABILITY
from local_org.generator.writer import OrgWriter

# Share of all opportunities written without an account (the default org).
DEFAULT_ORPHAN_SHARE = 0.03


def orphan_count(attributed: int, share: float) -> int:
    """How many orphans make ``share`` of all opportunities, given ``attributed`` ones."""
    if not 0 <= share < 1:
        raise ValueError("orphan_share must be in [0, 1)")
    return round(attributed * share / (1 - share))


def emit_orphan_deals(org: OrgWriter, rng: random.Random, team: Team, share: float) -> int:
    """Write orphan opportunities (``share`` of all opportunities); return how many."""
    count = orphan_count(org.count("Opportunity"), share)
    for serial in range(count):
        created = rng.uniform(5, 1700)
        stage = weighted(
            rng,
            (("Closed Lost", 0.45), ("Closed Won", 0.25), (pick(rng, OPEN_STAGES)[0], 0.3)),
        )
        closed = stage.startswith("Closed")
        close = max(created - rng.uniform(10, 120), 1.0) if closed else -rng.uniform(5, 120)
        org.add(
            "Opportunity",
            created,
            max(close, 0.0) if closed else rng.uniform(0, created),
            {
                "AccountId": None,
                "Name": f"Web lead {serial + 1:05d}",
                "Type": "New Business",
                "StageName": stage,
                "Amount": money(rng.lognormvariate(10, 1.0)) if rng.random() > 0.2 else None,
                "Probability": STAGE_PROBABILITY[stage],
                "CloseDate": org.date(close),
                "IsClosed": closed,
                "IsWon": stage == "Closed Won",
                "LeadSource": pick(rng, LEAD_SOURCES),
                "OwnerId": pick(rng, team.sales),
            },
        )
    return count
