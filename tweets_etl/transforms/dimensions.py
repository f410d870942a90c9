"""Dimension builders. Each returns exactly its table's columns (see tweets_etl.tables).

Growing dimensions (users, hashtags, sources, locations, languages) are built incrementally: the
batch's members are merged with the existing table, so a load costs what the batch costs. Every
dimension carries an "unknown" member (key -1) so fact foreign keys are never null.
"""

from __future__ import annotations

from typing import Dict, Optional

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from tweets_etl.tables import (
    DIM_ASPECTS,
    DIM_DATES,
    DIM_FEEDBACK_TYPES,
    DIM_HASHTAGS,
    DIM_LANGUAGES,
    DIM_LOCATIONS,
    DIM_SENTIMENTS,
    DIM_SOURCES,
    DIM_TIMES,
    DIM_TWEET_TYPES,
    DIM_USERS,
    UNKNOWN_KEY,
    Table,
)
from tweets_etl.transforms.keys import surrogate_key
from tweets_etl.transforms.sources import parse_source


def location_natural_key(place_id: Column, profile_location: Column) -> tuple:
    """(location_source, natural id): the tagged place if any, else the profile text, else unknown."""
    profile = F.lower(F.trim(profile_location))
    source = F.when(place_id.isNotNull(), "place").when(profile.isNotNull() & (profile != ""), "user_profile")
    natural = F.when(source == "place", place_id).when(source == "user_profile", profile)
    return source, natural


def location_key(place_id: Column, profile_location: Column) -> Column:
    source, natural = location_natural_key(place_id, profile_location)
    return surrogate_key(natural, source)


def build_dim_users(stg_df: DataFrame, existing_df: Optional[DataFrame] = None) -> DataFrame:
    """Latest attributes per author (type 1), merged with the existing dimension.

    Grain: one row per user_id, plus the unknown member.
    """
    seen = stg_df.where(F.col("author_id").isNotNull()).select(
        F.col("author_id").alias("user_id"),
        F.col("author_username").alias("username"),
        F.col("author_name").alias("display_name"),
        F.col("author_description").alias("description"),
        F.col("author_location").alias("location"),
        F.col("author_created_at").alias("account_created_at"),
        F.col("author_verified").alias("is_verified"),
        F.col("author_verified_type").alias("verified_type"),
        F.col("author_protected").alias("is_protected"),
        F.col("author_followers_count").alias("followers_count"),
        F.col("author_following_count").alias("following_count"),
        F.col("author_tweet_count").alias("tweet_count"),
        F.col("author_listed_count").alias("listed_count"),
        F.col("retrieved_at").alias("first_seen_at"),
        F.col("retrieved_at").alias("last_seen_at"),
        # Tie-breaker for two snapshots fetched at the same instant: the one with more tweets posted.
        F.col("author_tweet_count").alias("_tiebreak"),
    )
    if existing_df is not None:
        previous = existing_df.where(F.col("user_key") != UNKNOWN_KEY).withColumn(
            "_tiebreak", F.col("tweet_count")
        )
        seen = seen.unionByName(previous.drop("user_key"))
    latest = Window.partitionBy("user_id").orderBy(
        F.col("last_seen_at").desc_nulls_last(), F.col("_tiebreak").desc_nulls_last(), F.col("username").asc()
    )
    every = Window.partitionBy("user_id")
    merged = (
        seen.withColumn("_rank", F.row_number().over(latest))
        .withColumn("first_seen_at", F.min("first_seen_at").over(every))
        .where(F.col("_rank") == 1)
        .withColumn("user_key", surrogate_key(F.col("user_id")))
    )
    return _with_unknown(merged, DIM_USERS, {"user_id": "unknown", "username": "unknown"})


def build_dim_hashtags(stg_df: DataFrame, existing_df: Optional[DataFrame] = None) -> DataFrame:
    """Grain: one row per lowercase hashtag, plus the unknown member."""
    seen = stg_df.select(
        F.explode("hashtags").alias("hashtag"), F.col("created_date").alias("first_seen_date")
    )
    if existing_df is not None:
        seen = seen.unionByName(existing_df.where(F.col("hashtag_key") != UNKNOWN_KEY).drop("hashtag_key"))
    merged = seen.groupBy("hashtag").agg(F.min("first_seen_date").alias("first_seen_date"))
    merged = merged.withColumn("hashtag_key", surrogate_key(F.col("hashtag")))
    return _with_unknown(merged, DIM_HASHTAGS, {"hashtag": "unknown"})


def build_dim_sources(stg_df: DataFrame, existing_df: Optional[DataFrame] = None) -> DataFrame:
    """Grain: one row per source label, plus the unknown member."""
    names = stg_df.where(F.col("source").isNotNull()).select(F.col("source").alias("source_name"))
    if existing_df is not None:
        names = names.unionByName(existing_df.where(F.col("source_key") != UNKNOWN_KEY).select("source_name"))
    parsed = (
        names.groupBy("source_name")
        .count()
        .select("source_name", parse_source(F.col("source_name")).alias("parsed"))
    )
    dim = parsed.select(surrogate_key(F.col("source_name")).alias("source_key"), "source_name", "parsed.*")
    unknown = {"source_name": "unknown", "client": "unknown", "device": "unknown", "os": "unknown"}
    return _with_unknown(dim, DIM_SOURCES, unknown)


def build_dim_locations(stg_df: DataFrame, existing_df: Optional[DataFrame] = None) -> DataFrame:
    """Grain: one row per tagged place and per distinct profile location text, plus unknown."""
    source, natural = location_natural_key(F.col("place_id"), F.col("author_location"))
    seen = stg_df.select(
        surrogate_key(natural, source).alias("location_key"),
        source.alias("location_source"),
        F.col("place_id"),
        F.coalesce("place_full_name", F.when(source == "user_profile", F.trim("author_location"))).alias(
            "location_name"
        ),
        F.col("place_country").alias("country"),
        F.col("place_country_code").alias("country_code"),
        F.col("place_type"),
    ).where(F.col("location_key") != UNKNOWN_KEY)
    if existing_df is not None:
        seen = seen.unionByName(existing_df.where(F.col("location_key") != UNKNOWN_KEY))
    # Several spellings of one profile location share a key (it is case-folded): keep the
    # alphabetically first spelling, and for places the most complete description.
    pick = Window.partitionBy("location_key").orderBy(
        F.col("location_name").asc_nulls_last(), F.col("country").asc_nulls_last()
    )
    merged = seen.withColumn("_rank", F.row_number().over(pick)).where(F.col("_rank") == 1)
    return _with_unknown(merged, DIM_LOCATIONS, {"location_source": "unknown", "location_name": "unknown"})


def build_dim_languages(
    seed_df: DataFrame, stg_df: DataFrame, existing_df: Optional[DataFrame] = None
) -> DataFrame:
    """Grain: one row per language code (seed list plus any code seen), plus unknown.

    ``seed_df`` has ``language_code`` and ``language_name``.
    """
    observed = stg_df.select(F.col("lang").alias("language_code"), F.col("lang").alias("language_name"))
    codes = seed_df.withColumn("_priority", F.lit(0)).unionByName(observed.withColumn("_priority", F.lit(2)))
    if existing_df is not None:
        previous = existing_df.where(F.col("language_key") != UNKNOWN_KEY).drop("language_key")
        codes = codes.unionByName(previous.withColumn("_priority", F.lit(1)))
    pick = Window.partitionBy("language_code").orderBy("_priority", "language_name")
    merged = (
        codes.where(F.col("language_code").isNotNull())
        .withColumn("_rank", F.row_number().over(pick))
        .where(F.col("_rank") == 1)
        .withColumn("language_key", surrogate_key(F.col("language_code")))
    )
    return _with_unknown(merged, DIM_LANGUAGES, {"language_code": "unknown", "language_name": "unknown"})


def build_dim_tweet_types(types_df: DataFrame) -> DataFrame:
    """``types_df``: tweet_type, description, is_original_content. Grain: one row per type, plus unknown."""
    dim = types_df.withColumn("tweet_type_key", surrogate_key(F.col("tweet_type")))
    return _with_unknown(dim, DIM_TWEET_TYPES, {"tweet_type": "unknown", "description": "unknown"})


def build_dim_sentiments(bands_df: DataFrame) -> DataFrame:
    """``bands_df``: sentiment_band, band_name, sentiment_label, label_name, compound_range, sort_order."""
    dim = bands_df.withColumn("sentiment_key", surrogate_key(F.col("sentiment_band")))
    return _with_unknown(dim, DIM_SENTIMENTS, {"sentiment_band": "unknown", "sentiment_label": "unknown"})


def build_dim_feedback_types(types_df: DataFrame) -> DataFrame:
    """``types_df``: feedback_type, feedback_name, description, sort_order (from the taxonomy)."""
    dim = types_df.withColumn("feedback_type_key", surrogate_key(F.col("feedback_type")))
    return _with_unknown(dim, DIM_FEEDBACK_TYPES, {"feedback_type": "unknown", "feedback_name": "unknown"})


def build_dim_aspects(aspects_df: DataFrame) -> DataFrame:
    """``aspects_df``: aspect, aspect_name, description, sort_order (from the taxonomy)."""
    dim = aspects_df.withColumn("aspect_key", surrogate_key(F.col("aspect")))
    return _with_unknown(dim, DIM_ASPECTS, {"aspect": "unknown", "aspect_name": "unknown"})


def keep_retired_members(dim: DataFrame, current: Optional[DataFrame], table: Table) -> DataFrame:
    """``dim`` (built from the taxonomy) plus the members of ``current`` it no longer has.

    A taxonomy change re-judges only the days loaded after it: the facts and bridge rows of earlier
    days still point at a feedback type or aspect the new file dropped, and must keep joining.
    """
    if current is None:
        return dim
    key = table.columns[0]
    return dim.unionByName(current.join(dim.select(key), on=key, how="left_anti"))


def build_dim_dates(days_df: DataFrame) -> DataFrame:
    """``days_df``: one ``full_date`` per day. Grain: one row per day, plus unknown."""
    day = F.col("full_date")
    dim = days_df.select(
        F.date_format(day, "yyyyMMdd").cast("int").alias("date_key"),
        day,
        F.year(day).alias("year"),
        F.quarter(day).alias("quarter"),
        F.month(day).alias("month"),
        F.date_format(day, "MMMM").alias("month_name"),
        F.dayofmonth(day).alias("day_of_month"),
        ((F.dayofweek(day) + 5) % 7 + 1).alias("day_of_week"),
        F.date_format(day, "EEEE").alias("day_name"),
        F.weekofyear(day).alias("week_of_year"),
        F.dayofweek(day).isin(1, 7).alias("is_weekend"),
    )
    return _with_unknown(dim, DIM_DATES, {"month_name": "unknown", "day_name": "unknown"}, key=UNKNOWN_KEY)


def build_dim_times(minutes_df: DataFrame) -> DataFrame:
    """``minutes_df``: ``minute_of_day`` 0..1439. Grain: one row per minute of the day, plus unknown."""
    hour = (F.col("minute_of_day") / 60).cast("int")
    minute = (F.col("minute_of_day") % 60).cast("int")
    day_part = (
        F.when(hour < 6, "night").when(hour < 12, "morning").when(hour < 18, "afternoon").otherwise("evening")
    )
    dim = minutes_df.select(
        (hour * 100 + minute).cast("int").alias("time_key"),
        hour.alias("hour"),
        minute.alias("minute"),
        day_part.alias("day_part"),
    )
    return _with_unknown(dim, DIM_TIMES, {"day_part": "unknown"}, key=UNKNOWN_KEY)


def _with_unknown(
    df: DataFrame, table: Table, values: Dict[str, object], key: int = UNKNOWN_KEY
) -> DataFrame:
    """The table's columns, plus the unknown member row (key -1, the given values, nulls elsewhere)."""
    key_column = table.columns[0]
    members = df.select(*table.columns).where(F.col(key_column) != key)
    unknown = members.sparkSession.range(1).select(
        *[
            (F.lit(key) if name == key_column else F.lit(values.get(name)))
            .cast(table.schema[name].dataType)
            .alias(name)
            for name in table.columns
        ]
    )
    return members.unionByName(unknown)
