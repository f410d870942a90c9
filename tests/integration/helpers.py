"""Helpers shared by integration tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from tweets_etl.tables import TABLES

LOG_TABLES = {"etl_runs", "dq_results"}


def snapshot(spark, database: str) -> Dict[str, List[tuple]]:
    """Every data table's rows, sorted: equal snapshots mean equal table contents."""
    tables = {}
    for name in sorted(set(TABLES) - LOG_TABLES):
        rows = spark.table(f"{database}.{name}").collect()
        tables[name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return tables


def count_raw(files: Iterable[Path]) -> Tuple[List[str], int]:
    """Count raw records the simple way, independently of the code under test.

    Returns the ids of usable tweet occurrences and the number of records that must be quarantined.
    """
    accepted, rejects = [], 0
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    page = json.loads(line)
                except json.JSONDecodeError:
                    rejects += 1
                    continue
                data = page.get("data") if isinstance(page, dict) else None
                tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
                if not tweets:
                    rejects += 1
                for tweet in tweets:
                    tweet_id = tweet.get("id")
                    if isinstance(tweet_id, str) and tweet_id.isdigit() and tweet.get("text") is not None:
                        accepted.append(tweet_id)
                    else:
                        rejects += 1
    return accepted, rejects
