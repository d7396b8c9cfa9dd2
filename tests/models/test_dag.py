"""The DAG flows one way: staging and intermediate models never read a mart."""

from __future__ import annotations

import json

from tests.factories.dbt import run_dbt

UPSTREAM_LAYERS = ("models/staging/", "models/intermediate/")
MARTS = "models/marts/"


def test_no_staging_or_intermediate_model_depends_on_a_mart(tmp_path):
    target = tmp_path / "dbt-target"
    run_dbt(tmp_path / "unused.duckdb", target, command="parse")
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {k: v for k, v in nodes.items() if v["resource_type"] == "model"}
    marts = {k for k, v in models.items() if v["original_file_path"].startswith(MARTS)}
    assert marts, "no marts found: has the models/marts folder moved?"

    backwards = [
        f"{node['name']} -> {upstream.split('.')[-1]}"
        for node in models.values()
        if node["original_file_path"].startswith(UPSTREAM_LAYERS)
        for upstream in node["depends_on"]["nodes"]
        if upstream in marts
    ]
    assert not backwards, f"models read a mart from a lower layer: {backwards}"
