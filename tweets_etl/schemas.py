"""Explicit schemas: the raw X API v2 page as read (never inferred), and every warehouse table.

Raw ids are strings: the API sends them as strings, and a JSON number read as a double would lose
digits (a known pain of CSV and pandas pipelines). Table columns carry their comment in the field
metadata, which becomes the Hive column comment.
"""

from __future__ import annotations

from pyspark.sql import types as T

from tweets_etl.rawfiles import PROVENANCE_KEY

CORRUPT_RECORD = "_corrupt_record"


def _fields(*specs: tuple) -> T.StructType:
    return T.StructType([T.StructField(name, kind, True) for name, kind in specs])


PUBLIC_METRICS = _fields(
    ("retweet_count", T.LongType()),
    ("reply_count", T.LongType()),
    ("like_count", T.LongType()),
    ("quote_count", T.LongType()),
    ("bookmark_count", T.LongType()),
    ("impression_count", T.LongType()),
)

ENTITIES = _fields(
    ("hashtags", T.ArrayType(_fields(("tag", T.StringType())))),
    ("mentions", T.ArrayType(_fields(("username", T.StringType()), ("id", T.StringType())))),
    ("urls", T.ArrayType(_fields(("url", T.StringType()), ("expanded_url", T.StringType())))),
    ("cashtags", T.ArrayType(_fields(("tag", T.StringType())))),
)

TWEET = _fields(
    ("id", T.StringType()),
    ("text", T.StringType()),
    ("created_at", T.StringType()),
    ("author_id", T.StringType()),
    ("conversation_id", T.StringType()),
    ("in_reply_to_user_id", T.StringType()),
    ("lang", T.StringType()),
    ("source", T.StringType()),
    ("possibly_sensitive", T.BooleanType()),
    ("referenced_tweets", T.ArrayType(_fields(("type", T.StringType()), ("id", T.StringType())))),
    ("public_metrics", PUBLIC_METRICS),
    ("entities", ENTITIES),
    ("note_tweet", _fields(("text", T.StringType()), ("entities", ENTITIES))),
    ("geo", _fields(("place_id", T.StringType()))),
    ("attachments", _fields(("media_keys", T.ArrayType(T.StringType())))),
)

# A tweet with the corrupt-record column. Parsed on its own (only for pages that did not fit the
# schema as a whole), the column says which tweet was at fault. Inside a page that fits it is null
# (no API sends a key of that name), and declaring it there too gives every tweet one struct type
# without rebuilding each well-formed tweet to add it.
TWEET_WITH_CORRUPT = T.StructType([*TWEET.fields, T.StructField(CORRUPT_RECORD, T.StringType(), True)])

# A tweet in a page's includes is read only for what a retweet takes from its original (the full
# text and its entities): the rest of it is skipped by the parser rather than built and dropped.
INCLUDED_TWEET = _fields(
    ("id", T.StringType()),
    ("text", T.StringType()),
    ("entities", ENTITIES),
    ("note_tweet", _fields(("text", T.StringType()), ("entities", ENTITIES))),
)

USER = _fields(
    ("id", T.StringType()),
    ("username", T.StringType()),
    ("name", T.StringType()),
    ("created_at", T.StringType()),
    ("location", T.StringType()),
    ("description", T.StringType()),
    ("verified", T.BooleanType()),
    ("verified_type", T.StringType()),
    ("protected", T.BooleanType()),
    (
        "public_metrics",
        _fields(
            ("followers_count", T.LongType()),
            ("following_count", T.LongType()),
            ("tweet_count", T.LongType()),
            ("listed_count", T.LongType()),
        ),
    ),
)

PLACE = _fields(
    ("id", T.StringType()),
    ("full_name", T.StringType()),
    ("name", T.StringType()),
    ("country", T.StringType()),
    ("country_code", T.StringType()),
    ("place_type", T.StringType()),
)

MEDIA = _fields(("media_key", T.StringType()), ("type", T.StringType()))

PROVENANCE = _fields(
    ("url", T.StringType()),
    ("version", T.StringType()),
    ("retrieved_at", T.StringType()),
    ("producer", T.StringType()),
    ("query_id", T.StringType()),
    ("imported_from", T.StringType()),
)

# One line of a raw file: a search page ("data" is a list) or a filtered-stream line ("data" is one
# tweet object; those lines take the per-tweet path in ingest).
RAW_PAGE = _fields(
    ("data", T.ArrayType(TWEET_WITH_CORRUPT)),
    (
        "includes",
        _fields(
            ("users", T.ArrayType(USER)),
            ("tweets", T.ArrayType(INCLUDED_TWEET)),
            ("places", T.ArrayType(PLACE)),
            ("media", T.ArrayType(MEDIA)),
        ),
    ),
    ("errors", T.ArrayType(_fields(("title", T.StringType()), ("detail", T.StringType())))),
    ("meta", _fields(("result_count", T.LongType()), ("next_token", T.StringType()))),
    (PROVENANCE_KEY, PROVENANCE),
    (CORRUPT_RECORD, T.StringType()),
)

# Declaring "data" as a string keeps its raw JSON text whatever its shape (list or object), which
# is how ingest re-reads a page that did not fit RAW_PAGE.
RAW_PAGE_PROBE = _fields(
    ("data", T.StringType()),
    ("errors", T.StringType()),
    ("meta", T.StringType()),
    (CORRUPT_RECORD, T.StringType()),
)

JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_RECORD}


def column(name: str, kind: T.DataType, comment: str, nullable: bool = True) -> T.StructField:
    """A table column with its Hive comment."""
    return T.StructField(name, kind, nullable, metadata={"comment": comment})
