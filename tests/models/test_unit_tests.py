"""Every dbt unit test passes on DuckDB.

The other builds of the suite leave the unit tests out (tests/factories/dbt.py):
they check the models' logic on fixed rows, so one build that runs them all
says what every build would. This test holds that one build to it.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_every_unit_test_of_the_project_ran_and_passed(generated_org_built):
    target = generated_org_built.target
    defined = set(json.loads((target / "manifest.json").read_text())["unit_tests"])
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results if r["unique_id"] in defined}

    assert defined, "the project defines unit tests"
    assert set(statuses) == defined, f"not run: {sorted(defined - set(statuses))}"
    assert set(statuses.values()) == {"pass"}, statuses
