"""Expensive work once per distinct value, spread over every core.

Retweets share their original's text, so the pipeline's costly per-text work (the sentiment model,
the taxonomy's patterns) runs on the distinct texts of a batch, far fewer than its tweets.
"""

from __future__ import annotations

from pyspark.sql import DataFrame


def spread_distinct(df: DataFrame, column: str) -> DataFrame:
    """The distinct values of ``column``, in every shuffle partition, for expensive work per value.

    The explicit repartition keeps that work spread over every core: adaptive execution would
    otherwise coalesce the small shuffle of distinct values into a partition or two, and the
    work into as many tasks (one Python worker; or the taxonomy's patterns in three uneven tasks,
    the last running alone).
    """
    partitions = int(df.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    return df.select(column).repartition(partitions, column).distinct()
