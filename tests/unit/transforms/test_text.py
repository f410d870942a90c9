"""Column functions for tweet text and ids, each checked cell by cell against an expected column."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import List, Tuple

import pytest
from chispa import assert_column_equality
from pyspark.sql import functions as F

from tweets_etl.transforms.text import (
    HASHTAG_PATTERN,
    MENTION_PATTERN,
    URL_PATTERN,
    blank_to_null,
    extract_all,
    lower_distinct,
    snowflake_timestamp,
    unescape_html,
)

pytestmark = pytest.mark.spark


def check(spark, rows: List[Tuple], schema: str, make_actual) -> None:
    """``rows`` of (input, expected); ``make_actual`` turns the input column into the actual column."""
    df = spark.createDataFrame(rows, schema).withColumn("actual", make_actual(F.col("input")))
    assert_column_equality(df, "actual", "expected")


def test_unescape_html_undoes_exactly_what_x_escapes(spark):
    rows = [
        ("2+2 &lt; 5 &gt; 3", "2+2 < 5 > 3"),
        ("Q&amp;A: &quot;why?&quot; it&#39;s", 'Q&A: "why?" it\'s'),
        # The user typed "&lt;" literally; X sent it escaped once more.
        ("&amp;lt;b&amp;gt;", "&lt;b&gt;"),
        ("&nbsp; &copy; stay as sent", "&nbsp; &copy; stay as sent"),
        ("no entity, no change", "no entity, no change"),
        ("", ""),
        (None, None),
    ]
    check(spark, rows, "input string, expected string", unescape_html)


def test_hashtag_pattern_finds_unicode_tags_and_skips_what_x_does_not_link(spark):
    rows = [
        ("#ChatGPT and #日本語 and #café, ＃AI!", ["ChatGPT", "日本語", "café", "AI"]),
        ("#GPT4 beats #1 and #2022, #1st try", ["GPT4", "1st"]),
        ("C# and AT&T and a#b and it&#39;s and ##double", []),
        ("#chat_gpt's reply", ["chat_gpt"]),
        ("no tags", []),
        (None, []),
    ]
    check(
        spark, rows, "input string, expected array<string>", lambda text: extract_all(text, HASHTAG_PATTERN)
    )


def test_mention_pattern_finds_handles_but_not_email_addresses(spark):
    rows = [
        ("@OpenAI and @sam_a, thanks!", ["OpenAI", "sam_a"]),
        ("mail me@example.com", []),
        ("@abcdefghijklmnopq is too long for a handle", ["abcdefghijklmno"]),
        (None, []),
    ]
    check(
        spark, rows, "input string, expected array<string>", lambda text: extract_all(text, MENTION_PATTERN)
    )


def test_url_pattern_takes_whole_urls(spark):
    rows = [
        (
            "see https://t.co/pQMACSzDmd and http://chatgpt.com/x?y=1",
            ["https://t.co/pQMACSzDmd", "http://chatgpt.com/x?y=1"],
        ),
        ("no links, just chatgpt.com", []),
        (None, []),
    ]
    check(spark, rows, "input string, expected array<string>", lambda text: extract_all(text, URL_PATTERN, 0))


def test_lower_distinct_lowercases_dedupes_in_first_seen_order_and_drops_empties(spark):
    rows = [
        (["ChatGPT", "AI", "chatgpt", "", None, "Ai", "OpenAI"], ["chatgpt", "ai", "openai"]),
        # Lowercased together, each value still ends where it ends: a final sigma stays final.
        (["ΟΔΟΣ", "Σοφία", "CAFÉ"], ["οδος", "σοφία", "café"]),
        ([None, ""], []),
        ([], []),
        (None, []),
    ]
    check(spark, rows, "input array<string>, expected array<string>", lower_distinct)


def test_snowflake_timestamp_reads_the_creation_time_from_the_id(spark):
    def from_id(tweet_id: int) -> datetime:
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(
            milliseconds=(tweet_id >> 22) + 1288834974657
        )

    rows = [
        ("1598000000000000001", from_id(1598000000000000001)),
        # The first snowflake id, from November 2010.
        ("29700859247", from_id(29700859247)),
        # Jack's first tweet predates snowflakes: its id holds no time.
        ("20", None),
        ("1.598E18", None),
        (None, None),
    ]
    assert rows[0][1].date().isoformat() == "2022-11-30"
    check(spark, rows, "input string, expected timestamp", snowflake_timestamp)


def test_blank_to_null_trims_and_turns_blanks_into_null(spark):
    rows = [("  London ", "London"), ("   ", None), ("", None), (None, None)]
    check(spark, rows, "input string, expected string", blank_to_null)


def test_fallback_extraction_agrees_with_the_api_entities_on_real_tweets(spark, shared_data):
    """On real X API pages, the regex fallback finds the hashtags and mentions X itself found.

    Texts cut by the API (retweets ending in "…") are left out: X computed their entities on the
    full text, which the page does not hold.
    """
    rows = []
    for path in sorted((shared_data / "x_api_v2_pages").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                page = json.loads(line)
            except json.JSONDecodeError:
                continue  # the truncated last line of streaming_output_with_error.jsonl
            data = page.get("data")
            tweets = ([data] if isinstance(data, dict) else data or []) + page.get("includes", {}).get(
                "tweets", []
            )
            for tweet in tweets:
                text = tweet.get("text", "")
                if text.endswith("…"):
                    continue
                entities = tweet.get("entities", {})
                tags = sorted({tag["tag"].lower() for tag in entities.get("hashtags", [])})
                handles = sorted({mention["username"].lower() for mention in entities.get("mentions", [])})
                rows.append((text, tags, handles))
    assert len(rows) > 200
    assert sum(1 for _, tags, _ in rows if tags) > 30
    df = spark.createDataFrame(rows, "text string, api_hashtags array<string>, api_mentions array<string>")
    text = unescape_html(F.col("text"))

    found = df.select(
        "api_hashtags",
        "api_mentions",
        F.array_sort(lower_distinct(extract_all(text, HASHTAG_PATTERN))).alias("hashtags"),
        F.array_sort(lower_distinct(extract_all(text, MENTION_PATTERN))).alias("mentions"),
    ).cache()

    assert_column_equality(found, "hashtags", "api_hashtags")
    assert_column_equality(found, "mentions", "api_mentions")
    found.unpersist()
