"""Raw lines -> raw records: one row per tweet occurrence, or per line/page/tweet that cannot be used.

This is the only pass over the raw JSON. Each line is parsed once with the declared page schema;
only lines that do not fit it (a filtered-stream line whose ``data`` is one object, a field of the
wrong type, broken JSON) are parsed again, tweet by tweet, so the culprit is named precisely.

Page-local ``includes`` (author, place, referenced tweet, media) are matched onto each tweet by
looking the id up in the page's arrays (a page holds at most 100 of each): far cheaper than a join
with a shuffle. Author, place and referenced tweet are looked up right after the explode, in
compiled code. Media types take a lambda (a tweet has several keys), and Spark 3.5 cannot compile a
lambda into a whole stage: after the explode, it would keep Spark from fusing the explode with the
lookups, and every tweet would be copied with its page's whole includes (1M tweets: parsing,
flattening and writing took 20.9 s instead of 16.6-17.8 s). So media types are found per page
before the explode, a list per tweet position.

Every input line ends in at least one row, so nothing can be dropped silently: a usable tweet has
``reject_reason`` null; everything else carries a reason code (:data:`REJECT_REASONS`) and, for
inspection, the raw text it came from.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.schemas import (
    CORRUPT_RECORD,
    JSON_OPTIONS,
    RAW_PAGE,
    RAW_PAGE_PROBE,
    TWEET_WITH_CORRUPT,
)

REJECT_REASONS = {
    "malformed_json": "the line is not valid JSON (e.g. truncated)",
    "not_a_page": "valid JSON, but not an API response object",
    "errors_only": "an API response with errors and no tweets",
    "empty_page": "an API response with no tweets (e.g. result_count 0)",
    "wrong_type": "a tweet field has the wrong JSON type",
    "missing_id": "a tweet without an id",
    "invalid_id": "a tweet id that is not a 64-bit decimal integer (e.g. a float)",
    "missing_text": "a tweet without text",
    "missing_created_at": "a tweet without a creation time: none sent, and an id too old to hold one",
    "unreadable_file": "part of a file could not be read (e.g. a truncated gzip)",
}
_VALID_ID = r"^[0-9]{1,19}$"


def parse_raw_lines(lines_df: DataFrame, *, batch_id: str) -> DataFrame:
    """Parse raw lines into raw records.

    Input: ``value`` (one line of a raw file) and ``source_file`` (its file name).
    Grain of the output: one row per tweet occurrence, plus one row per unusable line, page or tweet.
    Output columns: see the final ``select``; ``tweet``, ``author``, ``place`` and
    ``referenced_tweet`` are the API's own objects, untouched apart from the declared schema.
    """
    parsed = lines_df.where(F.trim("value") != "").select(
        "value",
        "source_file",
        F.from_json("value", RAW_PAGE, JSON_OPTIONS).alias("page"),
    )
    fitted = F.col(f"page.{CORRUPT_RECORD}").isNull()
    # The probe is computed only for lines that did not fit, so well-formed pages are parsed once.
    pages = parsed.select(
        "*", F.when(~fitted, F.from_json("value", RAW_PAGE_PROBE, JSON_OPTIONS)).alias("probe")
    )
    probe = F.col("probe")
    with_tweets = pages.select(
        "*",
        F.when(fitted, F.col("page.data")).otherwise(_reparse_tweets(probe.data)).alias("tweets"),
    )
    tweets = F.col("tweets")
    page_reason = (
        F.when(F.size(F.coalesce(tweets, F.array())) > 0, F.lit(None))
        # A JSON array or scalar fails the page schema too, but it is valid JSON: not_a_page, below.
        .when(
            probe[CORRUPT_RECORD].isNotNull() & F.get_json_object("value", "$").isNull(),
            F.lit("malformed_json"),
        )
        .when(F.col("page.errors").isNotNull() | probe.errors.isNotNull(), F.lit("errors_only"))
        .when(
            F.col("page.data").isNotNull()
            | F.col("page.meta").isNotNull()
            | probe.data.isNotNull()
            | probe.meta.isNotNull(),
            F.lit("empty_page"),
        )
        .otherwise(F.lit("not_a_page"))
    )
    per_page = with_tweets.select(
        "source_file",
        F.xxhash64("value").alias("page_id"),
        F.to_timestamp("page.__twarc.retrieved_at").alias("retrieved_at"),
        F.col("page.__twarc.query_id").alias("query_id"),
        F.col("page.__twarc.producer").alias("producer"),
        page_reason.alias("page_reason"),
        F.when(page_reason.isNotNull(), F.col("value")).alias("page_raw"),
        F.when(page_reason.isNull(), tweets).alias("tweets"),
        F.col("page.includes").alias("includes"),
        F.when(page_reason.isNull(), _media_types_by_position(tweets, F.col("page.includes.media"))).alias(
            "media_types_by_position"
        ),
    )
    exploded = per_page.select("*", F.posexplode_outer("tweets").alias("tweet_position", "tweet"))
    tweet = F.col("tweet")
    # No lambda in this select: it compiles into one stage with the explode (see the module's
    # docstring). The includes are never written out.
    judged = exploded.select(
        "*",
        _match_by_id("includes.users", tweet.author_id).alias("author"),
        _match_by_id("includes.places", tweet.geo.place_id).alias("place"),
        _match_by_id("includes.tweets", referenced_id(tweet, "retweeted", "quoted")).alias(
            "referenced_tweet"
        ),
        F.coalesce(F.get("media_types_by_position", "tweet_position"), _no_strings()).alias("media_types"),
        F.coalesce(F.col("page_reason"), _tweet_reject_reason(tweet)).alias("reject_reason"),
    )
    reject_reason = F.col("reject_reason")
    return judged.select(
        F.lit(batch_id).alias("batch_id"),
        "source_file",
        "page_id",
        F.coalesce("tweet_position", F.lit(0)).alias("tweet_position"),
        "retrieved_at",
        "query_id",
        "producer",
        tweet.id.alias("tweet_id"),
        tweet.dropFields(CORRUPT_RECORD).alias("tweet"),
        "author",
        "place",
        "referenced_tweet",
        "media_types",
        reject_reason,
        _reject_detail(reject_reason).alias("reject_detail"),
        F.when(F.col("page_reason").isNotNull(), F.col("page_raw"))
        .when(reject_reason.isNotNull(), F.coalesce(tweet[CORRUPT_RECORD], F.to_json(tweet)))
        .alias("raw_record"),
    )


def referenced_id(tweet: Column, *types: str) -> Column:
    """Id of the first referenced tweet of the given types, in the order given (null if none)."""
    candidates = [_first_reference(tweet.referenced_tweets, kind) for kind in types]
    return F.coalesce(*candidates) if len(candidates) > 1 else candidates[0]


def _first_reference(references: Column, kind: str) -> Column:
    return _first_where(references, "type", F.lit(kind)).id


def _reparse_tweets(data_json: Column) -> Column:
    """Parse a page's raw ``data`` text tweet by tweet; a single object becomes a list of one."""
    as_list = F.when(
        F.ltrim(data_json).startswith("["), F.from_json(data_json, T.ArrayType(T.StringType()))
    ).when(F.ltrim(data_json).startswith("{"), F.array(data_json))
    return F.transform(as_list, lambda text: F.from_json(text, TWEET_WITH_CORRUPT, JSON_OPTIONS))


def _tweet_reject_reason(tweet: Column) -> Column:
    # missing_created_at is decided in staging.flatten_records, where the creation time is computed.
    return (
        F.when(tweet[CORRUPT_RECORD].isNotNull(), F.lit("wrong_type"))
        .when(tweet.id.isNull() | (F.trim(tweet.id) == ""), F.lit("missing_id"))
        .when(~tweet.id.rlike(_VALID_ID) | tweet.id.cast(T.LongType()).isNull(), F.lit("invalid_id"))
        .when(tweet.text.isNull() & tweet.note_tweet.text.isNull(), F.lit("missing_text"))
    )


def _reject_detail(reason: Column) -> Column:
    return F.create_map(*[F.lit(part) for pair in REJECT_REASONS.items() for part in pair])[reason]


def _match_by_id(objects: str, wanted_id: Column) -> Column:
    """The first page-local ``includes`` object whose id is ``wanted_id`` (null when absent)."""
    return _first_where(F.col(objects), "id", wanted_id)


def _first_where(structs: Column, field: str, value: Column) -> Column:
    """The first struct of an array whose ``field`` equals ``value``; null when none does.
    array_position is 1-based and 0 when absent; get is 0-based and null out of bounds."""
    return F.get(structs, _position(structs[field], value) - 1)


def _position(values: Column, value: Column) -> Column:
    # F.array_position takes a Python value only; the SQL function takes any expression.
    return F.call_function("array_position", values, value)


def _no_strings() -> Column:
    return F.array().cast(T.ArrayType(T.StringType()))


def _media_types_by_position(tweets: Column, media: Column) -> Column:
    """The media types of each tweet of a page, in the page's order (``media``: its includes.media)."""
    return F.transform(tweets, lambda tweet: _media_types(tweet, media))


def _media_types(tweet: Column, media: Column) -> Column:
    keys = F.coalesce(tweet.attachments.media_keys, _no_strings())
    types = F.transform(keys, lambda key: F.get(media.type, _position(media.media_key, key) - 1))
    # A page without media sends no includes.media: its tweets have no media, which is not unknown.
    return F.coalesce(F.array_distinct(F.array_compact(types)), _no_strings())
