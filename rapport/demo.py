"""``rapport demo``: the whole product against a local org, in one command.

The local org is seeded (generated, or from a folder of CSV exports), the flow
runs exactly as it would against a real org, and the written fields are read
back from the org through simple-salesforce to prove they arrived.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from connectors.salesforce.api.client import connect
from local_org.server import LocalOrgInfo
from local_org.store import OrgStore
from rapport.config import load_settings
from rapport.demo_org import OrgProcess
from rapport.environment import scoped_environ
from rapport.prefect_warmup import ServerWarmup

GROUND_TRUTH_FILE = "ground_truth.csv"


@dataclass(frozen=True)
class DemoResult:
    distribution_in_crm: dict[str, int]
    accounts: int
    ground_truth: Path | None


def seed_store(
    accounts: int, seed: int, org_data: Path | None, state_dir: Path
) -> tuple[OrgStore, Path | None]:
    """Build the local org's store; generated orgs also write their ground truth."""
    if org_data is not None:
        from local_org.csv_seed import load_csv_folder

        store = load_csv_folder(org_data)
        install_rapport_fields(store)
        return store, None
    from local_org.generator import write_labels

    store, truth = generate_store(accounts, seed)
    labels = state_dir / GROUND_TRUTH_FILE
    labels.parent.mkdir(parents=True, exist_ok=True)
    write_labels(truth, labels)
    return store, labels


def generate_store(
    accounts: int, seed: int, *, path: Path | None = None, memory_limit: str | None = None
) -> tuple[OrgStore, list[dict]]:
    """A synthetic org in a store, and its ground-truth labels (kept out of the org).

    Written batch by batch through Arrow as it is generated, so the generator's
    records never pile up. With ``path`` the store is a DuckDB file and
    ``memory_limit`` caps DuckDB's memory; in memory, the store grows with the org.
    """
    from local_org.generator.seeding import generate_into
    from local_org.schema import standard_objects

    store = OrgStore.create(standard_objects(), path, memory_limit=memory_limit)
    labels: list[dict] = []
    generate_into(store, accounts, seed, labels=labels.extend)
    return store, labels


def install_rapport_fields(store: OrgStore) -> None:
    """Add Rapport's CRM fields to an org seeded from exports, as an admin would deploy them."""
    from local_org.schema import rapport_field_specs

    for object_name, fields in rapport_field_specs().items():
        if object_name not in store.objects:
            continue
        for spec in fields:
            if store.spec(object_name).field_ci(spec.name) is None:
                store.add_field(object_name, spec)


def local_org_env(info: LocalOrgInfo, warehouse: Path, state_dir: Path) -> dict[str, str]:
    """Settings that point Rapport at a local org, as environment variables."""
    return {
        "RAPPORT_SALESFORCE__AUTH": "password",
        "RAPPORT_SALESFORCE__USERNAME": info.username,
        "RAPPORT_SALESFORCE__PASSWORD": info.password,
        "RAPPORT_SALESFORCE__SECURITY_TOKEN": info.security_token,
        "RAPPORT_SALESFORCE__LOCAL_ORG_URL": info.instance_url,
        "RAPPORT_SALESFORCE__CA_CERT": str(info.ca_cert),
        "RAPPORT_WAREHOUSE__PATH": str(warehouse),
        "RAPPORT_STATE_DIR": str(state_dir),
    }


# The local org answers on this machine and finishes a Bulk job within about a
# second; the ingest job's default schedule is paced for Salesforce (its first
# poll after one second per 1,000 records), which left the demo idle for ~5 s
# of its profile. A shorter first poll, doubling as before; settings the user
# exported still win. (Query jobs already poll from 0.1 s by default.)
DEMO_BULK_POLLING = {
    "RAPPORT_WRITEBACK__BULK_POLL_SECONDS": "0.2",
    "RAPPORT_WRITEBACK__BULK_RECORDS_PER_SECOND": "20000",
}


def demo_polling_env() -> dict[str, str]:
    """The demo's Bulk polling, for the settings the environment does not set already."""
    return {key: value for key, value in DEMO_BULK_POLLING.items() if key not in os.environ}


def crm_type_distribution() -> Counter[str]:
    """Read Relationship_Type__c back from the org, through the API."""
    sf = connect(load_settings().salesforce)
    records = sf.query_all_iter("SELECT Id, Relationship_Type__c FROM Account")
    return Counter(r["Relationship_Type__c"] or "(not set)" for r in records)


def reset_demo_warehouse(warehouse: Path, state_dir: Path) -> None:
    """Start each demo from an empty warehouse.

    Every demo serves a new org; the previous demo's write-back state (what it
    pushed to the old org) would read the new org's empty fields as hand edits.
    """
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(state_dir / "dlt", ignore_errors=True)


def run_demo(
    accounts: int, seed: int, org_data: Path | None, warehouse: Path, state_dir: Path
) -> DemoResult:
    # Three processes share the start: the org seeds itself in its own
    # (rapport/demo_org.py), Prefect's server comes up in another, and this one
    # imports the pipeline; the flow run waits for the org, and for the server
    # only if it is late.
    with OrgProcess.start(accounts, seed, org_data, state_dir) as org:
        warmup = ServerWarmup().start()
        from flows.relationship_intelligence import relationship_intelligence

        info = org.info
        reset_demo_warehouse(warehouse, state_dir)
        with scoped_environ(
            local_org_env(info, warehouse.resolve(), state_dir.resolve()) | demo_polling_env()
        ):
            warmup.wait()
            relationship_intelligence(full_refresh=True)
            distribution = crm_type_distribution()
    ground_truth = None if org_data is not None else state_dir / GROUND_TRUTH_FILE
    return DemoResult(dict(distribution), sum(distribution.values()), ground_truth)


class ConnectionInfoSink:
    """Stdout for ``local-org serve``: echoes the connection line and, when asked,
    turns it into a rapport.yml so the other commands reach this org as is."""

    def __init__(self, config_path: Path | None) -> None:
        self._config_path = config_path
        self._written = False

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        if self._config_path is not None and not self._written and text.strip():
            write_local_org_config(json.loads(text), self._config_path)
            self._written = True
        return len(text)

    def flush(self) -> None:
        sys.stdout.flush()


def write_local_org_config(info: dict, path: Path) -> None:
    config = {
        "salesforce": {
            "auth": "password",
            "username": info["username"],
            "password": info["password"],
            "security_token": info["security_token"],
            "local_org_url": info["instance_url"],
            "ca_cert": info["ca_cert"],
        },
        "warehouse": {"path": "warehouse/rapport.duckdb"},
    }
    header = "# Written by `rapport local-org serve`: sign-in for the local org (not a real org).\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False))
