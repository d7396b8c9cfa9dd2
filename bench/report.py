"""bench/run.py's result as a markdown table, the form docs/benchmarks.md keeps."""

from __future__ import annotations


def _stage_rows(passes: list[dict]) -> list[str]:
    rows = [
        "| pass | stage | wall s | CPU s | peak RSS MB | Rapport's processes MB "
        "| local org MB | all MB | API calls | notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in passes:
        for s in run["stages"]:
            extra = s.get("extra") or {}
            note = ""
            if "rows" in extra:
                note = f"{extra['rows']:,} rows"
                if extra.get("rows_unchanged"):
                    note += f" (and {extra['rows_unchanged']:,} read again, unchanged: not loaded)"
                if extra.get("extract_records_per_s"):
                    note += f", {extra['extract_records_per_s']:,} rec/s in dlt extract"
                note += "; dlt " + ", ".join(
                    f"{k[4:-2]} {v}s" for k, v in extra.items() if k.startswith("dlt_")
                )
            elif "records_sent" in extra:
                sent = sum(extra["records_sent"].values())
                note = f"{sent:,} records sent; fewest calls for them: {extra['min_send_calls']}"
                if extra.get("org_ingest_processing_s"):
                    note += f"; the org's ingest jobs took {extra['org_ingest_processing_s']}s"
                if extra.get("calls_by_kind"):
                    note += (
                        " ("
                        + ", ".join(f"{k} {v}" for k, v in extra["calls_by_kind"].items())
                        + ")"
                    )
            elif "checks" in extra:
                note = f"{extra['checks']} checks, {extra['errors']} errors"
            elif "kept" in extra:
                note = (
                    f"dbt and gates skipped: {extra['kept']}" if extra["kept"] else "changed: build"
                )
            elif "nodes" in extra:
                note = f"{extra['nodes']} nodes, success={extra['success']}"
            rows.append(
                f"| {run['name']} | {s['stage']} | {s['wall_s']} | {s['cpu_s']} "
                f"| {s['peak_rss_mb']} | {s.get('peak_rss_rapport_mb', '')} "
                f"| {s.get('peak_rss_org_mb', '')} | {s.get('peak_rss_all_mb', '')} "
                f"| {s['api_calls']} | {note} |"
            )
        rows.append(f"| {run['name']} | **total** | **{run['wall_s']}** | | | | | | | |")
    return rows


def _differing(hand: dict) -> str:
    """The columns whose values differ, with how many accounts each, when any do."""
    differing = hand.get("differing_values") or {}
    return "".join(f"; {column} differs for {n:,}" for column, n in differing.items())


def markdown(result: dict) -> str:
    m, gen = result["machine"], result["generation"]
    passes = result["passes"]
    full_wall = passes[0]["wall_s"]
    lines = [
        f"## Size {result['size']}: {result['accounts']:,} accounts, "
        f"{sum(result['records'].values()):,} records (seed {result['seed']})",
        "",
        f"Machine: {m['cpus']} CPUs, {m['memory_gb']} GB RAM, Python {m['python']}, {m['platform']}; "
        f"load average {m['load_average_at_start']} at start, {m.get('load_average_at_end')} at end.",
        "",
        f"Org generation (child process): {gen['wall_s']} s wall, {gen['cpu_s']} s CPU, "
        f"peak RSS {gen['peak_rss_mb']} MB. Pipeline process peak RSS: {result['peak_rss_mb']} MB.",
        "",
        f"Changes before pass (b): {result.get('changes', 'none: full pass only')}.",
        "",
        *_stage_rows(passes),
        "",
        "| ratio | measured | target |",
        "|---|---:|---:|",
    ]
    for run in passes[1:]:
        lines.append(
            f"| {run['name']} ÷ full (wall) | {run['wall_s'] / full_wall:.1%} | ≤10% / ≤5% |"
        )
    r = result["ratios"]
    hand = r["dbt_vs_hand_sql"]
    lines.append(
        f"| dbt build ÷ its SQL as one DuckDB script ({hand['models']} models + {hand['tests']} tests; "
        f"account_relationship rows match: {hand['rows_match']}"
        f"{_differing(hand)}) "
        f"| {hand['dbt_s']} s ÷ {hand['total_s']} s = {hand['ratio']} | ≤1.5 |"
    )
    if "extract_vs_wire" in r:
        w = r["extract_vs_wire"]
        lines.append(
            f"| Bulk extraction (dlt extract step) ÷ streaming the same pages ({w['bytes']:,} bytes) "
            f"| {w['bulk_extract_s']} s ÷ {w['seconds']} s = {w['ratio']} | ≤1.3 |"
        )
    if "task_vs_wire" in r:
        t = r["task_vs_wire"]
        ours, wire = t["ours"], t["wire"]
        pages = f"{t['pages']} page{'s' if t['pages'] != 1 else ''}"
        what = f"{t['object']}, {t['rows']:,} rows, {pages}, median of {t['repeats']}"
        lines += [
            f"| {what}: whole job, our extract step ÷ create+wait+download "
            f"| {ours['extract_s']} s ÷ {wire['seconds']} s = {t['whole_job_ratio']} | ≤1.3 |",
            f"| {what}: pages, ours from the job's end to rows in dlt's files ÷ download "
            f"| {ours['pages_s']} s ÷ {wire['download_s']} s = {t['pages_ratio']} | ≤1.3 |",
            f"| {what}: CPU of our extract step ÷ the download's "
            f"| {ours['cpu_s']} s ÷ {wire['cpu_s']} s | |",
        ]
    for run in passes:
        wb = next(s for s in run["stages"] if s["stage"] == "write-back")
        lines.append(
            f"| write-back calls ({run['name']}) ÷ fewest for the records sent "
            f"| {wb['api_calls']} ÷ {wb['extra']['min_send_calls']} | ≤15 for 10k records |"
        )
    return "\n".join(lines) + "\n"
