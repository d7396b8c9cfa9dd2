"""The report's perception section: the perceived x computed matrix and who is overrated."""

from __future__ import annotations

from pathlib import Path

from rapport.report import write_report
from rapport.typology import relationship_types
from tests.factories import account_id
from tests.factories.report import Element, parse_html

LABELS = {t.code: t.label for t in relationship_types()}

# account number: (perceived, source, computed, gap, strength)
VIEWS = {
    0: ("married", "rep", "one_night_stand", "overestimated", 30.0),
    1: ("partner", "rep", "ex", "overestimated", 20.0),
    2: ("married", "survey", "dating", "overestimated", 10.0),  # the customer's view: not flagged
    3: ("steady", "rep", "dating", "overestimated", 5.0),  # overrated, but not married/partner
    4: ("dating", "rep", "steady", "underestimated", 60.0),
    5: ("married", "rep", "married", "none", 80.0),
    6: ("married", "rep", "married", "none", 85.0),
    7: ("partner", "rep", "engaged", "none", 70.0),
}


def with_views(warehouse, views: dict[int, tuple]) -> None:
    accounts = warehouse.accounts.copy()
    accounts["perceived_type"] = None
    accounts["perception_source"] = "none"
    accounts["perception_gap"] = None
    for n, (perceived, source, computed, gap, strength) in views.items():
        row = accounts["account_id"] == account_id(n)
        accounts.loc[row, "perceived_type"] = perceived
        accounts.loc[row, "perception_source"] = source
        accounts.loc[row, "perception_gap"] = gap
        accounts.loc[row, "relationship_type"] = computed
        accounts.loc[row, "relationship_type_label"] = LABELS[computed]
        accounts.loc[row, "strength_score"] = strength
    warehouse.accounts = accounts
    warehouse.write()


def render(warehouse, tmp_path: Path) -> Element:
    path = write_report(warehouse.path, tmp_path / "report.html")
    return parse_html(path.read_text(encoding="utf-8"))


def matrix(dom: Element) -> dict[tuple[str, str], tuple[int, str]]:
    """(perceived, computed) -> (accounts, the cell's class) for every filled cell."""
    cells = {}
    table = dom.find("table", data_table="perception-matrix")
    for row in table.find_all("tr"):
        perceived = row.attrs.get("data-perceived")
        if perceived is None:
            continue
        for cell in row.find_all("td"):
            computed = cell.attrs.get("data-computed")
            text = cell.text.strip()
            if computed and text.isdigit():
                cells[(perceived, computed)] = (int(text), cell.attrs.get("class", ""))
    return cells


def test_the_matrix_counts_perceived_against_computed_and_colours_the_gap(make_warehouse, tmp_path):
    warehouse = make_warehouse(snapshots=1)
    with_views(warehouse, VIEWS)

    dom = render(warehouse, tmp_path)
    cells = matrix(dom)

    assert cells == {
        ("married", "one_night_stand"): (1, "num gap-overestimated"),
        ("partner", "ex"): (1, "num gap-overestimated"),
        ("married", "dating"): (1, "num gap-overestimated"),
        ("steady", "dating"): (1, "num gap-overestimated"),
        ("dating", "steady"): (1, "num gap-underestimated"),
        ("married", "married"): (2, "num gap-none"),
        ("partner", "engaged"): (1, "num gap-none"),
    }
    # Rows and columns climb the ladder (the relationship_ladder seed), ties in typology order.
    table = dom.find("table", data_table="perception-matrix")
    rows = [r.attrs["data-perceived"] for r in table.find_all("tr") if "data-perceived" in r.attrs]
    columns = [c.attrs["data-computed"] for c in table.find_all("th") if "data-computed" in c.attrs]
    assert rows == ["dating", "steady", "partner", "married"]
    assert columns == ["one_night_stand", "ex", "dating", "steady", "engaged", "married"]


def test_believing_married_or_partner_in_a_passing_relationship_is_listed_first(
    make_warehouse, tmp_path
):
    warehouse = make_warehouse(snapshots=1)
    with_views(warehouse, VIEWS)

    dom = render(warehouse, tmp_path)
    table = dom.find("table", data_table="perception-overestimated")
    rows = [r for r in table.find_all("tr") if "data-account" in r.attrs]

    # Flagged (the team's married/partner belief, a one-night stand, dating or
    # ex in fact) weakest first; then the team's other overratings; then the customer's.
    assert [r.attrs["data-account"] for r in rows] == [
        account_id(1),
        account_id(0),
        account_id(3),
        account_id(2),
    ]
    assert ["data-flagged" in r.attrs for r in rows] == [True, True, False, False]
    # Underestimated and agreeing accounts are not on the list.
    assert not {account_id(n) for n in (4, 5, 6, 7)} & {r.attrs["data-account"] for r in rows}


def test_no_perceived_type_says_so_and_an_old_warehouse_still_reports(make_warehouse, tmp_path):
    nobody = make_warehouse(snapshots=1)
    with_views(nobody, {})
    dom = render(nobody, tmp_path)
    assert dom.find_all(data_empty="perception")
    assert not dom.find_all("table", data_table="perception-matrix")

    old = make_warehouse(snapshots=1)  # marts built before the perception columns
    assert "perceived_type" not in old.accounts.columns
    dom = render(old, tmp_path)
    assert "rebuild the marts" in dom.find(data_empty="perception").text
