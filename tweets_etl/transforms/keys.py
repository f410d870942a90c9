"""Deterministic surrogate keys: the same natural key gives the same key in every run and on every node.

Keys are xxhash64 of the natural key, so facts compute their foreign keys without joining the
dimensions, and re-runs or parallel runs agree. A null natural key maps to the unknown member (-1).
At a million distinct values the chance of any collision is about 3e-8.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from tweets_etl.tables import UNKNOWN_KEY


def surrogate_key(*natural_key: Column) -> Column:
    """xxhash64 over the natural key columns; the unknown member's key when the first part is null."""
    return F.when(natural_key[0].isNull(), F.lit(UNKNOWN_KEY).cast("bigint")).otherwise(
        F.xxhash64(*natural_key)
    )


def date_key(moment: Column) -> Column:
    """yyyymmdd as an integer, the Kimball habit for date keys (readable and ordered)."""
    return F.coalesce(F.date_format(moment, "yyyyMMdd").cast("int"), F.lit(UNKNOWN_KEY))


def time_key(moment: Column) -> Column:
    """hhmm as an integer: minute grain."""
    return F.coalesce((F.hour(moment) * 100 + F.minute(moment)).cast("int"), F.lit(UNKNOWN_KEY))
