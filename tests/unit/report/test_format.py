"""Numbers read the same on the dashboard and in the run summary."""

from __future__ import annotations

import pytest

from tweets_etl.report import format as fmt


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0"), (1234, "1,234"), (1234.6, "1,235"), (2_000_000, "2,000,000")]
)
def test_count(value, text):
    assert fmt.count(value) == text


@pytest.mark.parametrize(
    ("args", "text"), [((0.256,), "26%"), ((0.0123, 2), "1.23%"), ((1.0,), "100%"), ((0.0,), "0%")]
)
def test_percent(args, text):
    assert fmt.percent(*args) == text


@pytest.mark.parametrize(
    ("part", "whole", "text"), [(1, 4, "25%"), (2, 3, "67%"), (0, 0, "0%"), (None, 0, "0%")]
)
def test_share_of_nothing_is_zero_percent(part, whole, text):
    assert fmt.share(part, whole) == text


@pytest.mark.parametrize(
    ("value", "text"), [(0.07, "+0.07"), (-0.5234, "-0.52"), (0.0, "+0.00"), (None, "n/a")]
)
def test_signed_says_n_a_when_there_is_no_value(value, text):
    assert fmt.signed(value) == text
