"""Charts as inline SVG strings, drawn in Python: no JavaScript, no charting library, nothing to download.

Every chart scales to its container (``viewBox`` + ``width: 100%``). Each data mark carries the class
``mark`` and a ``<title>`` (the browser shows it as a tooltip), so a test can count what was drawn.
All text passes through :func:`esc`; labels come from tweets and hashtags, which contain ``<`` and ``&``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import List, Optional, Sequence, Tuple

from tweets_etl.report.format import count, percent, signed

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
ACCENT = "#2563eb"
POSITIVE, NEUTRAL, NEGATIVE, UNSCORED = "#2f9e5b", "#a3adb8", "#d64545", "#d9dee3"
NOT_JUDGED_COLOR = "#e8c07d"  # tweets the enrich stage has not judged yet: apart from every sentiment


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """Coordinates with at most one decimal keep the markup small and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, label: str, body: List[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'role="img" aria-label="{esc(label)}" font-family="{esc(FONT)}" font-size="12" fill="{INK}">'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "", **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{esc(value)}"' for key, value in attrs.items())
    css = f' class="{cls}"' if cls else ""
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{css}{extra}>{esc(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, color: str, title: str, rx: float = 2) -> str:
    return (
        f'<rect class="mark" x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(max(h, 0))}"'
        f' rx="{_num(rx)}" fill="{color}"><title>{esc(title)}</title></rect>'
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = ACCENT
    display: Optional[str] = None  # the text beside the bar; default: the value as a count


def hbar(bars: Sequence[Bar], *, width: float = 400, label_width: float = 130, unit: str = "tweets") -> str:
    """Horizontal bars, largest first as given; the value is written beside each bar."""
    row, top = 26, 4
    height = top + row * len(bars) + 4
    longest = max((bar.value for bar in bars), default=0) or 1
    value_width = 64
    span = width - label_width - value_width - 8
    body = []
    for index, bar in enumerate(bars):
        y = top + index * row
        shown = bar.display if bar.display is not None else count(bar.value)
        body.append(_text(label_width - 8, y + 16, _clip(bar.label, 22), anchor="end"))
        length = span * bar.value / longest
        body.append(
            _rect(label_width, y + 4, max(length, 1), row - 9, bar.color, f"{bar.label}: {shown} {unit}")
        )
        body.append(_text(label_width + length + 6, y + 16, shown, fill=MUTED))
    return _svg(width, height, f"bar chart of {len(bars)} {unit} counts", body)


@dataclass(frozen=True)
class Slice:
    label: str
    value: float
    color: str


def donut(slices: Sequence[Slice], *, center: str = "", caption: str = "", size: float = 200) -> str:
    """A ring of shares with the total (or any short text) in the middle."""
    total = sum(item.value for item in slices)
    r_out, r_in = size / 2 - 4, size / 2 - 34
    cx = cy = size / 2
    body, start = [], -math.pi / 2
    for item in slices:
        if item.value <= 0 or total <= 0:
            continue
        sweep = 2 * math.pi * item.value / total
        title = f"{item.label}: {count(item.value)} ({percent(item.value / total)})"
        if sweep >= 2 * math.pi - 1e-9:  # one slice: an arc cannot start and end at the same point
            body.append(
                f'<circle class="mark" cx="{_num(cx)}" cy="{_num(cy)}" r="{_num((r_out + r_in) / 2)}" fill="none" '
                f'stroke="{item.color}" stroke-width="{_num(r_out - r_in)}"><title>{esc(title)}</title></circle>'
            )
        else:
            body.append(_ring_segment(cx, cy, r_out, r_in, start, start + sweep, item.color, title))
        start += sweep
    body.append(_text(cx, cy + 2, center, anchor="middle", font_size="22", font_weight="600"))
    body.append(_text(cx, cy + 20, caption, anchor="middle", fill=MUTED, font_size="11"))
    return _svg(size, size, f"donut chart: {caption or 'shares'}", body)


def _ring_segment(
    cx: float, cy: float, r_out: float, r_in: float, start: float, end: float, color: str, title: str
) -> str:
    large = 1 if end - start > math.pi else 0

    def point(radius: float, angle: float) -> str:
        return f"{_num(cx + radius * math.cos(angle))} {_num(cy + radius * math.sin(angle))}"

    path = (
        f"M {point(r_out, start)} A {_num(r_out)} {_num(r_out)} 0 {large} 1 {point(r_out, end)} "
        f"L {point(r_in, end)} A {_num(r_in)} {_num(r_in)} 0 {large} 0 {point(r_in, start)} Z"
    )
    return f'<path class="mark" d="{path}" fill="{color}" stroke="#fff" stroke-width="1.5"><title>{esc(title)}</title></path>'


def gauge(
    value: Optional[float],
    *,
    negative_at_most: float,
    positive_at_least: float,
    low: float = -1.0,
    high: float = 1.0,
    caption: str = "",
) -> str:
    """A half-circle dial from ``low`` to ``high`` with a needle; zones coloured like the labels."""
    width, height = 220, 150
    cx, cy, r_out, r_in = width / 2, 100, 92, 68
    zones = (
        (low, negative_at_most, NEGATIVE),
        (negative_at_most, positive_at_least, NEUTRAL),
        (positive_at_least, high, POSITIVE),
    )

    def angle(score: float) -> float:
        share = (min(max(score, low), high) - low) / (high - low)
        return math.pi + share * math.pi

    body = [
        _ring_segment(cx, cy, r_out, r_in, angle(a), angle(b), color, f"{a:+.2f} to {b:+.2f}")
        for a, b, color in zones
    ]
    if value is not None:
        tip = angle(value)
        x2, y2 = cx + (r_out + 4) * math.cos(tip), cy + (r_out + 4) * math.sin(tip)
        body.append(
            f'<line class="mark needle" x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{INK}" stroke-width="3" stroke-linecap="round"><title>average {signed(value)}</title></line>'
        )
        body.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="5" fill="{INK}"/>')
    body.append(
        _text(cx - (r_out + r_in) / 2, cy + 16, f"{low:+.0f}", anchor="middle", fill=MUTED, font_size="11")
    )
    body.append(
        _text(cx + (r_out + r_in) / 2, cy + 16, f"{high:+.0f}", anchor="middle", fill=MUTED, font_size="11")
    )
    shown = signed(value)
    body.append(_text(cx, cy + 40, shown, anchor="middle", font_size="24", font_weight="600"))
    return _svg(width, height, f"gauge: {caption} {shown}", body)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[Optional[float]]
    color: str
    low: float = -1.0
    high: float = 1.0


def stacked_columns(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    line: Optional[Line] = None,
    width: float = 860,
    height: float = 260,
    unit: str = "tweets",
) -> str:
    """Columns stacked by series over categories (time buckets), optionally with a line on a right axis."""
    left, right, top, bottom = 44, 48 if line else 12, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ceiling = _nice_ceiling(max(totals, default=0))
    body = _y_axis(left, top, plot_w, plot_h, ceiling)
    slot = plot_w / max(len(categories), 1)
    bar_w = max(min(slot * 0.72, 48), 1)
    every = max(1, math.ceil(len(categories) / max(plot_w // 70, 1)))
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / ceiling
            y -= h
            body.append(_rect(x, y, bar_w, h, s.color, f"{category} · {s.name}: {count(value)} {unit}", rx=1))
        if i % every == 0:
            body.append(
                _text(x + bar_w / 2, top + plot_h + 17, category, anchor="middle", fill=MUTED, font_size="11")
            )
    if line:
        body.extend(_line_overlay(line, left, top, plot_w, plot_h, slot, categories))
    return _svg(width, height, f"stacked columns of {unit} over {len(categories)} periods", body)


def _y_axis(left: float, top: float, plot_w: float, plot_h: float, ceiling: float) -> List[str]:
    body = []
    steps = axis_steps(ceiling)
    for step in range(steps + 1):
        value = ceiling * step / steps
        y = top + plot_h - plot_h * step / steps
        body.append(
            f'<line x1="{_num(left)}" x2="{_num(left + plot_w)}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y + 4, count(value), anchor="end", fill=MUTED, font_size="11"))
    return body


def _line_overlay(
    line: Line, left: float, top: float, plot_w: float, plot_h: float, slot: float, categories: Sequence[str]
) -> List[str]:
    def y_of(value: float) -> float:
        share = (min(max(value, line.low), line.high) - line.low) / (line.high - line.low)
        return top + plot_h - share * plot_h

    right = left + plot_w
    body = [
        f'<line x1="{_num(left)}" x2="{_num(right)}" y1="{_num(y_of(0))}" y2="{_num(y_of(0))}" '
        f'stroke="{line.color}" stroke-dasharray="3 3" stroke-opacity="0.5"/>'
    ]
    for value in (line.low, 0.0, line.high):
        body.append(_text(right + 6, y_of(value) + 4, f"{value:+.1f}", fill=line.color, font_size="11"))
    points = [
        (left + i * slot + slot / 2, y_of(value), value, categories[i])
        for i, value in enumerate(line.values)
        if value is not None
    ]
    if len(points) > 1:
        coords = " ".join(f"{_num(x)},{_num(y)}" for x, y, _, _ in points)
        body.append(f'<polyline points="{coords}" fill="none" stroke="{line.color}" stroke-width="2.5"/>')
    for x, y, value, category in points:
        body.append(
            f'<circle class="mark" cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="#fff" stroke="{line.color}" '
            f'stroke-width="2"><title>{esc(category)} · {esc(line.name)}: {signed(value)}</title></circle>'
        )
    return body


# Round axis tops and how many gridlines divide each into round steps (150 -> 50s, 250 -> 50s, 300 -> 100s).
_FACTOR_STEPS = ((1, 4), (1.5, 3), (2, 4), (2.5, 5), (3, 3), (4, 4), (5, 5), (6, 3), (8, 4), (10, 5))


def _nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) >= ``value``."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for factor, _ in _FACTOR_STEPS:
        if value <= factor * magnitude * (1 + 1e-9):
            return factor * magnitude
    return 10 * magnitude


def axis_steps(ceiling: float) -> int:
    """Gridline intervals for an axis from 0 to ``ceiling`` (a :func:`_nice_ceiling`) with round labels."""
    if ceiling <= 4 and float(ceiling).is_integer():
        return max(int(ceiling), 1)  # counts: 0, 1, 2, 3 rather than 0, 0.75, 1.5
    magnitude = 10 ** math.floor(math.log10(ceiling))
    factor = round(ceiling / magnitude, 6)
    return next((steps for f, steps in _FACTOR_STEPS if math.isclose(f, factor)), 4)


@dataclass(frozen=True)
class StackRow:
    label: str
    parts: Sequence[Tuple[str, float, str]]  # (name, value, color), drawn left to right
    note: str = ""  # written right of the bar, e.g. the total and net sentiment


def share_bars(
    rows: Sequence[StackRow], *, width: float = 860, label_width: float = 170, note_width: float = 150
) -> str:
    """One 100% bar per row, split into its parts (e.g. negative | neutral | positive)."""
    row, top = 28, 4
    height = top + row * len(rows) + 4
    span = width - label_width - note_width - 12
    body = []
    for index, item in enumerate(rows):
        y = top + index * row
        total = sum(value for _, value, _ in item.parts) or 1
        body.append(_text(label_width - 8, y + 17, _clip(item.label, 26), anchor="end"))
        x = label_width
        for name, value, color in item.parts:
            w = span * value / total
            if value > 0:
                title = f"{item.label} · {name}: {count(value)} ({percent(value / total)})"
                body.append(_rect(x, y + 4, w, row - 9, color, title, rx=0))
                if w > 34:
                    body.append(
                        _text(
                            x + w / 2,
                            y + 17,
                            percent(value / total),
                            anchor="middle",
                            fill="#fff",
                            font_size="11",
                        )
                    )
            x += w
        body.append(_text(label_width + span + 10, y + 17, item.note, fill=MUTED, font_size="11"))
    return _svg(width, height, f"share bars for {len(rows)} rows", body)


@dataclass(frozen=True)
class Change:
    label: str
    growth: Optional[float]  # None: new (nothing in the previous period)
    current: int
    previous: int


def growth_bars(
    items: Sequence[Change], *, width: float = 420, label_width: float = 116, cap: float = 3.0
) -> str:
    """Growth against the previous period, bars left (falling) or right (rising) of zero."""
    row, top = 26, 4
    height = top + row * len(items) + 4
    text_w = 112
    span = width - label_width - text_w
    # Room left of zero only when something fell; growth is capped so one outlier does not flatten the rest.
    falling = any(item.growth is not None and item.growth < 0 for item in items)
    left_share = 0.3 if falling else 0.0
    zero = label_width + span * left_share
    scale_right, scale_left = (span * (1 - left_share) - 6) / cap, (span * left_share - 6) / 1.0
    body = [f'<line x1="{_num(zero)}" x2="{_num(zero)}" y1="{top}" y2="{_num(height - 4)}" stroke="{GRID}"/>']
    for index, item in enumerate(items):
        y = top + index * row
        body.append(_text(label_width - 8, y + 16, _clip(item.label, 16), anchor="end"))
        growth = cap if item.growth is None else max(min(item.growth, cap), -1.0)
        shown = "new" if item.growth is None else f"{item.growth * 100:+.0f}%"
        title = f"{item.label}: {shown} ({item.current:,} vs {item.previous:,} in the previous period)"
        if growth >= 0:
            body.append(_rect(zero, y + 5, max(growth * scale_right, 2), row - 10, POSITIVE, title))
        else:
            length = -growth * scale_left
            body.append(_rect(zero - length, y + 5, length, row - 10, NEGATIVE, title))
        body.append(
            _text(
                width - text_w + 8,
                y + 16,
                f"{shown} ({item.current:,} vs {item.previous:,})",
                fill=MUTED,
                font_size="11",
            )
        )
    return _svg(width, height, f"growth of {len(items)} hashtags", body)


def columns(bars: Sequence[Bar], *, width: float = 420, height: float = 170, unit: str = "tweets") -> str:
    """Plain vertical columns over a few categories (e.g. hours of the day)."""
    left, top, bottom = 36, 8, 22
    plot_w, plot_h = width - left - 6, height - top - bottom
    ceiling = _nice_ceiling(max((bar.value for bar in bars), default=0))
    body = _y_axis(left, top, plot_w, plot_h, ceiling)
    slot = plot_w / max(len(bars), 1)
    every = max(1, math.ceil(len(bars) / 12))
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / ceiling
        x = left + i * slot + slot * 0.12
        body.append(
            _rect(
                x,
                top + plot_h - h,
                slot * 0.76,
                h,
                bar.color,
                f"{bar.label}: {count(bar.value)} {unit}",
                rx=1,
            )
        )
        if i % every == 0:
            body.append(
                _text(
                    x + slot * 0.38, top + plot_h + 15, bar.label, anchor="middle", fill=MUTED, font_size="11"
                )
            )
    return _svg(width, height, f"columns of {unit} over {len(bars)} categories", body)
