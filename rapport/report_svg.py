"""Charts for the relationship report, drawn as inline SVG on the server.

The report must open offline, from a mail attachment or a shared drive, years
from now. Plain SVG needs no charting runtime in the page (no JavaScript, no
CDN), renders the same in every browser and prints well. Each chart is a
``<svg data-chart="...">`` whose marks carry ``data-mark`` so tests (and
anyone scripting against the file) can find them; ``<title>`` children give
native hover tooltips.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

FONT_SIZE = 12
# Average glyph width of the system sans-serif faces at 12 px, in pixels: good
# enough to size label columns without measuring text in a browser.
CHAR_WIDTH = 6.6
TEXT_COLOR = "#334155"
MUTED_COLOR = "#64748b"
GRID_COLOR = "#e2e8f0"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str
    note: str = ""
    tooltip: str = ""


@dataclass(frozen=True)
class Segment:
    name: str
    value: float
    color: str


@dataclass(frozen=True)
class StackedBar:
    label: str
    segments: Sequence[Segment]
    note: str = ""


@dataclass(frozen=True)
class BoxGroup:
    label: str
    color: str
    values: Sequence[float]


@dataclass(frozen=True)
class SankeyNode:
    column: int
    key: str
    label: str
    color: str
    value: int


@dataclass(frozen=True)
class SankeyLink:
    column: int  # the source column; the target is column + 1
    source: str
    target: str
    value: int


@dataclass
class _Svg:
    """An SVG document being assembled, with a fixed coordinate system."""

    chart: str
    width: float
    height: float
    label: str
    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def render(self) -> Markup:
        body = "".join(self.parts)
        return Markup(
            f'<svg class="chart" data-chart="{escape(self.chart)}" role="img" '
            f'aria-label="{escape(self.label)}" viewBox="0 0 {_n(self.width)} {_n(self.height)}" '
            f'width="{_n(self.width)}" height="{_n(self.height)}" '
            f'preserveAspectRatio="xMinYMin meet">{body}</svg>'
        )


def _n(value: float) -> str:
    """Coordinates with one decimal: smaller files, no visible difference."""
    if not math.isfinite(value):
        raise ValueError(f"cannot draw a non-finite coordinate: {value!r}")
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * CHAR_WIDTH * size / FONT_SIZE


def fit_text(text: str, max_width: float, size: float = FONT_SIZE) -> str:
    """Shorten with an ellipsis so a label never runs into the bars."""
    max_chars = max(int(max_width / (CHAR_WIDTH * size / FONT_SIZE)), 2)
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float = FONT_SIZE,
    color: str = TEXT_COLOR,
    weight: str = "normal",
    css_class: str = "",
) -> str:
    class_attr = f' class="{css_class}"' if css_class else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{_n(size)}" '
        f'fill="{color}" font-weight="{weight}" dominant-baseline="middle"{class_attr}>'
        f"{escape(text)}</text>"
    )


def _title(tooltip: str) -> str:
    return f"<title>{escape(tooltip)}</title>" if tooltip else ""


def horizontal_bars(
    chart: str,
    bars: Sequence[Bar],
    *,
    width: float = 560,
    label: str,
    max_value: float | None = None,
    max_label_width: float = 220,
) -> Markup:
    """One labelled bar per row, the value written at its end."""
    row_height, bar_height = 28, 18
    label_width = min(max((text_width(b.label) for b in bars), default=0) + 12, max_label_width)
    note_width = max((text_width(b.note) for b in bars), default=0) + 10
    plot_width = max(width - label_width - note_width, 40)
    top = max((b.value for b in bars), default=0) if max_value is None else max_value
    svg = _Svg(chart, width, len(bars) * row_height + 4, label)
    for row, bar in enumerate(bars):
        y = row * row_height + 2
        middle = y + row_height / 2
        length = plot_width * (bar.value / top) if top > 0 else 0
        svg.add(_text(label_width - 8, middle, fit_text(bar.label, label_width - 12), anchor="end"))
        svg.add(
            f'<rect data-mark="bar" x="{_n(label_width)}" y="{_n(middle - bar_height / 2)}" '
            f'width="{_n(max(length, 1.5))}" height="{bar_height}" rx="3" fill="{bar.color}">'
            f"{_title(bar.tooltip or f'{bar.label}: {bar.note}')}</rect>"
        )
        svg.add(_text(label_width + length + 6, middle, bar.note, color=MUTED_COLOR))
    return svg.render()


def stacked_bars(
    chart: str,
    rows: Sequence[StackedBar],
    *,
    width: float = 560,
    label: str,
) -> Markup:
    """Rows of stacked segments on a shared scale, with a legend above."""
    row_height, bar_height, legend_height = 30, 18, 26
    label_width = min(max((text_width(r.label) for r in rows), default=0) + 12, 260)
    note_width = max((text_width(r.note) for r in rows), default=0) + 10
    plot_width = max(width - label_width - note_width, 40)
    top = max((sum(s.value for s in r.segments) for r in rows), default=0)
    svg = _Svg(chart, width, legend_height + len(rows) * row_height + 4, label)
    legend: dict[str, str] = {}
    for row in rows:
        for segment in row.segments:
            legend.setdefault(segment.name, segment.color)
    svg.add(_legend(legend, x=label_width, y=legend_height / 2 - 2))
    for index, row in enumerate(rows):
        middle = legend_height + index * row_height + row_height / 2
        svg.add(_text(label_width - 8, middle, fit_text(row.label, label_width - 12), anchor="end"))
        x = label_width
        total = sum(s.value for s in row.segments)
        for segment in row.segments:
            if segment.value <= 0 or top <= 0:
                continue
            length = plot_width * segment.value / top
            share = segment.value / total if total else 0
            svg.add(
                f'<rect data-mark="segment" x="{_n(x)}" y="{_n(middle - bar_height / 2)}" '
                f'width="{_n(length)}" height="{bar_height}" fill="{segment.color}">'
                f"{_title(f'{row.label} · {segment.name}: {segment.value:g} ({share:.0%})')}</rect>"
            )
            if length > text_width(f"{segment.value:g}") + 8:
                svg.add(
                    _text(
                        x + length / 2,
                        middle,
                        f"{segment.value:g}",
                        anchor="middle",
                        size=11,
                        color="#ffffff",
                    )
                )
            x += length
        svg.add(_text(x + 6, middle, row.note, color=MUTED_COLOR))
    return svg.render()


def _legend(entries: dict[str, str], *, x: float, y: float) -> str:
    parts = []
    for name, color in entries.items():
        parts.append(
            f'<rect data-mark="legend" x="{_n(x)}" y="{_n(y - 5)}" width="10" height="10" '
            f'rx="2" fill="{color}"></rect>'
        )
        parts.append(_text(x + 14, y, name, size=11, color=MUTED_COLOR))
        x += 14 + text_width(name, 11) + 16
    return "".join(parts)


def box_plot(
    chart: str,
    groups: Sequence[BoxGroup],
    *,
    width: float = 560,
    label: str,
    domain: tuple[float, float] = (0, 100),
    max_points: int = 150,
) -> Markup:
    """Median and interquartile box per group over the individual points.

    Whiskers stop at the furthest point within 1.5 IQR (Tukey), the usual
    reading of a box plot. Points are jittered vertically by their rank so
    the picture is the same on every run; past ``max_points`` an even sample
    is drawn so a large org still yields a light file.
    """
    row_height, box_height, axis_height = 36, 16, 24
    label_width = min(max((text_width(g.label) for g in groups), default=0) + 12, 200)
    note_width = 118
    plot_width = max(width - label_width - note_width, 40)
    low, high = domain
    svg = _Svg(chart, width, len(groups) * row_height + axis_height, label)

    def x_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return label_width + plot_width * (clamped - low) / (high - low)

    plot_bottom = len(groups) * row_height
    for tick in _ticks(low, high):
        svg.add(
            f'<line x1="{_n(x_of(tick))}" x2="{_n(x_of(tick))}" y1="0" y2="{_n(plot_bottom)}" '
            f'stroke="{GRID_COLOR}"></line>'
        )
        svg.add(
            _text(x_of(tick), plot_bottom + 12, f"{tick:g}", anchor="middle", color=MUTED_COLOR)
        )
    for index, group in enumerate(groups):
        middle = index * row_height + row_height / 2
        svg.add(
            _text(label_width - 8, middle, fit_text(group.label, label_width - 12), anchor="end")
        )
        values = sorted(v for v in group.values if v is not None and math.isfinite(v))
        if not values:
            svg.add(_text(label_width + 4, middle, "no scores", color=MUTED_COLOR))
            continue
        q1, median, q3 = (_quantile(values, q) for q in (0.25, 0.5, 0.75))
        reach = 1.5 * (q3 - q1)
        whisker_low = min(v for v in values if v >= q1 - reach)
        whisker_high = max(v for v in values if v <= q3 + reach)
        svg.add(
            f'<line data-mark="whisker" x1="{_n(x_of(whisker_low))}" x2="{_n(x_of(whisker_high))}" '
            f'y1="{_n(middle)}" y2="{_n(middle)}" stroke="{group.color}" stroke-width="1.5"></line>'
        )
        svg.add(
            f'<rect data-mark="box" x="{_n(x_of(q1))}" y="{_n(middle - box_height / 2)}" '
            f'width="{_n(max(x_of(q3) - x_of(q1), 2))}" height="{box_height}" rx="2" '
            f'fill="{group.color}" fill-opacity="0.28" stroke="{group.color}" stroke-width="1.5">'
            f"{_title(f'{group.label}: median {median:.0f}, middle half {q1:.0f} to {q3:.0f}, n={len(values)}')}"
            "</rect>"
        )
        step = max(len(values) / max_points, 1)
        shown = [values[int(i * step)] for i in range(min(len(values), max_points))]
        for rank, value in enumerate(shown):
            jitter = ((rank * 7919) % 13 - 6) / 6 * (box_height / 2 + 3)
            svg.add(
                f'<circle data-mark="point" cx="{_n(x_of(value))}" cy="{_n(middle + jitter)}" '
                f'r="2.4" fill="{group.color}" fill-opacity="0.6"></circle>'
            )
        svg.add(
            f'<line data-mark="median" x1="{_n(x_of(median))}" x2="{_n(x_of(median))}" '
            f'y1="{_n(middle - box_height / 2 - 2)}" y2="{_n(middle + box_height / 2 + 2)}" '
            f'stroke="{TEXT_COLOR}" stroke-width="2.5"></line>'
        )
        svg.add(
            _text(
                label_width + plot_width + 10,
                middle,
                f"median {median:.0f} · n={len(values)}",
                color=MUTED_COLOR,
            )
        )
    return svg.render()


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's and pandas' default)."""
    position = (len(sorted_values) - 1) * q
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    step = (high - low) / count
    return [low + step * i for i in range(count + 1)]


def column_chart(
    chart: str,
    columns: Sequence[Bar],
    *,
    width: float = 560,
    height: float = 180,
    label: str,
) -> Markup:
    """Vertical bars over categories along x (snapshot dates), every label that fits."""
    axis_height, top_margin = 22, 16
    plot_height = height - axis_height - top_margin
    slot = width / max(len(columns), 1)
    top = max((c.value for c in columns), default=0)
    label_every = max(math.ceil((text_width("2026-11-23") + 8) / slot), 1)
    svg = _Svg(chart, width, height, label)
    svg.add(
        f'<line x1="0" x2="{_n(width)}" y1="{_n(top_margin + plot_height)}" '
        f'y2="{_n(top_margin + plot_height)}" stroke="{GRID_COLOR}"></line>'
    )
    bar_width = min(slot * 0.7, 44)
    for index, column in enumerate(columns):
        bar_height = plot_height * column.value / top if top > 0 else 0
        center = index * slot + slot / 2
        y = top_margin + plot_height - bar_height
        svg.add(
            f'<rect data-mark="column" x="{_n(center - bar_width / 2)}" y="{_n(y)}" '
            f'width="{_n(bar_width)}" height="{_n(max(bar_height, 1))}" rx="2" fill="{column.color}">'
            f"{_title(column.tooltip or f'{column.label}: {column.note}')}</rect>"
        )
        if bar_width >= text_width(column.note, 11):
            svg.add(_text(center, y - 8, column.note, anchor="middle", size=11, color=MUTED_COLOR))
        last = index == len(columns) - 1
        if index % label_every == 0 or (last and index % label_every >= label_every / 2):
            svg.add(
                _text(
                    center,
                    top_margin + plot_height + 12,
                    column.label,
                    anchor="middle",
                    size=11,
                    color=MUTED_COLOR,
                )
            )
    return svg.render()


def sankey(
    chart: str,
    column_titles: Sequence[str],
    nodes: Sequence[SankeyNode],
    links: Sequence[SankeyLink],
    *,
    width: float = 1080,
    height: float = 420,
    label: str,
    emphasise: Callable[[SankeyLink], bool] = lambda link: link.source != link.target,
) -> Markup:
    """Columns of stacked nodes joined by bands as wide as the accounts that moved.

    Bands where nothing changed are pale so that the moves stand out; the
    first column's labels sit to its left, the others to their right.
    """
    node_width, gap, header_height = 14, 10, 24
    side_margin = max((text_width(f"{n.label} {n.value}") for n in nodes), default=0) + 14
    columns = len(column_titles)
    per_column: list[list[SankeyNode]] = [
        [n for n in nodes if n.column == c] for c in range(columns)
    ]
    tallest = max((len(col) for col in per_column), default=1)
    biggest = max((sum(n.value for n in col) for col in per_column), default=0)
    plot_height = height - header_height - 6
    scale = (plot_height - gap * (tallest - 1)) / biggest if biggest else 0
    spacing = (width - 2 * side_margin - node_width) / max(columns - 1, 1)
    svg = _Svg(chart, width, height, label)

    positions: dict[tuple[int, str], tuple[float, float, float]] = {}  # x, y, height
    for column, column_nodes in enumerate(per_column):
        x = side_margin + column * spacing
        svg.add(
            _text(
                x + node_width / 2,
                10,
                column_titles[column],
                anchor="middle",
                weight="600",
                size=12,
            )
        )
        y = float(header_height)
        for node in column_nodes:
            node_height = max(node.value * scale, 1.0)
            positions[(column, node.key)] = (x, y, node_height)
            y += node_height + gap

    outgoing_offset: dict[tuple[int, str], float] = {}
    incoming_offset: dict[tuple[int, str], float] = {}
    order = {(n.column, n.key): i for i, n in enumerate(nodes)}
    ordered_links = sorted(
        links,
        key=lambda link: (
            link.column,
            order.get((link.column, link.source), 0),
            order.get((link.column + 1, link.target), 0),
        ),
    )
    colors = {(n.column, n.key): n.color for n in nodes}
    labels = {n.key: n.label for n in nodes}
    stays: list[str] = []
    moves: list[str] = []
    for link in ordered_links:
        source_key, target_key = (link.column, link.source), (link.column + 1, link.target)
        if source_key not in positions or target_key not in positions or link.value <= 0:
            continue
        sx, sy, _ = positions[source_key]
        tx, ty, _ = positions[target_key]
        band = link.value * scale
        s_top = sy + outgoing_offset.get(source_key, 0.0)
        t_top = ty + incoming_offset.get(target_key, 0.0)
        outgoing_offset[source_key] = outgoing_offset.get(source_key, 0.0) + band
        incoming_offset[target_key] = incoming_offset.get(target_key, 0.0) + band
        x0, x1 = sx + node_width, tx
        mid = (x0 + x1) / 2
        moved = emphasise(link)
        path = (
            f"M{_n(x0)},{_n(s_top)} C{_n(mid)},{_n(s_top)} {_n(mid)},{_n(t_top)} {_n(x1)},{_n(t_top)} "
            f"L{_n(x1)},{_n(t_top + band)} C{_n(mid)},{_n(t_top + band)} {_n(mid)},{_n(s_top + band)} "
            f"{_n(x0)},{_n(s_top + band)} Z"
        )
        tooltip = (
            f"{labels.get(link.source, link.source)} → {labels.get(link.target, link.target)}: "
            f"{link.value} account{'s' if link.value != 1 else ''}"
        )
        (moves if moved else stays).append(
            f'<path data-mark="{"move" if moved else "stay"}" d="{path}" '
            f'fill="{colors[source_key]}" fill-opacity="{0.55 if moved else 0.16}">'
            f"{_title(tooltip)}</path>"
        )
    # Moves drawn last, over the pale bands they cross.
    svg.add("".join(stays) + "".join(moves))

    for node in nodes:
        x, y, node_height = positions[(node.column, node.key)]
        svg.add(
            f'<rect data-mark="node" x="{_n(x)}" y="{_n(y)}" width="{node_width}" '
            f'height="{_n(node_height)}" rx="2" fill="{node.color}">'
            f"{_title(f'{node.label} at {column_titles[node.column]}: {node.value}')}</rect>"
        )
        text = f"{node.label} {node.value}"
        if node.column == 0:
            svg.add(_text(x - 6, y + node_height / 2, text, anchor="end", size=11))
        else:
            svg.add(_text(x + node_width + 6, y + node_height / 2, text, size=11, css_class="halo"))
    return svg.render()


def meter(value: float | None, color: str, *, width: float = 64) -> Markup:
    """A small 0-100 gauge for table cells."""
    if value is None or not math.isfinite(value):
        return Markup("")
    filled = width * min(max(value, 0), 100) / 100
    return Markup(
        f'<svg class="meter" data-mark="meter" viewBox="0 0 {_n(width)} 8" width="{_n(width)}" '
        f'height="8" aria-hidden="true"><rect width="{_n(width)}" height="8" rx="4" '
        f'fill="{GRID_COLOR}"></rect><rect width="{_n(max(filled, 1))}" height="8" rx="4" '
        f'fill="{color}"></rect></svg>'
    )
