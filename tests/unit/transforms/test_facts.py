"""fct_tweets and bridge_tweet_hashtags: measures, and foreign keys that land on dimension members."""

from __future__ import annotations

import functools
from datetime import date, datetime, timezone
from typing import Any, Dict

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tests.frames import in_order, stg_rows
from tweets_etl.reference_data import TWEET_TYPE_DESCRIPTIONS
from tweets_etl.tables import FCT_TWEETS, INT_TWEETS_ENRICHED, STG_TWEETS, UNKNOWN_KEY
from tweets_etl.transforms.dimensions import (
    build_dim_dates,
    build_dim_hashtags,
    build_dim_languages,
    build_dim_locations,
    build_dim_sources,
    build_dim_times,
    build_dim_tweet_types,
    build_dim_users,
)
from tweets_etl.transforms.facts import build_bridge_tweet_hashtags, build_fct_tweets
from tweets_etl.transforms.keys import surrogate_key

pytestmark = pytest.mark.spark

UTC = timezone.utc


# What the enrich stage says of each tweet (int_tweets_enriched); the fact joins it to stg_tweets.
ENRICHMENT = T.StructType(
    [field for field in INT_TWEETS_ENRICHED.schema.fields if field.name not in STG_TWEETS.columns]
)
INPUT_SCHEMA = T.StructType(STG_TWEETS.schema.fields + ENRICHMENT.fields)
# Rows that hold both halves; has_media is false unless a row sets it, as the stages leave it.
enriched_rows = functools.partial(stg_rows, schema=INPUT_SCHEMA, has_media=False)


def fct_of(batch):
    """The fact from rows that hold both halves, split as the pipeline stores them."""
    enrichment = batch.select("tweet_id", "created_date", *ENRICHMENT.fieldNames())
    return build_fct_tweets(batch.select(*STG_TWEETS.columns), enrichment)


def assert_rows(spark, actual, schema: str, rows) -> None:
    expected = spark.createDataFrame(rows, schema)
    assert_df_equality(in_order(actual), in_order(expected), ignore_nullable=True, ignore_metadata=True)


def metrics(likes, retweets, replies, quotes, impressions) -> Dict[str, Any]:
    return {
        "like_count": likes,
        "retweet_count": retweets,
        "reply_count": replies,
        "quote_count": quotes,
        "impression_count": impressions,
    }


def test_engagement_is_the_sum_of_interactions_and_its_rate_needs_impressions(spark):
    batch = enriched_rows(
        spark,
        {"tweet_id": "1", **metrics(3, 1, 0, 1, 50)},
        {"tweet_id": "2", **metrics(10, 5, 5, 0, 40)},
        # No impressions yet (0) or not sent (null): the rate is unknown, not infinite or zero.
        {"tweet_id": "3", **metrics(0, 0, 0, 0, 0)},
        {"tweet_id": "4", **metrics(2, 1, 0, 0, None)},
        # Counts the API left out count as none, as long as likes were sent.
        {"tweet_id": "5", **metrics(4, None, None, None, 8)},
        {"tweet_id": "6", **metrics(None, None, None, None, None)},
    )

    actual = fct_of(batch).select("tweet_id", "engagement_count", "engagement_rate")

    assert_rows(
        spark,
        actual,
        "tweet_id string, engagement_count bigint, engagement_rate double",
        [
            ("1", 5, 0.1),
            ("2", 20, 0.5),
            ("3", 0, None),
            ("4", 3, None),
            ("5", 4, 0.5),
            ("6", None, None),
        ],
    )


def test_a_retweet_carries_no_interaction_measures_of_its_own(spark):
    # X API v2 gives a retweet its original's public metrics (retweet_count is the original's, the
    # others 0): summed with the original's own row they would count its engagement twice.
    measures = ("like_count", "retweet_count", "reply_count", "quote_count", "bookmark_count")
    batch = enriched_rows(
        spark,
        {"tweet_id": "1", "tweet_type": "original", **metrics(10, 845, 2, 1, 400), "bookmark_count": 3},
        {"tweet_id": "2", "tweet_type": "retweet", **metrics(0, 845, 0, 0, 0), "bookmark_count": 0},
        {"tweet_id": "3", "tweet_type": "retweet", **metrics(0, 845, 0, 0, None)},
        {"tweet_id": "4", "tweet_type": "quote", **metrics(1, 2, 0, 0, 10)},
        # Type unknown: the counts are kept, nothing says they are someone else's.
        {"tweet_id": "5", **metrics(4, 0, 0, 0, 8)},
    )

    fct = fct_of(batch)

    assert_rows(
        spark,
        fct.select("tweet_id", *measures, "impression_count", "engagement_count", "engagement_rate"),
        "tweet_id string, like_count bigint, retweet_count bigint, reply_count bigint, quote_count bigint,"
        " bookmark_count bigint, impression_count bigint, engagement_count bigint, engagement_rate double",
        [
            ("1", 10, 845, 2, 1, 3, 400, 858, 858 / 400),
            ("2", None, None, None, None, None, None, None, None),
            ("3", None, None, None, None, None, None, None, None),
            ("4", 1, 2, 0, 0, None, 10, 3, 0.3),
            ("5", 4, 0, 0, 0, None, 8, 4, 0.5),
        ],
    )
    totals = fct.agg(F.sum("engagement_count"), F.sum("retweet_count"), F.count("engagement_rate")).first()
    assert tuple(totals) == (865, 847, 3)


def test_fact_counts_flags_and_columns(spark):
    batch = enriched_rows(
        spark,
        {
            "tweet_id": "1",
            "tweet_type": "retweet",
            "hashtags": ["chatgpt", "ai"],
            "mentions": ["openai"],
            "urls": [],
            "has_media": True,
            "author_followers_count": 12,
        },
        {"tweet_id": "2", "tweet_type": "original"},
        {"tweet_id": "3"},
    )

    fct = fct_of(batch)

    assert fct.columns == list(FCT_TWEETS.columns)
    assert_rows(
        spark,
        fct.select(
            "tweet_id",
            "hashtag_count",
            "mention_count",
            "url_count",
            "has_media",
            "is_retweet",
            "author_followers_count",
        ),
        "tweet_id string, hashtag_count int, mention_count int, url_count int, has_media boolean,"
        " is_retweet boolean, author_followers_count bigint",
        [
            ("1", 2, 1, 0, True, True, 12),
            ("2", 0, 0, 0, False, False, None),
            ("3", 0, 0, 0, False, None, None),
        ],
    )


def test_a_tweet_without_its_enrichment_keeps_its_fact_row_on_unknown_members(spark):
    batch = enriched_rows(
        spark,
        {"tweet_id": "1", "sentiment_band": "positive", "feedback_type": "praise", "aspects": ["coding"]},
        {"tweet_id": "2", "sentiment_band": "negative", "feedback_type": "complaint", "aspects": ["pricing"]},
    )
    enrichment = batch.where("tweet_id = '1'").select("tweet_id", "created_date", *ENRICHMENT.fieldNames())

    fct = build_fct_tweets(batch.select(*STG_TWEETS.columns), enrichment)

    assert_rows(
        spark,
        fct.select("tweet_id", "sentiment_key", "feedback_type_key", "aspect_count", "is_spam"),
        "tweet_id string, sentiment_key bigint, feedback_type_key bigint, aspect_count int, is_spam boolean",
        [
            ("1", build_key(spark, "positive"), build_key(spark, "praise"), 1, None),
            ("2", UNKNOWN_KEY, UNKNOWN_KEY, 0, None),
        ],
    )


def build_key(spark, natural: str) -> int:
    return spark.range(1).select(surrogate_key(F.lit(natural))).first()[0]


@pytest.fixture(scope="module")
def star_batch(spark):
    at = datetime(2022, 12, 5, 10, tzinfo=UTC)
    return enriched_rows(
        spark,
        {
            "tweet_id": "1",
            "author_id": "1433267766912557062",
            "source": "Twitter for iPhone",
            "place_id": "3eb2c704fe8a50cb",
            "place_full_name": "London, England",
            "lang": "en",
            "tweet_type": "original",
            "created_at": datetime(2022, 12, 5, 9, 59, tzinfo=UTC),
            "created_date": date(2022, 12, 5),
            "hashtags": ["chatgpt", "ai"],
            "retrieved_at": at,
        },
        {
            "tweet_id": "2",
            "author_id": "902035056",
            "author_location": "  London ",
            "lang": "ja",
            "tweet_type": "reply",
            "created_at": datetime(2022, 12, 6, 23, 1, tzinfo=UTC),
            "created_date": date(2022, 12, 6),
            "hashtags": ["chatgpt"],
            "retrieved_at": at,
        },
        # Nothing known: every key must land on the unknown member.
        {"tweet_id": "3"},
    )


def test_fact_keys_are_the_dimension_keys_of_the_same_natural_values(spark, star_batch):
    seed = spark.createDataFrame(
        [("en", "English"), ("und", "Undetermined")], "language_code string, language_name string"
    )
    types = spark.createDataFrame(
        [(name, text, original) for name, (text, original) in TWEET_TYPE_DESCRIPTIONS.items()],
        "tweet_type string, description string, is_original_content boolean",
    )
    days = spark.createDataFrame([(date(2022, 12, 5),), (date(2022, 12, 6),)], "full_date date")
    minutes = spark.createDataFrame([(599,), (1381,)], "minute_of_day int")
    fct = fct_of(star_batch).alias("f")
    dims = {
        "user_key": build_dim_users(star_batch),
        "source_key": build_dim_sources(star_batch),
        "location_key": build_dim_locations(star_batch),
        "language_key": build_dim_languages(seed, star_batch),
        "tweet_type_key": build_dim_tweet_types(types),
        "date_key": build_dim_dates(days),
        "time_key": build_dim_times(minutes),
    }

    joined = fct
    for key, dim in dims.items():
        joined = joined.join(dim.alias(key), on=key, how="inner")
    actual = joined.select(
        "f.tweet_id",
        "user_key.user_id",
        "source_key.source_name",
        "location_key.location_name",
        "language_key.language_code",
        "tweet_type_key.tweet_type",
        "date_key.full_date",
        "time_key.hour",
        "time_key.minute",
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, user_id string, source_name string, location_name string, language_code string,"
        " tweet_type string, full_date date, hour int, minute int",
        [
            (
                "1",
                "1433267766912557062",
                "Twitter for iPhone",
                "London, England",
                "en",
                "original",
                date(2022, 12, 5),
                9,
                59,
            ),
            ("2", "902035056", "unknown", "London", "ja", "reply", date(2022, 12, 6), 23, 1),
            ("3", "unknown", "unknown", "unknown", "unknown", "unknown", None, None, None),
        ],
    )


def test_bridge_has_one_row_per_tweet_hashtag_with_the_dimension_key(spark, star_batch):
    bridge = build_bridge_tweet_hashtags(star_batch)
    hashtags = build_dim_hashtags(star_batch)

    actual = bridge.join(hashtags, on="hashtag_key", how="left").select("tweet_id", "hashtag", "created_date")

    assert bridge.columns == ["tweet_id", "hashtag_key", "created_date"]
    assert_rows(
        spark,
        actual,
        "tweet_id string, hashtag string, created_date date",
        [
            ("1", "chatgpt", date(2022, 12, 5)),
            ("1", "ai", date(2022, 12, 5)),
            ("2", "chatgpt", date(2022, 12, 6)),
        ],
    )
