"""Parsed raw records -> typed, cleaned tweet occurrences, then one row per tweet_id.

Every missing value is handled on purpose:

- ``created_at`` missing or unparseable: read from the snowflake id (``created_at_source`` says so).
- ``lang`` missing: ``und``, the API's own code for "undetermined".
- Retweets: the API truncates their text, so the full text comes from the retweeted tweet in
  ``includes`` (its ``note_tweet`` if long); when the original is not included (deleted or
  protected), the truncated text stays and ``text_source`` is ``truncated_retweet``.
- Hashtags, mentions and URLs come from ``entities`` when the API sent them, else from the text by
  regex (imports of CSV exports have no entities).
- Metrics and author attributes stay null when the API did not send them: unknown is not zero.
"""

from __future__ import annotations

from typing import Optional

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from tweets_etl.reference_data import TWEET_TYPE_DESCRIPTIONS
from tweets_etl.tables import RAW_RECORDS, STG_TWEETS
from tweets_etl.transforms.ingest import REJECT_REASONS, referenced_id
from tweets_etl.transforms.text import (
    HASHTAG_PATTERN,
    MENTION_PATTERN,
    URL_PATTERN,
    blank_to_null,
    created_at,
    extract_all,
    lower_distinct,
    unescape_html,
)

TWEET_TYPES = tuple(TWEET_TYPE_DESCRIPTIONS)  # original, retweet, quote, reply


def dedupe_order() -> tuple:
    """Latest retrieved_at wins. Ties (the same tweet collected twice in one second) go to the later
    file name, then the page with the larger content hash, then the first position on the page,
    then the larger batch id (one file loaded again with a later batch differs only there):
    arbitrary but total, so every run picks the same row."""
    return (
        F.col("retrieved_at").desc_nulls_last(),
        F.col("source_file").desc(),
        F.col("page_id").desc(),
        F.col("tweet_position").asc(),
        F.col("batch_id").desc(),
    )


def stage_tweets(parsed_df: DataFrame) -> DataFrame:
    """Parsed raw records (``parse_raw_lines``) -> staged tweet occurrences, not yet deduplicated.

    Grain: one row per accepted tweet occurrence. Output: the ``stg_tweets`` columns.
    """
    records = flatten_records(parsed_df)
    return records.where(F.col("reject_reason").isNull()).select(*STG_TWEETS.columns)


def flatten_records(parsed_df: DataFrame) -> DataFrame:
    """Parsed raw records -> typed, flat records, rejects included (the ``raw_records`` columns); a
    tweet without any creation time becomes a ``missing_created_at`` reject here.

    Flattening right after parsing means the API's nested objects are read once and never stored:
    every later stage reads narrow typed columns. The raw files stay the untouched record.
    """
    tweet, author, place, ref = F.col("tweet"), F.col("author"), F.col("place"), F.col("referenced_tweet")
    retweeted_id = referenced_id(tweet, "retweeted")
    is_retweet = retweeted_id.isNotNull()
    retweeted_text = F.when(is_retweet, F.coalesce(ref.note_tweet.text, ref.text))
    entities = F.when(
        is_retweet & ref.isNotNull(), F.coalesce(ref.note_tweet.entities, ref.entities)
    ).otherwise(F.coalesce(tweet.note_tweet.entities, tweet.entities))
    text = unescape_html(F.coalesce(retweeted_text, tweet.note_tweet.text, tweet.text))
    metrics = tweet.public_metrics
    created = created_at(tweet)
    # A tweet with no creation time would have no date partition, which no later stage reads: it is
    # quarantined. Decided here, where the time is computed anyway (a second parse of every tweet's
    # created_at in ingest's reject rules cost 7% of parse and flatten).
    undated = F.col("reject_reason").isNull() & created.isNull()
    flat = parsed_df.select(
        tweet.id.alias("tweet_id"),
        created.alias("created_at"),
        F.when(F.to_timestamp(tweet.created_at).isNotNull(), "api")
        .otherwise("snowflake_id")
        .alias("created_at_source"),
        blank_to_null(tweet.author_id).alias("author_id"),
        tweet.conversation_id.alias("conversation_id"),
        tweet.in_reply_to_user_id.alias("in_reply_to_user_id"),
        _tweet_type(tweet).alias("tweet_type"),
        retweeted_id.alias("retweeted_tweet_id"),
        referenced_id(tweet, "quoted").alias("quoted_tweet_id"),
        referenced_id(tweet, "replied_to").alias("replied_to_tweet_id"),
        F.coalesce(blank_to_null(F.lower(tweet.lang)), F.lit("und")).alias("lang"),
        blank_to_null(tweet.source).alias("source"),
        text.alias("text"),
        F.when(retweeted_text.isNotNull(), "retweeted_tweet")
        .when(tweet.note_tweet.text.isNotNull(), "note_tweet")
        .when(is_retweet, "truncated_retweet")
        .otherwise("text")
        .alias("text_source"),
        _entity_values(entities.hashtags, "tag", text, HASHTAG_PATTERN, entities).alias("hashtags"),
        _entity_values(entities.mentions, "username", text, MENTION_PATTERN, entities).alias("mentions"),
        _urls(entities, text).alias("urls"),
        F.col("media_types"),
        (F.size("media_types") > 0).alias("has_media"),
        tweet.possibly_sensitive.alias("possibly_sensitive"),
        metrics.like_count.alias("like_count"),
        metrics.retweet_count.alias("retweet_count"),
        metrics.reply_count.alias("reply_count"),
        metrics.quote_count.alias("quote_count"),
        metrics.bookmark_count.alias("bookmark_count"),
        metrics.impression_count.alias("impression_count"),
        author.username.alias("author_username"),
        author["name"].alias("author_name"),
        blank_to_null(unescape_html(author.description)).alias("author_description"),
        blank_to_null(author.location).alias("author_location"),
        F.to_timestamp(author.created_at).alias("author_created_at"),
        author.verified.alias("author_verified"),
        author.verified_type.alias("author_verified_type"),
        author.protected.alias("author_protected"),
        author.public_metrics.followers_count.alias("author_followers_count"),
        author.public_metrics.following_count.alias("author_following_count"),
        author.public_metrics.tweet_count.alias("author_tweet_count"),
        author.public_metrics.listed_count.alias("author_listed_count"),
        tweet.geo.place_id.alias("place_id"),
        place.full_name.alias("place_full_name"),
        place["name"].alias("place_name"),
        place.country.alias("place_country"),
        place.country_code.alias("place_country_code"),
        place.place_type.alias("place_type"),
        "retrieved_at",
        "query_id",
        "batch_id",
        "source_file",
        "page_id",
        "tweet_position",
        F.to_date(created).alias("created_date"),
        "producer",
        F.when(undated, F.lit("missing_created_at")).otherwise(F.col("reject_reason")).alias("reject_reason"),
        F.when(undated, F.lit(REJECT_REASONS["missing_created_at"]))
        .otherwise(F.col("reject_detail"))
        .alias("reject_detail"),
        F.when(undated, F.to_json(tweet)).otherwise(F.col("raw_record")).alias("raw_record"),
    )
    return flat.select(*RAW_RECORDS.columns)


def dedupe_tweets(df: DataFrame, *, repeated_ids: Optional[DataFrame] = None) -> DataFrame:
    """Keep one row per ``tweet_id``: the latest ``retrieved_at`` wins (tie-breakers: dedupe_order).

    Grain: one row per tweet_id. Columns: unchanged.

    ``repeated_ids`` (optional, from :func:`repeated_tweet_ids`, small enough to broadcast): only
    the rows of those ids are ranked and every other row passes straight through, so the wide rows
    of a batch are neither shuffled nor sorted. Without it every row is ranked over a window.
    """
    window = Window.partitionBy("tweet_id").orderBy(*dedupe_order())
    if repeated_ids is None:
        return _latest(df, window)
    repeated = F.broadcast(repeated_ids.select(F.col("tweet_id").alias("_repeated_id")))
    # Null-safe, so rows without an id are ranked among themselves, as over the window.
    is_repeated = F.col("tweet_id").eqNullSafe(F.col("_repeated_id"))
    once = df.join(repeated, is_repeated, how="left_anti")
    return once.unionByName(_latest(df.join(repeated, is_repeated, how="left_semi"), window))


def repeated_tweet_ids(df: DataFrame) -> DataFrame:
    """The ``tweet_id`` values that occur in more than one row of ``df`` (one aggregation of ids)."""
    return df.groupBy("tweet_id").count().where(F.col("count") > 1).select("tweet_id")


def _latest(df: DataFrame, window: Window) -> DataFrame:
    return df.withColumn("_rank", F.row_number().over(window)).where(F.col("_rank") == 1).select(*df.columns)


def _tweet_type(tweet: Column) -> Column:
    """Retweet over reply over quote: a retweet's own text is not the author's, a reply is a conversation."""
    return (
        F.when(referenced_id(tweet, "retweeted").isNotNull(), "retweet")
        .when(referenced_id(tweet, "replied_to").isNotNull(), "reply")
        .when(referenced_id(tweet, "quoted").isNotNull(), "quote")
        .otherwise("original")
    )


def _entity_values(items: Column, field: str, text: Column, pattern: str, entities: Column) -> Column:
    from_entities = items[field]  # the field of every struct in the array, no lambda
    return lower_distinct(F.when(entities.isNotNull(), from_entities).otherwise(extract_all(text, pattern)))


def _urls(entities: Column, text: Column) -> Column:
    # Mind the lambda before removing it: it keeps flatten_records' select out of whole-stage code
    # generation, and that select compiled whole is a method too big for HotSpot to compile, so it
    # would run interpreted (1M tweets, no-op sink: 17.5 s against 13.3-13.7 s). See the README.
    from_entities = F.transform(entities.urls, lambda url: F.coalesce(url.expanded_url, url.url))
    chosen = F.when(entities.isNotNull(), from_entities).otherwise(extract_all(text, URL_PATTERN, 0))
    return F.array_distinct(F.array_compact(F.coalesce(chosen, F.array())))
