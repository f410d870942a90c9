"""Helpers for comparing DataFrames in tests."""

from __future__ import annotations


def in_order(df):
    """All rows in one partition, sorted by every column: a total order for comparing row sets,
    without the sampling job and shuffle of chispa's global sort (ignore_row_order)."""
    return df.coalesce(1).sortWithinPartitions(*df.columns)
