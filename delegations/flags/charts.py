"""Horizontal bar charts drawn as SVG by the server (no script, no external library).

``bar_chart`` turns (label, value, link) rows into geometry; ``templates/dashboard/_bars.html``
draws it. Every bar is a link (to the filtered flag list).
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 720
LABEL_WIDTH = 230
VALUE_WIDTH = 50
BAR_HEIGHT = 20
GAP = 8
TOP = 6
MAX_LABEL_CHARS = 16


@dataclass
class Bar:
    label: str
    title: str
    value: int
    href: str
    y: int
    width: int
    text_y: int
    severity: str = ""


@dataclass
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_x: int
    value_x_pad: int = 6

    @property
    def empty(self) -> bool:
        return not self.bars


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def bar_chart(rows, width: int = WIDTH) -> Chart:
    """``rows``: iterables of (label, value, href[, severity]); longest bar = the largest value."""
    rows = [tuple(row) for row in rows]
    largest = max((row[1] for row in rows), default=0) or 1
    span = width - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, row in enumerate(rows):
        label, value, href = row[0], row[1], row[2]
        severity = row[3] if len(row) > 3 else ""
        y = TOP + index * (BAR_HEIGHT + GAP)
        bars.append(
            Bar(
                label=_short(str(label)),
                title=str(label),
                value=value,
                href=href,
                y=y,
                width=max(1, round(span * value / largest)) if value else 0,
                text_y=y + BAR_HEIGHT - 6,
                severity=severity,
            )
        )
    height = TOP * 2 + len(rows) * (BAR_HEIGHT + GAP)
    return Chart(bars=bars, width=width, height=height, label_width=LABEL_WIDTH, bar_x=LABEL_WIDTH)
