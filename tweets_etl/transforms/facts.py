"""Fact and bridge builders: foreign keys are computed from natural keys, never looked up."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from tweets_etl.tables import BRIDGE_TWEET_ASPECTS, BRIDGE_TWEET_HASHTAGS, FCT_TWEETS
from tweets_etl.transforms.dimensions import location_key
from tweets_etl.transforms.keys import date_key, surrogate_key, time_key

# The public metrics a tweet earns itself; engagement is the sum of the first four.
INTERACTIONS = ("like_count", "retweet_count", "reply_count", "quote_count")
OWN_MEASURES = (*INTERACTIONS, "bookmark_count", "impression_count")


def build_fct_tweets(stg_df: DataFrame, enrichment_df: DataFrame) -> DataFrame:
    """``stg_df``: stg_tweets rows; ``enrichment_df``: their int_tweets_enriched rows.
    Grain: one row per staged tweet. Columns: ``fct_tweets``.

    Each side is reduced to the fact's keys and measures before the two are joined on tweet_id, so
    the join moves and sorts narrow rows.
    """
    # X API v2 gives a retweet its original's public metrics: summed over tweets, they would count the
    # original once per retweet collected. They do not apply to the retweet, so they are null there
    # (SUM and AVG skip them); the original's own row, when collected, carries them once.
    is_retweet = F.col("tweet_type") == "retweet"

    def own(name: str) -> Column:
        return F.when(is_retweet, F.lit(None).cast("bigint")).otherwise(F.col(name))

    interactions = [own(name) for name in INTERACTIONS]
    engagement = F.when(
        interactions[0].isNotNull(), sum(F.coalesce(count, F.lit(0)) for count in interactions)
    ).cast("bigint")
    impressions = own("impression_count")
    tweets = stg_df.select(
        "tweet_id",
        date_key(F.col("created_at")).alias("date_key"),
        time_key(F.col("created_at")).alias("time_key"),
        surrogate_key(F.col("author_id")).alias("user_key"),
        surrogate_key(F.col("source")).alias("source_key"),
        location_key(F.col("place_id"), F.col("author_location")).alias("location_key"),
        surrogate_key(F.col("lang")).alias("language_key"),
        surrogate_key(F.col("tweet_type")).alias("tweet_type_key"),
        "created_at",
        *[own(name).alias(name) for name in OWN_MEASURES],
        engagement.alias("engagement_count"),
        F.when(impressions > 0, engagement / impressions).alias("engagement_rate"),
        "author_followers_count",
        F.size("hashtags").alias("hashtag_count"),
        F.size("mentions").alias("mention_count"),
        F.size("urls").alias("url_count"),
        "has_media",
        is_retweet.alias("is_retweet"),
        "retrieved_at",
        "batch_id",
        "created_date",
    )
    judgements = enrichment_df.select(
        "tweet_id",
        "sentiment_band",
        "feedback_type",
        F.col("sentiment_compound").alias("sentiment_score"),
        "sentiment_positive",
        "sentiment_neutral",
        "sentiment_negative",
        F.size(F.coalesce("aspects", F.array())).alias("_aspect_count"),
        "is_spam",
    )
    # left: a tweet that lost its enrichment still gets its fact row (unknown members, null
    # measures), and the check stage's relationship gates name the gap.
    fct = tweets.join(judgements, on="tweet_id", how="left").select(
        "*",
        surrogate_key(F.col("sentiment_band")).alias("sentiment_key"),
        surrogate_key(F.col("feedback_type")).alias("feedback_type_key"),
        F.coalesce(F.col("_aspect_count"), F.lit(0)).alias("aspect_count"),
    )
    return fct.select(*FCT_TWEETS.columns)


def build_bridge_tweet_hashtags(stg_df: DataFrame) -> DataFrame:
    """Grain: one row per (tweet, hashtag)."""
    bridge = stg_df.select("tweet_id", F.explode("hashtags").alias("hashtag"), "created_date").select(
        "tweet_id", surrogate_key(F.col("hashtag")).alias("hashtag_key"), "created_date"
    )
    return bridge.select(*BRIDGE_TWEET_HASHTAGS.columns)


def build_bridge_tweet_aspects(enrichment_df: DataFrame) -> DataFrame:
    """``enrichment_df``: int_tweets_enriched rows. Grain: one row per (tweet, aspect)."""
    bridge = enrichment_df.select("tweet_id", F.explode("aspects").alias("aspect"), "created_date").select(
        "tweet_id", surrogate_key(F.col("aspect")).alias("aspect_key"), "created_date"
    )
    return bridge.select(*BRIDGE_TWEET_ASPECTS.columns)
