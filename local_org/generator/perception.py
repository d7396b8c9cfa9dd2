"""What people believe about a generated account: the rep's view and the customer's word.

Rapport compares the type it computes with the type people believe in (the
perception gap). A generated org needs both beliefs, drawn from the
account's latent type the way they arise in real orgs:

* **The rep's view** (``Account.Relationship_Perceived_Type__c``), set by hand
  for a share of accounts (fewer prospects: nothing to judge yet). Reps are
  optimists: most are right, but overrating is twice as common as
  underrating, and an ex is mostly still seen as the customer it used to be.
* **The customer's word** (``Survey_Response__c.Stated_Relationship__c``):
  some responses answer "how would you describe your relationship with
  us?". Customers are more sober: mostly their true type, sometimes a rung
  lower, rarely higher, sometimes "Don't know"; an ex answering before the
  break-up still describes the relationship it had then.

The generator's own rungs (``RUNGS``) say what "higher" means here; they are
written from the type stories, not read from Rapport's ladder seed, so the
pipeline is measured against beliefs it did not define. Everything is drawn
from the account's own random generator after its other records, so the rest
of the org is the same with or without this module.
"""

from __future__ import annotations

import random
from typing import Any

from local_org.generator.story import Story, pick, weighted
from local_org.generator.writer import OrgWriter

# Types by how much relationship they hold, lowest first; a rung may hold two
# types (an ex and a one-night stand both bought and no longer buy).
RUNGS: tuple[tuple[str, ...], ...] = (
    ("prospect",),
    ("one_night_stand", "ex"),
    ("dating",),
    ("steady",),
    ("engaged", "partner"),
    ("married",),
)

LABELS: dict[str, str] = {
    "prospect": "Prospect",
    "one_night_stand": "One-Night Stand",
    "dating": "Dating",
    "steady": "Steady",
    "engaged": "Engaged",
    "married": "Married",
    "partner": "Partner",
    "ex": "Ex",
}

# The survey's answer for each type (Stated_Relationship__c picklist values).
STATED: dict[str, str] = {
    "prospect": "We have not bought from you yet",
    "one_night_stand": "We bought from you once",
    "dating": "We buy from you now and then",
    "steady": "You are one of our regular suppliers",
    "engaged": "We are working toward a contract with you",
    "married": "We are under contract with you",
    "partner": "You are a strategic partner",
    "ex": "We used to buy from you",
}
DONT_KNOW = "Don't know"
PERCEIVED_FIELD = "Relationship_Perceived_Type__c"

# Share of accounts whose rep set a view, by latent type.
REP_VIEW_SHARE: dict[str, float] = {"prospect": 0.15}
DEFAULT_REP_VIEW_SHARE = 0.45
# How a rep's view relates to the truth: right, one or more rungs too high,
# one rung too low. Optimism: overrating twice as likely as underrating.
REP_BIAS = (("right", 0.58), ("over", 0.28), ("under", 0.14))
# How far too high an optimist goes, in rungs.
OVERRATE_RUNGS = ((1, 0.6), (2, 0.28), (3, 0.12))
# Share of survey responses of the last two years that carry a stated relationship.
STATED_SHARE = 0.35
STATED_WINDOW_DAYS = 730.0
CUSTOMER_BIAS = (("right", 0.75), ("under", 0.1), ("over", 0.05), ("dont_know", 0.1))


def rung_of(code: str) -> int:
    return next(index for index, types in enumerate(RUNGS) if code in types)


def _moved(rng: random.Random, code: str, rungs: int) -> str:
    """A type ``rungs`` rungs away from ``code`` (clamped to the ladder)."""
    target = min(max(rung_of(code) + rungs, 0), len(RUNGS) - 1)
    return pick(rng, RUNGS[target])


def rep_view(rng: random.Random, story: Story) -> str | None:
    """The type the account's rep believes in, or None when the rep set nothing."""
    if rng.random() >= REP_VIEW_SHARE.get(story.code, DEFAULT_REP_VIEW_SHARE):
        return None
    if story.code == "ex" and rng.random() < 0.6:
        # The rep still sees the customer it used to be.
        return pick(rng, ("dating", "steady", "married"))
    bias = weighted(rng, REP_BIAS)
    if bias == "over" and rung_of(story.code) < len(RUNGS) - 1:
        return _moved(rng, story.code, weighted(rng, OVERRATE_RUNGS))
    if bias == "under" and rung_of(story.code) > 0:
        return _moved(rng, story.code, -1)
    return story.code


def stated_relationship(rng: random.Random, story: Story, ago: float) -> str:
    """What a customer answers, ``ago`` days before as_of, about the relationship."""
    code = story.code
    if code == "ex" and story.end and ago > story.end:
        code = "steady"  # before the break-up they were still buying
    bias = weighted(rng, CUSTOMER_BIAS)
    if bias == "dont_know":
        return DONT_KNOW
    if bias in ("over", "under"):
        code = _moved(rng, code, 1 if bias == "over" else -1)
    return STATED[code]


def emit_perception(
    org: OrgWriter, rng: random.Random, account_id: str, story: Story
) -> str | None:
    """Set the rep's view on the account and stated relationships on its recent surveys.

    Works on the records just written for ``account_id`` (its Account is the
    last one added, its surveys the last survey responses). Returns the
    rep's view (a type code) or None.
    """
    account = org.records["Account"][-1]
    if account["Id"] != account_id:
        raise RuntimeError(f"emit_perception: the last account is not {account_id}")
    perceived = rep_view(rng, story)
    # Every account carries the field (installed before the reps filled it in), like every column.
    account[PERCEIVED_FIELD] = LABELS[perceived] if perceived is not None else None
    for survey in reversed(org.records["Survey_Response__c"]):
        if survey["Account__c"] != account_id:
            break
        ago = _days_ago(org, survey)
        if ago <= STATED_WINDOW_DAYS and rng.random() < STATED_SHARE:
            survey["Stated_Relationship__c"] = stated_relationship(rng, story, ago)
    return perceived


def _days_ago(org: OrgWriter, record: dict[str, Any]) -> float:
    return (org.as_of - record["Responded_At__c"]).total_seconds() / 86400.0
