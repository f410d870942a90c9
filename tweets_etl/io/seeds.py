"""Seed DataFrames for the fixed dimensions, made from the reference data in tweets_etl.reference_data."""

from __future__ import annotations

import hashlib
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl import __version__
from tweets_etl.reference_data import LANGUAGES, TWEET_TYPE_DESCRIPTIONS
from tweets_etl.sentiment.base import DEFAULT_THRESHOLDS, Thresholds, sentiment_ranges
from tweets_etl.taxonomy import Taxonomy

CALENDAR_START, CALENDAR_END = date(2006, 3, 21), date(2035, 12, 31)  # the first tweet .. far enough


def fingerprint(*content: object) -> str:
    """A short hash of reference data and of the code version that shapes it into a dimension."""
    return hashlib.sha256(repr((__version__, *content)).encode()).hexdigest()[:16]


def languages(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame(sorted(LANGUAGES.items()), "language_code string, language_name string")


def tweet_types(spark: SparkSession) -> DataFrame:
    rows = [(name, text, original) for name, (text, original) in TWEET_TYPE_DESCRIPTIONS.items()]
    return spark.createDataFrame(rows, "tweet_type string, description string, is_original_content boolean")


def calendar_days(spark: SparkSession) -> DataFrame:
    span = F.sequence(F.lit(CALENDAR_START), F.lit(CALENDAR_END))
    return spark.range(1).select(F.explode(span).alias("full_date"))


def minutes_of_day(spark: SparkSession) -> DataFrame:
    return spark.range(24 * 60).select(F.col("id").cast("int").alias("minute_of_day"))


def sentiment_bands(spark: SparkSession, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> DataFrame:
    """One row per band with the 3-class label it belongs to (the neutral band is the neutral label),
    its compound range at ``thresholds`` (those of the configured backend)."""
    labels, bands = sentiment_ranges(thresholds)
    label_names = {label.id: label.name for label in labels}
    label_of = {"very_negative": "negative", "very_positive": "positive"}
    rows = [
        (
            band.id,
            band.name,
            label_of.get(band.id, band.id),
            label_names[label_of.get(band.id, band.id)],
            band.range_text,
            order,
        )
        for order, band in enumerate(bands, start=1)
    ]
    schema = "sentiment_band string, band_name string, sentiment_label string, label_name string, compound_range string, sort_order int"
    return spark.createDataFrame(rows, schema)


def feedback_types(spark: SparkSession, taxonomy: Taxonomy) -> DataFrame:
    rows = [(t.id, t.name, t.description, order) for order, t in enumerate(taxonomy.feedback_types, start=1)]
    return spark.createDataFrame(
        rows, "feedback_type string, feedback_name string, description string, sort_order int"
    )


def aspects(spark: SparkSession, taxonomy: Taxonomy) -> DataFrame:
    rows = [(a.id, a.name, a.description, order) for order, a in enumerate(taxonomy.aspects, start=1)]
    return spark.createDataFrame(
        rows, "aspect string, aspect_name string, description string, sort_order int"
    )
