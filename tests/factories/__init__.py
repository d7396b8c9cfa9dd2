"""Test helpers: record builders, small warehouses and orgs, in one place.

Tests and conftests import helpers from here; conftests hold only fixtures.
One module per area (``connector``, ``gates``, ``local_org``, ``dbt``,
``report``, ``writeback``, ``orgs``); the Ids every area shares are in ``ids``
and re-exported here.
"""

from tests.factories.ids import account_id, contact_id, opportunity_id

__all__ = ["account_id", "contact_id", "opportunity_id"]
