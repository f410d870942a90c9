"""spread_distinct: every distinct value once, the work spread over every shuffle partition."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from tweets_etl.transforms.distinct import spread_distinct

pytestmark = pytest.mark.spark


@pytest.fixture
def texts(spark):
    # 40 distinct texts and a null, each seen several times, as retweets repeat their original.
    rows = [(f"text {n % 40}",) for n in range(200)] + [(None,), (None,)]
    return spark.createDataFrame(rows, "text string")


def test_each_distinct_value_once_null_included(texts):
    spread = spread_distinct(texts, "text")

    assert spread.columns == ["text"]
    assert sorted(spread.collect(), key=lambda row: row.text or "") == sorted(
        texts.distinct().collect(), key=lambda row: row.text or ""
    )


def test_values_land_in_every_shuffle_partition(spark, texts):
    # Adaptive execution would coalesce a shuffle this small into one partition, and the
    # expensive work after it into one task.
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))

    used = spread_distinct(texts, "text").select(F.spark_partition_id()).distinct().count()

    assert partitions > 1
    assert used == partitions
