"""``rapport report``: one self-contained HTML file about the book of accounts.

The file carries everything inline (CSS, SVG charts, no script), so it can be
mailed, archived or opened on a plane. It is written to a temporary file next
to the target and renamed into place, so a failed run never leaves half a
report where the last good one was.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from rapport import report_evidence as evidence
from rapport import report_figures as figures
from rapport import report_perception as perception
from rapport.config import Settings, WarehouseSettings
from rapport.report_backtest import BacktestSection, latest_backtest
from rapport.report_data import Marts, ReportError, load_marts, warehouse_settings
from rapport.report_svg import box_plot, column_chart, horizontal_bars, meter, sankey, stacked_bars

__all__ = ["DEFAULT_FILE_NAME", "ReportError", "render_report", "write_report"]

DEFAULT_FILE_NAME = "relationship_report.html"
TEMPLATE = "report_template.html"
HALF_WIDTH, FULL_WIDTH = 540, 1130
HOSTAGE_ROWS = 12


def write_report(
    settings_or_warehouse: Settings | WarehouseSettings | Path | str,
    out_path: Path | str,
    *,
    org_name: str | None = None,
) -> Path:
    """Read the marts and write the report; returns the file written.

    ``settings_or_warehouse`` is Rapport's settings, its warehouse settings or
    the path of a DuckDB warehouse. ``out_path`` may be a directory, in which
    case the file is named ``relationship_report.html``. Raises ReportError
    naming the table or column when the warehouse cannot make a report.
    """
    warehouse = warehouse_settings(settings_or_warehouse)
    marts = load_marts(warehouse)
    html = render_report(
        marts,
        org_name=org_name or _org_name(settings_or_warehouse),
        source=_source_label(warehouse),
        schema=warehouse.marts_schema,
        backtest=latest_backtest(warehouse),
    )
    target = Path(out_path)
    if target.is_dir():
        target = target / DEFAULT_FILE_NAME
    _write_atomically(target, html)
    return target


def render_report(
    marts: Marts,
    *,
    org_name: str | None = None,
    source: str = "warehouse",
    schema: str = "rapport",
    generated_at: datetime | None = None,
    backtest: BacktestSection | None = None,
) -> str:
    """The report's HTML from marts already read: for callers that hold them (flow artifacts, tests)."""
    styles = figures.type_styles(marts)
    history = figures.snapshots(marts)
    as_of = figures.as_of_date(marts)
    sankey_dates = figures.sankey_snapshots(history)
    priority = figures.priority_accounts(marts, styles)
    reasons = evidence.evidence_by_account(marts, [row["account_id"] for row in priority])
    context = {
        "title": f"Relationship report · {org_name or 'Rapport'}"
        + (f" · {as_of.isoformat()}" if as_of else ""),
        "org_name": org_name or "Relationship report",
        "as_of": as_of,
        "generated_at": (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "snapshots": history,
        "kpis": figures.kpis(marts, history),
        "charts": _charts(marts, styles, history, sankey_dates, as_of),
        "sankey_dates": sankey_dates,
        "moves": figures.top_moves(marts, styles),
        "hostages": figures.hostages(marts, styles),
        "hostage_limit": HOSTAGE_ROWS,
        "falling": figures.falling(marts, history, styles),
        "priority": priority,
        "reasons": reasons,
        "violations": evidence.violations_by_type(marts, styles),
        "perception": perception.perception_section(marts, styles),
        "missing_tables": marts.missing_tables,
        "backtest": backtest,
        "source": source,
        "schema": schema,
    }
    return _environment().get_template(TEMPLATE).render(context)


def _charts(
    marts: Marts,
    styles: dict[str, figures.TypeStyle],
    history: figures.Snapshots,
    sankey_dates: list[date],
    as_of: date | None,
) -> dict[str, object]:
    """Every chart of the report; None where there is nothing to draw (the template says why)."""
    distribution = figures.type_distribution(marts, styles)
    strength = figures.strength_by_type(marts, styles)
    influence = figures.contacts_by_influence(marts)
    single_threaded = figures.single_threaded_by_type(marts, styles)
    moments = figures.moments_by_cause(marts, as_of)
    next_steps = figures.top_next_steps(marts, styles)
    charts: dict[str, object] = {
        "types": distribution
        and horizontal_bars(
            "type-distribution", distribution, width=HALF_WIDTH, label="Accounts per type"
        ),
        "strength": strength
        and box_plot("strength-by-type", strength, width=HALF_WIDTH, label="Strength by type"),
        "influence": influence
        and stacked_bars(
            "contacts-by-influence",
            influence,
            width=HALF_WIDTH,
            label="Contacts engaged by buying influence",
        ),
        "single_threaded": single_threaded
        and horizontal_bars(
            "single-threaded-by-type",
            single_threaded,
            width=HALF_WIDTH,
            max_value=100,
            label="Share of single-threaded accounts by type",
        ),
        "moments": moments
        and stacked_bars(
            "moments-by-cause", moments, width=HALF_WIDTH, label="Moments of the last year by cause"
        ),
        "next_steps": next_steps
        and horizontal_bars(
            "next-steps",
            next_steps,
            width=FULL_WIDTH,
            max_label_width=470,
            label="Most common next steps",
        ),
        "sankey": None,
        "changes": None,
    }
    if len(sankey_dates) >= 2:
        nodes, links = figures.type_flows(marts, sankey_dates, styles)
        charts["sankey"] = sankey(
            "type-transitions",
            [d.isoformat() for d in sankey_dates],
            nodes,
            links,
            width=FULL_WIDTH,
            height=max(300, 34 * max(len(styles), 1) + 40),
            label="Relationship types across snapshots",
        )
        charts["changes"] = column_chart(
            "changes-per-snapshot",
            figures.changes_per_snapshot(marts, history),
            width=640,
            label="Type changes per snapshot",
        )
    return {name: chart or None for name, chart in charts.items()}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["meter"] = meter
    return environment


def _org_name(source: Settings | WarehouseSettings | Path | str) -> str | None:
    """The org as people know it: the sign-in user's domain, else My Domain host."""
    if not isinstance(source, Settings):
        return None
    salesforce = source.salesforce
    if salesforce.username and "@" in salesforce.username:
        return salesforce.username.rsplit("@", 1)[1]
    if salesforce.instance_url:
        return urlparse(salesforce.instance_url).hostname
    return None


def _source_label(warehouse: WarehouseSettings) -> str:
    if warehouse.type == "duckdb":
        return warehouse.path.name
    return f"postgres {warehouse.database}"


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        # mkstemp's 0600 would hide the report from the colleagues it is for.
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
