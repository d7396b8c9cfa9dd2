"""The report in a real browser, offline: the charts are in the DOM and on the screen.

Chromium opens the file with every host unresolvable, dumps the DOM after
load and takes a screenshot; the screenshot is decoded (tests/report/png.py)
and each chart's area must hold ink and the colours of the types it draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rapport.report_figures import PALETTE
from rapport.typology import type_codes
from tests.factories.report import Element, parse_html
from tests.report.browser import dump_dom, find_chromium, install_chromium, screenshot
from tests.report.png import read_png

pytestmark = pytest.mark.browser

WIDTH = 1400
# Half-size screenshots: a quarter of the pixels to decode, bars still 9 px tall.
SCALE = 0.5
# Records where every chart and empty state sits, once the page has laid out.
PROBE = """<script>
(() => {
  const box = (e) => {
    const r = e.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height];
  };
  const found = {charts: {}, empty: {}};
  for (const e of document.querySelectorAll("svg[data-chart]")) found.charts[e.dataset.chart] = box(e);
  for (const e of document.querySelectorAll("[data-empty]")) found.empty[e.dataset.empty] = box(e);
  found.height = Math.ceil(document.querySelector("main").getBoundingClientRect().bottom + scrollY);
  document.body.setAttribute("data-probe", JSON.stringify(found));
})();
</script>"""
EXPECTED_CHARTS = (
    "type-distribution",
    "strength-by-type",
    "type-transitions",
    "changes-per-snapshot",
    "contacts-by-influence",
    "single-threaded-by-type",
    "moments-by-cause",
    "next-steps",
)


@pytest.fixture(scope="module")
def chromium() -> Path:
    found = find_chromium()
    if found is None:
        output = install_chromium()
        found = find_chromium()
        if found is None:
            pytest.skip(f"Chromium is not installed and could not be installed: {output}")
    return found


def open_in_chromium(chromium: Path, report: Path, work: Path) -> tuple[Element, dict, np.ndarray]:
    """The DOM after load, where each chart sits, and the screenshot of the whole page."""
    probe = work / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    dom = parse_html(dump_dom(chromium, probe, work / "profile-dom", (WIDTH, 1000)))
    layout = json.loads(dom.find("body").attrs["data-probe"])
    png = screenshot(
        chromium,
        report,
        work / "report.png",
        work / "profile-shot",
        (WIDTH, layout["height"]),
        scale=SCALE,
    )
    return dom, layout, read_png(png)


def crop(image: np.ndarray, box: list[float]) -> np.ndarray:
    left, top, width, height = (round(v * SCALE) for v in box)
    return image[top : top + height, left : left + width]


def ink_share(area: np.ndarray) -> float:
    """Share of pixels visibly darker than the white card behind the chart."""
    return float((area.min(axis=2) < 225).mean())


def pixels_of(area: np.ndarray, color: str, tolerance: int = 8) -> int:
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return int((np.abs(area.astype(np.int16) - rgb).max(axis=2) <= tolerance).sum())


def tint(color: str, opacity: float) -> str:
    """The colour a fill of this opacity shows over white."""
    channels = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * opacity + 255 * (1 - opacity)):02x}" for c in channels)


def marks(dom: Element, chart: str, mark: str) -> list[Element]:
    return dom.find("svg", data_chart=chart).find_all(data_mark=mark)


@pytest.mark.slow
def test_charts_render_offline_in_chromium(chromium, rendered, tmp_path):
    report = rendered(2)
    accounts = report.warehouse.accounts
    dom, layout, image = open_in_chromium(chromium, report.report, tmp_path)

    # The DOM Chromium built holds every chart with its marks.
    types = accounts["relationship_type"].nunique()
    assert len(marks(dom, "type-distribution", "bar")) == types
    assert len(marks(dom, "strength-by-type", "box")) == types
    assert len(marks(dom, "strength-by-type", "point")) == len(accounts)
    history = report.warehouse.history
    assert len(marks(dom, "type-transitions", "node")) == sum(
        history.groupby("as_of_date")["relationship_type"].nunique()
    )
    assert marks(dom, "type-transitions", "move")
    assert len(marks(dom, "changes-per-snapshot", "column")) == 1
    assert len(marks(dom, "single-threaded-by-type", "bar")) == types
    assert len(marks(dom, "next-steps", "bar")) == accounts["next_step"].nunique()
    assert marks(dom, "contacts-by-influence", "segment")
    assert marks(dom, "moments-by-cause", "segment")
    # Nothing reaches for the network: no external script, style or image.
    for element in dom.iter():
        for attribute in ("src", "href"):
            assert not element.attrs.get(attribute, "").startswith(("http:", "https:", "//"))
    assert [s for s in dom.find_all("script") if "data-probe" not in s.text] == []

    # On screen, each chart has laid out and painted.
    assert sorted(layout["charts"]) == sorted(EXPECTED_CHARTS)
    assert image.shape[1] == round(WIDTH * SCALE)
    for name, box in layout["charts"].items():
        assert box[2] > 200 and box[3] > 60, f"{name} laid out at {box}"
        area = crop(image, box)
        assert ink_share(area) > 0.03, f"{name} looks blank in the screenshot"

    # The type colours are really painted where the type charts are: solid in
    # bars and Sankey nodes, tinted (28 % over white) in the boxes.
    colors = dict(zip(type_codes(), PALETTE, strict=False))
    for code in accounts["relationship_type"].unique():
        for name, color in (
            ("type-distribution", colors[code]),
            ("type-transitions", colors[code]),
            ("strength-by-type", tint(colors[code], 0.28)),
        ):
            area = crop(image, layout["charts"][name])
            assert pixels_of(area, color) >= 8, f"{code} ({color}) not painted in {name}"


def test_one_snapshot_state_is_visible_in_chromium(chromium, rendered, tmp_path):
    report = rendered(1)
    dom, layout, image = open_in_chromium(chromium, report.report, tmp_path)

    assert "type-transitions" not in layout["charts"]
    box = layout["empty"]["transitions"]
    assert box[2] > 400 and box[3] > 40
    assert "One snapshot so far" in dom.find("div", data_empty="transitions").text
    area = crop(image, box)
    assert 0.005 < ink_share(area) < 0.5, (
        "the one-snapshot note should be visible text, not a chart"
    )
    for name in ("type-distribution", "strength-by-type", "next-steps"):
        assert ink_share(crop(image, layout["charts"][name])) > 0.03, name
