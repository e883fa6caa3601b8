"""Charts drawn on the server as SVG: the geometry is worked out here, the markup is in
templates/charts.html. No script and no style attribute (the CSP forbids both): sizes and
places are SVG attributes, colours are classes in desk.css. Every chart is shown with a
table of its numbers beside it, so the SVG is a picture of the table, not the only copy."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

WIDTH = 640  # the viewBox; the picture scales to its column, the text with it
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 48  # room for the axis labels (two lines below)
MAX_X_LABELS = 12  # month names under the bars before every other one is left out
BAR_GAP = 0.25  # of each category's width, between its bar and the next
GRID_STEPS = 4  # horizontal lines across a chart


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str  # the class that colours it
    title: str  # what a pointer over it says


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor: start, middle, end
    css: str = "axis"


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "grid"


@dataclass(frozen=True)
class Series:
    key: str  # the class of its bars ("status-planned", "volunteers")
    label: str
    values: list[float]


@dataclass
class Chart:
    id: str  # for aria-labelledby: title and description ids derive from it
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    css: str = ""  # a class of the picture beside "chart" ("narrow")
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (class, label)


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ (at least 1) at or above `value`: round numbers on the
    axis, whole ones for counts, days and hours."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def axis_top(highest: float) -> float:
    """The value at the top of the axis: GRID_STEPS round steps reaching `highest`."""
    return nice_step(highest / GRID_STEPS) * GRID_STEPS


@dataclass(frozen=True)
class Axis:
    """The categories along the bottom: each one's full name (in the bars' titles), its
    short label, and a second line under some (the year under January)."""

    names: list[str]
    short: list[str]
    under: list[str | None]


def columns(
    chart: Chart,
    axis: Axis,
    series: list[Series],
    *,
    number: Callable[[float], str],
    reference: tuple[float, str] | None = None,
) -> Chart:
    """Vertical bars, one column a category, the series stacked in it (bottom first); an
    optional dashed reference line (a promise, a target) across."""
    categories = axis.names
    plot_w, plot_h = chart.width - LEFT - RIGHT, chart.height - TOP - BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top = axis_top(max([*totals, reference[0] if reference else 0, 0]))
    _grid(chart, top, plot_w, plot_h, number)
    band = plot_w / max(len(categories), 1)
    every = math.ceil(len(categories) / MAX_X_LABELS)
    for i, category in enumerate(categories):
        x, base = LEFT + i * band + band * BAR_GAP / 2, TOP + plot_h
        for s in series:
            height = s.values[i] / top * plot_h
            if height > 0:
                base -= height
                title = f"{category}: {s.label} {number(s.values[i])}" if len(series) > 1 else f"{category}: {number(s.values[i])}"
                chart.bars.append(Bar(x, base, band * (1 - BAR_GAP), height, s.key, title))
        middle = LEFT + (i + 0.5) * band
        if i % every == 0:
            chart.labels.append(Label(middle, chart.height - BOTTOM + 18, axis.short[i]))
        if axis.under[i]:
            chart.labels.append(Label(middle, chart.height - BOTTOM + 36, axis.under[i], css="axis under"))
    if reference is not None:
        y = TOP + plot_h - reference[0] / top * plot_h
        chart.rules.append(Rule(LEFT, y, chart.width - RIGHT, y, "reference"))
        chart.labels.append(Label(chart.width - RIGHT, y - 6, reference[1], "end", "reference-label"))
    if len(series) > 1:
        chart.legend = [(s.key, s.label) for s in series]
    return chart


def bars(chart: Chart, items: list[tuple[str, float]], *, number: Callable[[float], str], css: str = "ladder") -> Chart:
    """Horizontal bars, one a row, the label above each and its number at its end."""
    row = 52
    chart.height = TOP + row * len(items) + 8
    plot_w = chart.width - 16 - 72  # room for the number after the longest bar
    top = axis_top(max([value for _label, value in items] + [0]))
    for i, (label, value) in enumerate(items):
        y = TOP + i * row
        chart.labels.append(Label(16, y + 14, label, "start", "bar-label"))
        width = value / top * plot_w
        chart.bars.append(Bar(16, y + 22, max(width, 1), 20, css, f"{label}: {number(value)}"))
        chart.labels.append(Label(16 + width + 8, y + 37, number(value), "start", "bar-value"))
    return chart


def _grid(chart: Chart, top: float, plot_w: float, plot_h: float, number: Callable[[float], str]) -> None:
    for step in range(GRID_STEPS + 1):
        value = top * step / GRID_STEPS
        y = TOP + plot_h - plot_h * step / GRID_STEPS
        chart.rules.append(Rule(LEFT, y, LEFT + plot_w, y, "axis-line" if step == 0 else "grid"))
        chart.labels.append(Label(LEFT - 8, y + 4, number(value), "end"))
