"""`rapport doctor`: check everything a run needs, and say what to fix.

Each check is independent and reports a problem instead of raising, so one
run names every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapport.errors import explain


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except Exception as error:  # every failure is a finding, not a crash
        return Check(name, False, _finding(error))


def _finding(error: Exception) -> str:
    """What went wrong and what to do, without the --debug hint meant for crashes."""
    return explain(error).message.replace("\nRun again with --debug for the traceback.", "")


def run_checks() -> list[Check]:
    from rapport.config import load_settings

    try:
        settings = load_settings()
    except Exception as error:
        return [Check("settings", False, _finding(error))]
    checks = [
        Check(
            "settings",
            True,
            f"auth mode {settings.salesforce.auth}, warehouse {settings.warehouse.type}, "
            f"loader {settings.source.loader}",
        )
    ]

    from connectors.salesforce.api.client import connect

    sf_holder: list = []

    def sign_in() -> str:
        sf = connect(settings.salesforce)
        sf_holder.append(sf)
        return f"signed in to {sf.sf_instance} (API v{settings.salesforce.api_version})"

    checks.append(_check("sign-in", sign_in))
    if sf_holder:
        sf = sf_holder[0]
        checks.append(
            _check("API budget", lambda: _api_budget(sf, settings.extract.api_budget_share))
        )
        checks.append(_check("CRM fields", lambda: _rapport_fields(sf)))
    else:
        checks += [
            Check(name, False, "not checked: sign-in failed")
            for name in ("API budget", "CRM fields")
        ]
    checks.append(_check("warehouse", lambda: _warehouse(settings)))
    return checks


def _api_budget(sf, budget_share: float) -> str:
    daily = sf.restful("limits")["DailyApiRequests"]
    used = daily["Max"] - daily["Remaining"]
    detail = f"{daily['Remaining']:,} of {daily['Max']:,} daily API requests left"
    if used >= budget_share * daily["Max"]:
        raise RuntimeError(
            f"{detail}: Rapport stops at {budget_share:.0%} used (extract.api_budget_share). "
            "Wait for the 24-hour window to roll, or raise the share."
        )
    return detail


def _rapport_fields(sf) -> str:
    from connectors.salesforce.writeback.rapport_fields import rapport_fields

    wanted = rapport_fields()
    missing = []
    for object_name in sorted({f.object_name for f in wanted}):
        present = {
            f["name"].lower() for f in sf.restful(f"sobjects/{object_name}/describe")["fields"]
        }
        missing += [
            f"{f.object_name}.{f.name}"
            for f in wanted
            if f.object_name == object_name and f.name.lower() not in present
        ]
    if missing:
        raise RuntimeError(
            f"Missing: {', '.join(missing)}. Run `rapport install-fields` (or deploy salesforce/ with the Salesforce CLI)."
        )
    return f"all {len(wanted)} Rapport fields present"


def _warehouse(settings) -> str:
    """Fails when the chosen warehouse cannot run a stage: driver, connection, schema."""
    from rapport.warehouse import backend_for

    return backend_for(settings.warehouse).probe()
