"""Seed DataFrames for the fixed dimensions, made from the reference data in tweets_etl.seeds."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl import seeds

CALENDAR_START, CALENDAR_END = date(2006, 3, 21), date(2035, 12, 31)  # the first tweet .. far enough


def languages(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(
        sorted(seeds.LANGUAGES.items()), "language_code string, language_name string"
    )


def tweet_types(spark: SparkSession) -> DataFrame:
    rows = [(name, text, original) for name, (text, original) in seeds.TWEET_TYPES.items()]
    return spark.createDataFrame(rows, "tweet_type string, description string, is_original_content boolean")


def calendar_days(spark: SparkSession) -> DataFrame:
    span = F.sequence(F.lit(CALENDAR_START), F.lit(CALENDAR_END))
    return spark.range(1).select(F.explode(span).alias("full_date"))


def minutes_of_day(spark: SparkSession) -> DataFrame:
    return spark.range(24 * 60).select(F.col("id").cast("int").alias("minute_of_day"))
