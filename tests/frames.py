"""Helpers for making and comparing DataFrames in tests."""

from __future__ import annotations

from typing import Any, Dict, Optional

from pyspark.sql import types as T

from tweets_etl.tables import STG_TWEETS


def in_order(df):
    """All rows in one partition, sorted by every column: a total order for comparing row sets,
    without the sampling job and shuffle of chispa's global sort (ignore_row_order)."""
    return df.coalesce(1).sortWithinPartitions(*df.columns)


def stg_rows(spark, *rows: Dict[str, Any], schema: Optional[T.StructType] = None, **defaults: Any):
    """stg_tweets rows (or rows of ``schema``), each written as the columns a test is about.

    Unset columns are as the stages leave them: array columns empty, the others null, unless
    ``defaults`` gives a value; tweet_id is numbered from 1598000000000000001 in row order.
    """
    schema = schema or STG_TWEETS.schema
    empty = {field.name: [] for field in schema.fields if isinstance(field.dataType, T.ArrayType)}
    records = []
    for number, row in enumerate(rows, start=1):
        values = {**empty, **defaults, "tweet_id": str(1598000000000000000 + number), **row}
        records.append(tuple(values.get(name) for name in schema.fieldNames()))
    return spark.createDataFrame(records, schema)
