"""A server-rendered SVG line chart: no JavaScript, no third-party code, scales to any width.

The SVG carries a <title> and <desc>; the page puts the same numbers in a table beside it,
which is what screen readers and phones narrower than the chart should read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 480, 260
# Room for the axis numbers on the left and half a month label on the right.
LEFT, RIGHT, TOP, BOTTOM = 40, 30, 14, 34
# Okabe–Ito colours (distinct for colour-blind readers), and a dash per series besides.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4", "16 6", "1 3")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    dash: str


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above `value` (at least 1), for a readable axis."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return max(1, step * factor)
        step *= 10


def legend(series: list[Series]) -> list[LegendEntry]:
    return [LegendEntry(s.label, COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]) for i, s in enumerate(series)]


def line_chart(months: list[datetime.date], series: list[Series], *, title: str, desc: str) -> SafeString:
    """An <svg> with one line per series over `months` (oldest first), axes and month labels."""
    top = nice_ceiling(max((max(s.values, default=0) for s in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(v: int) -> float:
        return round(TOP + plot_h - v / top * plot_h, 1)

    parts = [
        format_html(
            '<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {} {}" '
            'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" '
            'font-family="system-ui, sans-serif" font-size="13">'
            '<title id="chart-title">{}</title><desc id="chart-desc">{}</desc>',
            WIDTH,
            HEIGHT,
            title,
            desc,
        )
    ]
    for tick in (0, top // 2, top) if top > 1 else (0, top):
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#d5dae1"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="#4a5563">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                y(tick),
                y(tick),
                LEFT - 6,
                y(tick) + 5,
                tick,
            )
        )
    label_every = max(1, len(months) // 6)
    for i, month in enumerate(months):
        if (len(months) - 1 - i) % label_every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="#4a5563">{}</text>',
                    x(i),
                    HEIGHT - BOTTOM + 20,
                    month.strftime("%b %Y"),
                )
            )
    for s, entry in zip(series, legend(series), strict=True):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(s.values))
        dash = format_html(' stroke-dasharray="{}"', entry.dash) if entry.dash else ""
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2.5"{} points="{}"><title>{}</title></polyline>',
                entry.colour,
                dash,
                points,
                s.label,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))


def swatch(entry: LegendEntry) -> SafeString:
    """A small line sample for the HTML legend, drawn like the series' line."""
    dash = f' stroke-dasharray="{escape(entry.dash)}"' if entry.dash else ""
    return format_html(
        '<svg class="swatch" viewBox="0 0 32 8" width="32" height="8" aria-hidden="true">'
        '<line x1="0" x2="32" y1="4" y2="4" stroke="{}" stroke-width="3"{}/></svg>',
        entry.colour,
        mark_safe(dash),
    )
