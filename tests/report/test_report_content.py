"""What the report says, read back from its HTML: every number traced to the marts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rapport.config import SalesforceSettings, Settings, WarehouseSettings
from rapport.report import ReportError, write_report
from rapport.typology import relationship_types
from tests.factories import account_id
from tests.factories.report import (
    AS_OF,
    BIGGEST_DROP_ACCOUNT,
    HOSTAGE_ACCOUNTS,
    TRICKY_NAME,
    Element,
    parse_html,
)

LABELS = {t.code: t.label for t in relationship_types()}


def render(warehouse, tmp_path: Path, name: str = "report.html") -> tuple[str, Element]:
    path = write_report(warehouse.path, tmp_path / name)
    html = path.read_text(encoding="utf-8")
    return html, parse_html(html)


def chart(dom: Element, name: str) -> Element:
    return dom.find("svg", data_chart=name)


def titles(element: Element, mark: str) -> list[str]:
    return [m.find("title").text for m in element.find_all(data_mark=mark)]


def kpi(dom: Element, name: str) -> str:
    card = dom.find("div", data_kpi=name)
    return next(d for d in card.find_all("div") if d.attrs.get("class") == "value").text.strip()


def table_accounts(dom: Element, table: str) -> list[str]:
    return [
        row.attrs["data-account"]
        for row in dom.find("table", data_table=table).find_all("tr")
        if "data-account" in row.attrs
    ]


def test_type_distribution_and_kpis_match_the_marts(rendered):
    report = rendered(2)
    warehouse = report.warehouse
    accounts = warehouse.accounts
    dom = report.dom

    counts = accounts["relationship_type"].value_counts()
    bars = chart(dom, "type-distribution").find_all("rect", data_mark="bar")
    # One bar per type present, in the typology's order, each with its count.
    present = [c for c in LABELS if c in counts]
    assert [b.find("title").text.split(":")[0] for b in bars] == [LABELS[c] for c in present]
    for bar, code in zip(bars, present, strict=True):
        assert bar.find("title").text.startswith(f"{LABELS[code]}: {counts[code]} · ")

    assert kpi(dom, "accounts") == str(len(accounts))
    assert kpi(dom, "hostages") == str(len(HOSTAGE_ACCOUNTS))
    assert kpi(dom, "average-strength") == f"{accounts['strength_score'].mean():.0f}"
    assert kpi(dom, "single-threaded") == f"{100 * accounts['is_single_threaded'].mean():.0f}%"
    assert kpi(dom, "falling") == str(int((accounts["trend"] == "falling").sum()))


def test_strength_by_type_shows_each_types_median_and_points(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom
    strength = chart(dom, "strength-by-type")
    boxes = strength.find_all("rect", data_mark="box")
    by_type = warehouse.accounts.groupby("relationship_type")["strength_score"]
    assert len(boxes) == by_type.ngroups
    assert len(strength.find_all("circle", data_mark="point")) == len(warehouse.accounts)
    for code, scores in by_type:
        summary = f"{LABELS[code]}: median {scores.median():.0f}, middle half {scores.quantile(0.25):.0f} to {scores.quantile(0.75):.0f}, n={len(scores)}"
        assert summary in titles(strength, "box")


def test_two_snapshots_draw_who_moved_where(rendered):
    report = rendered(2)
    warehouse = report.warehouse
    before, after = warehouse.snapshot_dates
    dom = report.dom
    sankey = chart(dom, "type-transitions")

    history = warehouse.history
    pairs = history[history["as_of_date"] == before].merge(
        history[history["as_of_date"] == after], on="account_id"
    )
    moved = pairs[pairs["relationship_type_x"] != pairs["relationship_type_y"]]
    moved_pairs = moved.groupby(["relationship_type_x", "relationship_type_y"]).size()
    assert len(moved) > 0, "the generator should move some accounts"
    assert sorted(titles(sankey, "move")) == sorted(
        f"{LABELS[a]} → {LABELS[b]}: {n} account{'s' if n != 1 else ''}"
        for (a, b), n in moved_pairs.items()
    )
    nodes = titles(sankey, "node")
    assert len(nodes) == sum(history.groupby("as_of_date")["relationship_type"].nunique())
    assert (
        f"{LABELS['married']} at {after.isoformat()}: "
        + str(
            int((history[history["as_of_date"] == after]["relationship_type"] == "married").sum())
        )
        in nodes
    )

    assert kpi(dom, "moves") == str(len(warehouse.transitions))
    moves_table = dom.find("table", data_table="moves").find("tbody").find_all("tr")
    top_count = int(moves_table[0].find_all("td")[2].text)
    assert top_count == moved_pairs.max()
    assert not dom.find_all(data_empty="transitions")


def test_one_snapshot_says_so_instead_of_an_empty_chart(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom

    empty = dom.find("div", data_empty="transitions")
    assert f"One snapshot so far ({AS_OF.isoformat()})" in empty.text
    assert not dom.find_all("svg", data_chart="type-transitions")
    assert not dom.find_all("svg", data_chart="changes-per-snapshot")
    assert kpi(dom, "moves") == "—"
    assert "One snapshot so far" in dom.find("header").text

    # Without a strength change to rank by, falling means the activity trend, most valuable first.
    falling = warehouse.accounts[warehouse.accounts["trend"] == "falling"]
    expected = falling.sort_values("value_score", ascending=False)["account_id"].head(12).tolist()
    assert table_accounts(dom, "falling") == expected


def test_many_snapshots_spread_the_flow_over_first_to_last(rendered):
    report = rendered(6)
    warehouse = report.warehouse
    dom = report.dom
    sankey = chart(dom, "type-transitions")
    column_titles = [t.text for t in sankey.find_all("text") if t.attrs.get("font-weight") == "600"]
    dates = [d.isoformat() for d in warehouse.snapshot_dates]
    assert len(column_titles) == 4
    assert column_titles[0] == dates[0] and column_titles[-1] == dates[-1]
    assert column_titles == sorted(column_titles)

    changes = chart(dom, "changes-per-snapshot")
    per_date = warehouse.transitions.groupby("transition_date").size()
    assert titles(changes, "column") == [
        f"{d.isoformat()}: {int(per_date.get(d, 0))} type changes"
        for d in warehouse.snapshot_dates[1:]
    ]


def test_falling_fastest_ranks_by_strength_lost_since_the_last_snapshot(rendered):
    report = rendered(3)
    warehouse = report.warehouse
    dom = report.dom
    table = dom.find("table", data_table="falling")
    rows = [r for r in table.find_all("tr") if "data-account" in r.attrs]
    assert rows[0].attrs["data-account"] == account_id(BIGGEST_DROP_ACCOUNT)
    assert rows[0].find_all("td")[-1].text == "-50.0"
    changes = [float(r.find_all("td")[-1].text) for r in rows]
    assert changes == sorted(changes) and all(c < 0 for c in changes)

    history = warehouse.history
    previous, latest = warehouse.snapshot_dates[-2:]
    joined = history[history["as_of_date"] == previous].merge(
        history[history["as_of_date"] == latest], on="account_id"
    )
    lost = joined[joined["strength_score_y"] < joined["strength_score_x"]]
    assert len(rows) == min(len(lost), 12)


def test_hostages_are_listed_weakest_first(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom
    hostages = warehouse.accounts[warehouse.accounts["is_hostage"]]
    assert (
        table_accounts(dom, "hostages")
        == hostages.sort_values("strength_score")["account_id"].tolist()
    )
    # They lead the accounts to act on, too.
    assert set(table_accounts(dom, "accounts")[: len(hostages)]) == set(hostages["account_id"])


def test_stakeholder_coverage_counts_engaged_contacts_and_single_threading(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom
    contacts = warehouse.contacts
    segments = titles(chart(dom, "contacts-by-influence"), "segment")
    for level in ("high", "medium", "low"):
        at_level = contacts[contacts["buying_influence"] == level]
        engaged = int((at_level["touches_last_365"] > 0).sum())
        assert any(
            s.startswith(f"{level.capitalize()} influence · engaged in the last year: {engaged} ")
            for s in segments
        ), segments

    single = titles(chart(dom, "single-threaded-by-type"), "bar")
    for code, group in warehouse.accounts.groupby("relationship_type"):
        assert (
            f"{LABELS[code]}: {int(group['is_single_threaded'].sum())} of {len(group)} accounts engage one person or none"
            in single
        )


def test_moments_count_only_the_last_year(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom
    moments = warehouse.moments
    recent = moments[moments["age_days"] <= 365]
    assert len(recent) < len(moments), "the generator should make some old moments"
    shown = [
        int(re.search(r": (\d+) \(", t).group(1))
        for t in titles(chart(dom, "moments-by-cause"), "segment")
    ]
    assert sum(shown) == len(recent)


def test_next_steps_most_common_first(rendered):
    report = rendered(1)
    warehouse = report.warehouse
    dom = report.dom
    counts = warehouse.accounts["next_step"].value_counts()
    shown = titles(chart(dom, "next-steps"), "bar")
    assert [int(re.search(r": (\d+) accounts", t).group(1)) for t in shown] == sorted(
        counts.tolist(), reverse=True
    )
    assert {re.match(r"(.*): \d+ accounts \(", t).group(1) for t in shown} == set(counts.index)
    assert len(table_accounts(dom, "accounts")) == min(len(warehouse.accounts), 40)


def test_report_is_self_contained_and_escapes_names(rendered):
    report = rendered(2)
    html, dom = report.html, report.dom
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", html)
    assert "http://" not in html and "https://" not in html
    # The account named like a script is text, not markup.
    assert TRICKY_NAME in dom.text
    assert "&lt;script&gt;" in html


def test_a_type_the_typology_does_not_know_is_still_counted(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    warehouse.accounts.loc[0, ["relationship_type", "relationship_type_label"]] = [
        "retired_type",
        None,
    ]
    warehouse.write()
    _, dom = render(warehouse, tmp_path)
    assert "retired_type: 1 · 3%" in titles(chart(dom, "type-distribution"), "bar")


def test_empty_marts_give_a_report_of_empty_states(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    for name in ("accounts", "contacts", "history", "transitions", "moments"):
        frame = getattr(warehouse, name)
        setattr(warehouse, name, frame.iloc[0:0])
    warehouse.write()
    _, dom = render(warehouse, tmp_path)
    assert kpi(dom, "accounts") == "0"
    assert not dom.find_all("svg")
    for key in ("types", "strength", "transitions", "hostages", "falling", "influence", "moments"):
        assert dom.find_all(data_empty=key), key


def test_a_missing_warehouse_is_named_and_not_created(tmp_path):
    absent = tmp_path / "nowhere" / "rapport.duckdb"
    with pytest.raises(ReportError, match=re.escape(str(absent))):
        write_report(absent, tmp_path / "report.html")
    assert not absent.exists()
    assert not (tmp_path / "report.html").exists()


def test_a_missing_accounts_mart_is_named(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    warehouse.write(leave_out=("account_relationship",))
    with pytest.raises(ReportError, match=r"rapport\.account_relationship is not in the warehouse"):
        write_report(warehouse.path, tmp_path / "report.html")


def test_a_missing_column_is_named(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    warehouse.contacts = warehouse.contacts.drop(columns=["buying_influence"])
    warehouse.write()
    with pytest.raises(
        ReportError, match=r"contact_relationship lacks column\(s\) buying_influence"
    ):
        write_report(warehouse.path, tmp_path / "report.html")


def test_a_failed_report_leaves_the_last_good_one_in_place(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    out = write_report(warehouse.path, tmp_path / "out" / "report.html")
    good = out.read_bytes()
    warehouse.write(leave_out=("account_relationship",))
    with pytest.raises(ReportError):
        write_report(warehouse.path, out)
    assert out.read_bytes() == good
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_history_not_built_yet_is_noted_not_fatal(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    warehouse.write(leave_out=("relationship_history", "relationship_transitions"))
    _, dom = render(warehouse, tmp_path)
    assert "Not in the warehouse yet: relationship_history, relationship_transitions" in " ".join(
        dom.find("footer").text.split()
    )
    assert "No snapshot yet" in dom.find("div", data_empty="transitions").text


def test_settings_give_the_warehouse_and_the_org_name(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    settings = Settings(
        warehouse=WarehouseSettings(path=warehouse.path),
        salesforce=SalesforceSettings(username="ops@acme.example"),
    )
    out = write_report(settings, tmp_path)  # a directory: the default file name
    assert out == tmp_path / "relationship_report.html"
    dom = parse_html(out.read_text(encoding="utf-8"))
    assert dom.find("h1").text == "acme.example"
    assert dom.find(data_as_of=True).text == AS_OF.isoformat()


def test_each_account_to_act_on_shows_its_rule_and_weightiest_records(rendered):
    report = rendered(1)
    evidence = report.warehouse.evidence
    rows = report.dom.find("table", data_table="accounts").find_all("tr")
    listed = [row for row in rows if "data-account" in row.attrs]
    assert listed
    for row in listed:
        account = row.attrs["data-account"]
        why = row.find("td", data_evidence=True).text
        rule = evidence[(evidence.account_id == account) & (evidence.evidence_kind == "type_rule")]
        assert rule["detail"].iloc[0] in why
        assert f"Record 2 of {account}" in why


def test_violations_are_counted_by_type_and_expectation(rendered):
    report = rendered(1)
    violations = report.warehouse.violations
    table = report.dom.find("table", data_table="violations")
    shown = {
        row.attrs["data-expectation"]: int(row.find_all("td")[2].text.replace(",", ""))
        for row in table.find_all("tr")
        if "data-expectation" in row.attrs
    }
    assert shown == violations.groupby("expectation").size().to_dict()


def test_a_warehouse_without_evidence_marts_still_reports(make_warehouse, tmp_path):
    from rapport.report import write_report

    warehouse = make_warehouse(snapshots=1)
    warehouse.write(leave_out=("relationship_evidence", "fct_expectation_violations"))
    html = write_report(warehouse.path, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No expectation broken" in html
    assert "relationship_evidence" in html  # named in the footer as not built yet
