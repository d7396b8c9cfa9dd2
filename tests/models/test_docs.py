"""dbt docs: the catalog of every model and column is generated."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_docs_generate_documents_the_marts(tmp_path, dbt_build, accounts_and_opportunities_built):
    # The catalog is read from a built warehouse: the shared build of accounts
    # and opportunities (docs generate only reads it).
    dbt_build(accounts_and_opportunities_built.warehouse, command="docs generate")

    target = tmp_path / "dbt-target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    mart = manifest["nodes"]["model.rapport.account_relationship"]
    assert mart["description"]
    assert all(column["description"] for column in mart["columns"].values())
    assert "model.rapport.account_relationship" in catalog["nodes"]
    assert {e.split(".")[-1] for e in manifest["exposures"]} == {
        "crm_writeback",
        "bi_relationship_tables",
    }
    assert (target / "index.html").exists()
