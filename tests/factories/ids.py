"""Deterministic Salesforce Ids for test records: the n-th account, contact, opportunity.

Every suite builds its records with these, so an Id seen in one suite's
failure means the same record number in any other.
"""

from __future__ import annotations

from connectors.salesforce.api.ids import make_id


def account_id(n: int) -> str:
    return make_id("001", n)


def contact_id(n: int) -> str:
    return make_id("003", n)


def opportunity_id(n: int) -> str:
    return make_id("006", n)
