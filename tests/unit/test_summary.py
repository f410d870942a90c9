"""The run summary's arithmetic, which a reader checks by eye."""

from __future__ import annotations

import pytest

from tweets_etl.summary import whole_percents


@pytest.mark.parametrize(
    "counts, percents",
    [
        ([798, 1515, 687, 0], [27, 50, 23, 0]),  # each rounded alone: 27 + 51 + 23 = 101
        ([1, 1, 1], [34, 33, 33]),
        ([0, 5, 0], [0, 100, 0]),
        ([0, 0], [0, 0]),
        ([2, 997, 1], [0, 100, 0]),
    ],
)
def test_shares_are_whole_percents_that_add_up_to_100(counts, percents):
    assert whole_percents(counts) == percents
