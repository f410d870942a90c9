"""Chart primitives: one mark per datum, sizes proportional to values, every label escaped."""

from __future__ import annotations

import math
import re
from typing import List

import pytest
from lxml import etree

from tweets_etl.report import svg
from tweets_etl.report.svg import Bar, Change, Line, Series, Slice, StackRow


def parse(markup: str) -> etree._Element:
    root = etree.fromstring(markup.encode("utf-8"))  # well-formed XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    return root


def marks(root: etree._Element) -> List[etree._Element]:
    return [node for node in root.iter() if "mark" in (node.get("class") or "").split()]


def texts(root: etree._Element) -> List[str]:
    return [node.text for node in root.iter("{http://www.w3.org/2000/svg}text")]


def test_hbar_draws_one_bar_per_item_proportional_to_its_value():
    root = parse(svg.hbar([Bar("#chatgpt", 100), Bar("<b>x</b> & y", 50), Bar("zero", 0)]))
    bars = marks(root)
    assert len(bars) == 3
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.11)
    assert widths[2] == pytest.approx(1)  # zero still shows as a sliver, not nothing
    assert "<b>x</b> & y" in texts(root)  # shown as text, not parsed as markup
    assert bars[0].find("{http://www.w3.org/2000/svg}title").text == "#chatgpt: 100 tweets"


def test_donut_slices_cover_the_circle_in_proportion():
    root = parse(
        svg.donut([Slice("a", 3, "#f00"), Slice("b", 1, "#0f0"), Slice("none", 0, "#00f")], center="4")
    )
    slices = marks(root)
    assert len(slices) == 2  # an empty slice draws nothing
    arcs = [re.findall(r"A [\d.]+ [\d.]+ 0 (\d) 1", node.get("d"))[0] for node in slices]
    assert arcs == ["1", "0"]  # the 75% slice takes the long way round, the 25% one the short way
    assert "4" in texts(root)


def test_donut_with_one_slice_is_a_full_ring():
    root = parse(svg.donut([Slice("only", 5, "#f00")]))
    (ring,) = marks(root)
    assert ring.tag == "{http://www.w3.org/2000/svg}circle"


@pytest.mark.parametrize(
    ("value", "direction"), [(-1.0, "left"), (0.0, "up"), (1.0, "right"), (7.0, "right")]
)
def test_gauge_needle_points_at_the_value(value, direction):
    root = parse(svg.gauge(value, negative_at_most=-0.05, positive_at_least=0.4))
    needle = next(node for node in marks(root) if "needle" in node.get("class"))
    dx = float(needle.get("x2")) - float(needle.get("x1"))
    dy = float(needle.get("y2")) - float(needle.get("y1"))
    angle = math.degrees(math.atan2(-dy, dx))
    expected = {"left": 180.0, "up": 90.0, "right": 0.0}[direction]
    assert abs(angle) == pytest.approx(expected, abs=0.5)


def test_gauge_without_a_value_has_no_needle_and_says_so():
    root = parse(svg.gauge(None, negative_at_most=-0.05, positive_at_least=0.4))
    assert not [node for node in marks(root) if "needle" in node.get("class")]
    assert "n/a" in texts(root)


def test_stacked_columns_stack_nonzero_values_and_plot_the_line():
    series = [Series("neg", [2, 0, 4], "#f00"), Series("pos", [2, 3, 0], "#0f0")]
    line = Line("net", [0.0, None, -1.0], "#000")
    root = parse(svg.stacked_columns(["d1", "d2", "d3"], series, line=line))
    rects = [node for node in marks(root) if node.tag.endswith("rect")]
    points = [node for node in marks(root) if node.tag.endswith("circle")]
    assert len(rects) == 4 and len(points) == 2  # zeros and missing line values draw nothing
    heights = sorted(float(rect.get("height")) for rect in rects)
    assert heights[-1] == pytest.approx(2 * heights[0], abs=0.2)  # 4 vs 2 on the same axis
    assert "d2" in texts(root)


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (7, 8), (270, 300), (1000, 1000), (1001, 1500), (0.3, 0.3)]
)
def test_axis_tops_are_round_numbers_at_or_above_the_maximum(value, ceiling):
    assert svg._nice_ceiling(value) == pytest.approx(ceiling)


def test_growth_bars_grow_right_for_rising_left_for_falling_and_cap_outliers():
    items = [
        Change("new", None, 9, 0),
        Change("up", 0.5, 30, 20),
        Change("huge", 40.0, 41, 1),
        Change("down", -0.5, 5, 10),
    ]
    root = parse(svg.growth_bars(items))
    bars = {node.find("{http://www.w3.org/2000/svg}title").text.split(":")[0]: node for node in marks(root)}
    zero = min(float(bar.get("x")) for name, bar in bars.items() if name != "down")
    assert float(bars["down"].get("x")) + float(bars["down"].get("width")) == pytest.approx(zero, abs=0.2)
    assert float(bars["huge"].get("width")) == pytest.approx(float(bars["new"].get("width")))  # both capped
    assert float(bars["up"].get("width")) < float(bars["huge"].get("width"))
    assert any(text.startswith("new (9 vs 0)") for text in texts(root))


def test_share_bars_fill_the_same_width_whatever_the_total():
    rows = [
        StackRow("a", [("neg", 1, "#f00"), ("pos", 3, "#0f0")]),
        StackRow("b", [("neg", 0, "#f00"), ("pos", 50, "#0f0")]),
    ]
    root = parse(svg.share_bars(rows))
    widths = [float(node.get("width")) for node in marks(root)]
    assert len(widths) == 3  # the zero part of row b is not drawn
    assert widths[0] + widths[1] == pytest.approx(widths[2], abs=0.2)
    assert widths[1] == pytest.approx(3 * widths[0], abs=0.2)


@pytest.mark.parametrize(
    ("ceiling", "labels"),
    [
        (150, ["0", "50", "100", "150"]),
        (300, ["0", "100", "200", "300"]),
        (250, ["0", "50", "100", "150", "200", "250"]),
        (1000, ["0", "250", "500", "750", "1,000"]),
        (3, ["0", "1", "2", "3"]),
        (1, ["0", "1"]),
    ],
)
def test_axis_labels_are_round(ceiling, labels):
    root = parse(svg.columns([Bar("a", ceiling)]))
    assert [t for t in texts(root) if t != "a"] == labels
