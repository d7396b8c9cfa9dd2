"""The yml documents exactly the columns each model and seed has in the warehouse."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.factories.dbt import write_raw_tables

# dbt parses or builds the project: seconds to minutes.
pytestmark = pytest.mark.slow


def test_documented_columns_match_the_built_warehouse(tmp_path, dbt_build, generated_records):
    records, _ = generated_records
    warehouse = tmp_path / "rapport.duckdb"
    write_raw_tables(warehouse, records)
    # Tables to look at; whether the data passes the dbt tests is other tests' job.
    dbt_build(warehouse, command="seed")
    dbt_build(warehouse, command="run")

    manifest = json.loads((tmp_path / "dbt-target" / "manifest.json").read_text())
    documented = {
        (node["schema"], node["alias"]): (node["name"], set(node["columns"]))
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        # An ephemeral model is a CTE of its readers: no relation to compare.
        and node["config"]["materialized"] != "ephemeral"
    }
    with duckdb.connect(str(warehouse)) as connection:
        rows = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_catalog = current_database()"
        ).fetchall()
    actual: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        actual.setdefault((schema, table), set()).add(column)

    drift = {}
    for relation, (name, columns) in documented.items():
        assert relation in actual, f"{name} was not built"
        missing, undocumented = columns - actual[relation], actual[relation] - columns
        if missing or undocumented:
            drift[name] = {"documented, absent": missing, "present, undocumented": undocumented}
    assert not drift, drift

    undescribed = [
        f"{node['name']}.{column['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
        for column in node["columns"].values()
        if not column.get("description")
    ]
    assert not undescribed, f"columns without a description: {undescribed}"
    assert all(
        node["description"]
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    )
