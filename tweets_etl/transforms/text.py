"""Column functions for tweet text and ids: native Spark expressions, no Python UDFs."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.xapi import SNOWFLAKE_EPOCH_MS, SNOWFLAKE_TIME_SHIFT

# X escapes exactly these in tweet text; &amp; goes last so "&amp;lt;" becomes "&lt;", not "<".
_HTML_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))
# (?U): Unicode word characters, so #ChatGPT日本語 and #café are whole hashtags. Like X, a tag needs a
# character that is not a digit: "#1 on the charts" has no hashtag.
HASHTAG_PATTERN = r"(?U)(?<![\w&#])[#＃](\w*[^\W\d]\w*)"
MENTION_PATTERN = r"(?U)(?<![\w@])@(\w{1,15})"
URL_PATTERN = r"https?://[^\s]+"
# Snowflake ids start in late 2010; smaller ids carry no timestamp.
FIRST_SNOWFLAKE_ID = 29_700_859_247


def unescape_html(text: Column) -> Column:
    unescaped = text
    for entity, char in _HTML_ENTITIES:
        unescaped = F.replace(unescaped, F.lit(entity), F.lit(char))
    # Most texts hold no entity at all: one scan for "&" spares them the five replace scans.
    return F.when(text.contains("&"), unescaped).otherwise(text)


def extract_all(text: Column, pattern: str, group: int = 1) -> Column:
    """Every match of ``pattern`` in ``text`` (an empty array for null text)."""
    return F.coalesce(
        F.regexp_extract_all(text, F.lit(pattern), F.lit(group)), F.array().cast(T.ArrayType(T.StringType()))
    )


# Joins the values of an array for one lower(); no hashtag or username holds it.
_NUL = "\u0000"


def lower_distinct(values: Column) -> Column:
    """Lowercased, deduplicated, first-seen order, without nulls and empty strings; empty array
    for null. The values are joined, lowercased once and split again, not lowercased one by one:
    Spark 3.5 interprets a lambda for every element (no generated code), and this runs per tweet."""
    joined = F.array_join(F.coalesce(values, F.array().cast(T.ArrayType(T.StringType()))), _NUL)
    return F.array_distinct(F.array_remove(F.split(F.lower(joined), _NUL), ""))


def created_at(tweet: Column) -> Column:
    """Creation time in UTC: the API's ``created_at``, else the time inside the snowflake id."""
    return F.coalesce(F.to_timestamp(tweet.created_at), snowflake_timestamp(tweet.id))


def snowflake_timestamp(tweet_id: Column) -> Column:
    """When a tweet was created, read from its snowflake id (null for pre-2010 or invalid ids)."""
    as_long = tweet_id.cast(T.LongType())
    millis = F.shiftright(as_long, SNOWFLAKE_TIME_SHIFT) + F.lit(SNOWFLAKE_EPOCH_MS)
    return F.when(as_long >= FIRST_SNOWFLAKE_ID, F.timestamp_millis(millis))


def blank_to_null(text: Column) -> Column:
    trimmed = F.trim(text)
    return F.when(trimmed != "", trimmed)
