"""Dimension builders: members, merges with the existing table, and the unknown member.

Inputs are stg_tweets rows written inline (only the columns a test is about are set). Expected
keys are written as ``surrogate_key`` of the natural value: the key formula itself is pinned in
test_keys.py, these tests are about which members exist and what they hold.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, List, Optional

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests.frames import in_order, stg_rows
from tweets_etl.transforms.dimensions import (
    build_dim_dates,
    build_dim_hashtags,
    build_dim_languages,
    build_dim_locations,
    build_dim_sources,
    build_dim_times,
    build_dim_users,
)
from tweets_etl.transforms.keys import surrogate_key

pytestmark = pytest.mark.spark

UTC = timezone.utc
T1 = datetime(2022, 12, 5, 10, tzinfo=UTC)
T2 = datetime(2022, 12, 6, 10, tzinfo=UTC)
T3 = datetime(2022, 12, 9, 10, tzinfo=UTC)
ADA, BOB, CAROL = "1433267766912557062", "902035056", "335141638"


def keyed(spark, schema: str, rows: List[tuple], key: str, *natural: str):
    """Expected rows whose ``key`` column (a placeholder in ``rows``) is the surrogate key of ``natural``."""
    df = spark.createDataFrame(rows, schema)
    return df.withColumn(key, surrogate_key(*[F.col(name) for name in natural]))


def assert_same(actual, expected) -> None:
    # Metadata holds column comments carried over from stg_tweets; the values are what matter here.
    assert_df_equality(
        in_order(actual),
        in_order(expected.select(*actual.columns)),
        ignore_nullable=True,
        ignore_metadata=True,
    )


# dim_users -------------------------------------------------------------------------------------

USER_VIEW = (
    "user_key",
    "user_id",
    "username",
    "location",
    "followers_count",
    "first_seen_at",
    "last_seen_at",
)
USER_SCHEMA = (
    "user_key bigint, user_id string, username string, location string, followers_count bigint,"
    " first_seen_at timestamp, last_seen_at timestamp"
)


def seen(user_id: Optional[str], at: Optional[datetime], username: str, followers: int, **more: Any):
    return {
        "author_id": user_id,
        "retrieved_at": at,
        "author_username": username,
        "author_followers_count": followers,
        **more,
    }


def expected_users(spark, rows: List[tuple]):
    unknown = (-1, "unknown", "unknown", None, None, None, None)
    return keyed(spark, USER_SCHEMA, [*rows, unknown], "user_key", "user_id").withColumn(
        "user_key", F.when(F.col("user_id") == "unknown", -1).otherwise(F.col("user_key"))
    )


@pytest.fixture(scope="module")
def first_users(spark):
    batch = stg_rows(
        spark,
        seen(ADA, T1, "ada_old", 10, author_location="London"),
        seen(ADA, T2, "ada_codes", 12, author_location="London"),
        seen(BOB, T1, "bob_gpt", 7),
        seen(None, T2, None, None),  # an imported tweet without an author
    )
    users = build_dim_users(batch).cache()
    yield users
    users.unpersist()


def test_dim_users_takes_the_latest_attributes_and_the_first_sighting(spark, first_users):
    assert_same(
        first_users.select(*USER_VIEW),
        expected_users(
            spark,
            [
                (0, ADA, "ada_codes", "London", 12, T1, T2),
                (0, BOB, "bob_gpt", None, 7, T1, T1),
            ],
        ),
    )


def test_dim_users_merge_keeps_the_earliest_first_seen_and_the_latest_attributes(spark, first_users):
    later = stg_rows(
        spark, seen(ADA, T3, "ada_codes", 15), seen(CAROL, T3, "carol", 1), seen(None, T3, None, None)
    )

    merged = build_dim_users(later, first_users)

    assert_same(
        merged.select(*USER_VIEW),
        expected_users(
            spark,
            [
                (0, ADA, "ada_codes", None, 15, T1, T3),
                (0, BOB, "bob_gpt", None, 7, T1, T1),
                (0, CAROL, "carol", None, 1, T3, T3),
            ],
        ),
    )


def test_dim_users_loading_an_older_batch_later_does_not_roll_attributes_back(spark, first_users):
    older = stg_rows(spark, seen(ADA, datetime(2022, 12, 1, tzinfo=UTC), "ada_1990", 2))

    merged = build_dim_users(older, first_users)

    assert_same(
        merged.select(*USER_VIEW),
        expected_users(
            spark,
            [
                (0, ADA, "ada_codes", "London", 12, datetime(2022, 12, 1, tzinfo=UTC), T2),
                (0, BOB, "bob_gpt", None, 7, T1, T1),
            ],
        ),
    )


def test_dim_users_same_instant_goes_to_the_snapshot_with_more_tweets(spark):
    batch = stg_rows(
        spark,
        seen(ADA, T1, "ada_before", 10, author_tweet_count=67),
        seen(ADA, T1, "ada_after", 11, author_tweet_count=68),
        seen(ADA, None, "ada_undated", 99, author_tweet_count=99),
    )

    actual = build_dim_users(batch).select(*USER_VIEW)

    assert_same(actual, expected_users(spark, [(0, ADA, "ada_after", None, 11, T1, T1)]))


def test_dim_users_merging_the_same_batch_again_changes_nothing(spark, first_users):
    batch = stg_rows(
        spark, seen(ADA, T3, "ada_codes", 15), seen(CAROL, T3, "carol", 1), seen(None, T3, None, None)
    )
    once = build_dim_users(batch, first_users)

    twice = build_dim_users(batch, once)

    assert_df_equality(in_order(twice), in_order(once))


# dim_hashtags ----------------------------------------------------------------------------------

HASHTAG_SCHEMA = "hashtag_key bigint, hashtag string, first_seen_date date"


def test_dim_hashtags_has_each_tag_once_with_its_first_day_merged_with_the_existing(spark):
    first = stg_rows(
        spark,
        {"hashtags": ["chatgpt", "ai"], "created_date": date(2022, 12, 5)},
        {"hashtags": ["chatgpt"], "created_date": date(2022, 12, 3)},
        {"hashtags": ["gpt4"], "created_date": None},
        {"hashtags": [], "created_date": date(2022, 12, 1)},
    )
    existing = build_dim_hashtags(first)
    second = stg_rows(spark, {"hashtags": ["ai", "openai"], "created_date": date(2022, 12, 4)})

    merged = build_dim_hashtags(second, existing)

    rows = [
        ("chatgpt", date(2022, 12, 3)),
        ("ai", date(2022, 12, 4)),
        ("gpt4", None),
        ("openai", date(2022, 12, 4)),
    ]
    expected = keyed(spark, "hashtag string, first_seen_date date", rows, "hashtag_key", "hashtag")
    unknown = spark.createDataFrame([(-1, "unknown", None)], HASHTAG_SCHEMA)
    assert_same(merged, expected.unionByName(unknown))
    assert_df_equality(in_order(build_dim_hashtags(second, merged)), in_order(merged))


# dim_sources -----------------------------------------------------------------------------------


def test_dim_sources_parses_each_label_once_and_keeps_existing_labels(spark):
    existing = build_dim_sources(stg_rows(spark, {"source": "Buffer"}))
    batch = stg_rows(
        spark,
        {"source": "Twitter for iPhone"},
        {"source": "Twitter for iPhone"},
        {"source": "IFTTT"},
        {"source": None},
    )

    merged = build_dim_sources(batch, existing)

    rows = [
        ("Twitter for iPhone", "Twitter app", "iPhone", "iOS", False),
        ("IFTTT", "Automation", "Server", "unknown", True),
        ("Buffer", "Scheduler", "Server", "unknown", True),
    ]
    schema = "source_name string, client string, device string, os string, is_automated boolean"
    expected = keyed(spark, schema, rows, "source_key", "source_name")
    unknown = spark.createDataFrame(
        [(-1, "unknown", "unknown", "unknown", "unknown", None)], f"source_key bigint, {schema}"
    )
    assert_same(merged, expected.unionByName(unknown))


# dim_locations ---------------------------------------------------------------------------------

LOCATION_SCHEMA = (
    "location_source string, place_id string, location_name string, country string, country_code string,"
    " place_type string"
)
LONDON_PLACE = {
    "place_id": "3eb2c704fe8a50cb",
    "place_full_name": "London, England",
    "place_country": "United Kingdom",
    "place_country_code": "GB",
    "place_type": "city",
}


def expected_locations(spark, rows: List[tuple]):
    natural = F.when(F.col("location_source") == "place", F.col("place_id")).otherwise(
        F.lower("location_name")
    )
    df = spark.createDataFrame(rows, LOCATION_SCHEMA)
    members = df.withColumn("location_key", surrogate_key(natural, F.col("location_source")))
    unknown = spark.createDataFrame(
        [(-1, "unknown", None, "unknown", None, None, None)], f"location_key bigint, {LOCATION_SCHEMA}"
    )
    return members.unionByName(unknown)


@pytest.fixture(scope="module")
def location_batch(spark):
    return stg_rows(
        spark,
        # A tagged place wins over the author's profile text.
        {**LONDON_PLACE, "author_location": "Paris"},
        {"author_location": "London"},
        {"author_location": " london "},
        {"author_location": "LONDON"},
        {"author_location": "   "},
        # The same place once without its includes entry: the complete description is kept.
        {"place_id": "07d9cd6afd884001"},
        {
            "place_id": "07d9cd6afd884001",
            "place_full_name": "Paris, France",
            "place_country": "France",
            "place_country_code": "FR",
            "place_type": "city",
        },
        {},
    )


def test_dim_locations_place_else_case_folded_profile_text_else_unknown(spark, location_batch):
    actual = build_dim_locations(location_batch)

    assert_same(
        actual,
        expected_locations(
            spark,
            [
                ("place", "3eb2c704fe8a50cb", "London, England", "United Kingdom", "GB", "city"),
                ("place", "07d9cd6afd884001", "Paris, France", "France", "FR", "city"),
                # "London", " london " and "LONDON" are one member; its name is the first spelling.
                ("user_profile", None, "LONDON", None, None, None),
            ],
        ),
    )


def test_dim_locations_merging_the_same_batch_again_changes_nothing(spark, location_batch):
    once = build_dim_locations(location_batch)

    assert_df_equality(in_order(build_dim_locations(location_batch, once)), in_order(once))


# dim_languages ---------------------------------------------------------------------------------


def test_dim_languages_has_the_seed_list_plus_every_code_seen(spark):
    seed = spark.createDataFrame(
        [("en", "English"), ("ja", "Japanese"), ("und", "Undetermined")],
        "language_code string, language_name string",
    )
    existing = build_dim_languages(seed, stg_rows(spark, {"lang": "qht"}))
    batch = stg_rows(spark, {"lang": "en"}, {"lang": "xx-new"}, {"lang": "und"}, {"lang": None})

    merged = build_dim_languages(seed, batch, existing)

    rows = [
        ("en", "English"),
        ("ja", "Japanese"),
        ("und", "Undetermined"),
        ("qht", "qht"),
        ("xx-new", "xx-new"),
        ("unknown", "unknown"),
    ]
    expected = keyed(
        spark, "language_code string, language_name string", rows, "language_key", "language_code"
    )
    expected = expected.withColumn(
        "language_key", F.when(F.col("language_code") == "unknown", -1).otherwise(F.col("language_key"))
    )
    assert_same(merged, expected)


# dim_dates and dim_times -----------------------------------------------------------------------

DATE_SCHEMA = (
    "date_key int, full_date date, year int, quarter int, month int, month_name string, day_of_month int,"
    " day_of_week int, day_name string, week_of_year int, is_weekend boolean"
)


def test_dim_dates_has_calendar_attributes_and_an_unknown_day(spark):
    days = [date(2022, 12, 5), date(2022, 12, 10), date(2022, 12, 11), date(2024, 2, 29), date(2021, 1, 1)]
    days_df = spark.createDataFrame([(day,) for day in days], "full_date date")

    actual = build_dim_dates(days_df)

    rows = [
        (20221205, date(2022, 12, 5), 2022, 4, 12, "December", 5, 1, "Monday", 49, False),
        (20221210, date(2022, 12, 10), 2022, 4, 12, "December", 10, 6, "Saturday", 49, True),
        (20221211, date(2022, 12, 11), 2022, 4, 12, "December", 11, 7, "Sunday", 49, True),
        (20240229, date(2024, 2, 29), 2024, 1, 2, "February", 29, 4, "Thursday", 9, False),
        # ISO weeks: 1 January 2021 belongs to week 53 of 2020.
        (20210101, date(2021, 1, 1), 2021, 1, 1, "January", 1, 5, "Friday", 53, False),
        (-1, None, None, None, None, "unknown", None, None, "unknown", None, None),
    ]
    assert_same(actual, spark.createDataFrame(rows, DATE_SCHEMA))


def test_dim_times_has_one_row_per_minute_with_day_parts(spark):
    minutes = spark.createDataFrame(
        [(m,) for m in (0, 359, 360, 719, 720, 1079, 1080, 1439)], "minute_of_day int"
    )

    actual = build_dim_times(minutes)

    rows = [
        (0, 0, 0, "night"),
        (559, 5, 59, "night"),
        (600, 6, 0, "morning"),
        (1159, 11, 59, "morning"),
        (1200, 12, 0, "afternoon"),
        (1759, 17, 59, "afternoon"),
        (1800, 18, 0, "evening"),
        (2359, 23, 59, "evening"),
        (-1, None, None, "unknown"),
    ]
    assert_same(actual, spark.createDataFrame(rows, "time_key int, hour int, minute int, day_part string"))


def test_dim_times_over_a_whole_day_has_unique_keys(spark):
    whole_day = spark.range(24 * 60).select(F.col("id").cast("int").alias("minute_of_day"))

    counts = build_dim_times(whole_day).agg(
        F.count("*").alias("rows"), F.countDistinct("time_key").alias("keys")
    )

    assert counts.first().asDict() == {"rows": 24 * 60 + 1, "keys": 24 * 60 + 1}
