"""Helpers shared by integration tests."""

from __future__ import annotations

from typing import Dict, List

from tweets_etl.tables import TABLES

LOG_TABLES = {"etl_runs", "dq_results"}


def snapshot(spark, database: str) -> Dict[str, List[tuple]]:
    """Every data table's rows, sorted: equal snapshots mean equal table contents."""
    tables = {}
    for name in sorted(set(TABLES) - LOG_TABLES):
        rows = spark.table(f"{database}.{name}").collect()
        tables[name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return tables
