"""stage_tweets and dedupe_tweets: the cleaning rules of stg_tweets, one behaviour per test.

Raw records are made the way the pipeline makes them: inline API pages through parse_raw_lines.
Each test declares its page at module level (``case``); the module stages all pages in one Spark
pass, one page per raw file, and each test reads the rows of its own file. Pages cannot affect one
another: parsing is per line and staging is per record.
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests import raw_pages
from tests.frames import in_order
from tests.raw_pages import RETRIEVED, page
from tweets_etl.transforms.ingest import REJECT_REASONS, parse_raw_lines
from tweets_etl.transforms.staging import (
    dedupe_tweets,
    flatten_records,
    repeated_tweet_ids,
    stage_tweets,
)

pytestmark = pytest.mark.spark

UTC = timezone.utc
TWARC = {"url": "https://api.x.com/2/tweets/search/recent?query=chatgpt", "retrieved_at": RETRIEVED}
# Staging's users carry only what its tests read: Ada's bio HTML-escaped, as the API sends it
# (test_html_entities_are_unescaped_once), and Bob nothing but who he is
# (test_metrics_and_author_attributes_stay_null_when_absent).
PROFILE = ("id", "username", "name", "description", "location", "public_metrics")
ADA = dict({key: raw_pages.ADA[key] for key in PROFILE}, description="Prompts &amp; poems &lt;3")
BOB = {key: raw_pages.BOB[key] for key in ("id", "username", "name")}
ORIGINAL_ID = raw_pages.ORIGINAL["id"]
# Staging's tweets have no conversation_id or possibly_sensitive, and a field a test gives as None is
# left out of the tweet (lang, created_at, public_metrics missing), not sent as null.
tweet = functools.partial(raw_pages.tweet, omit_none=True, conversation_id=None, possibly_sensitive=None)


PAGES: Dict[str, str] = {}


def case(name: str, data: List[Dict[str, Any]], **includes: Any) -> str:
    """Declare a search page holding ``data`` (and ``includes``), staged as raw file ``name``."""
    PAGES[name] = page(data, includes=includes, __twarc=TWARC)
    return name


@pytest.fixture(scope="module")
def staged(spark):
    """``staged(name)``: stage_tweets output for the page of that case, in page order."""
    lines = spark.createDataFrame(list(PAGES.items()), "source_file string, value string")
    # Computed once and cached, so each test's select is cheap.
    output = stage_tweets(parse_raw_lines(lines.select("value", "source_file"), batch_id="b1")).cache()
    output.count()
    yield lambda name: output.where(F.col("source_file") == name)
    output.unpersist()


def assert_rows(spark, actual, schema: str, rows: List[tuple]) -> None:
    # Staging has no shuffle: rows stay in page order, so the order is compared too.
    assert_df_equality(actual, spark.createDataFrame(rows, schema), ignore_nullable=True)


TEXT_COLUMNS = "tweet_id string, text string, text_source string, hashtags array<string>"


def text_view(df):
    return df.select("tweet_id", "text", "text_source", "hashtags")


LONG_TEXT = "ChatGPT wrote my whole thesis outline. " * 8 + "#ChatGPT #LongPost"
NOTE_TWEET = case(
    "note_tweet",
    [
        tweet(
            "1598000000000000001",
            LONG_TEXT[:276] + " …",
            note_tweet={
                "text": LONG_TEXT,
                "entities": {"hashtags": [{"tag": "ChatGPT"}, {"tag": "LongPost"}]},
            },
            entities={"hashtags": [{"tag": "ChatGPT"}]},
        ),
        tweet("1598000000000000002", "Short and sweet #AI", entities={"hashtags": [{"tag": "AI"}]}),
    ],
)


def test_long_post_takes_full_text_and_entities_from_note_tweet(spark, staged):
    actual = text_view(staged(NOTE_TWEET))

    assert_rows(
        spark,
        actual,
        TEXT_COLUMNS,
        [
            ("1598000000000000001", LONG_TEXT, "note_tweet", ["chatgpt", "longpost"]),
            ("1598000000000000002", "Short and sweet #AI", "text", ["ai"]),
        ],
    )


ORIGINAL_TEXT = (
    "I asked ChatGPT to explain quantum computing like I'm 5 and it nailed it. Impressive! #AI #ChatGPT"
)
THREAD_TEXT = "A thread on prompts. " * 20
RETWEETS = case(
    "retweets",
    [
        tweet(
            "1598000000000000001",
            "RT @bob_gpt: I asked ChatGPT to explain quantum computing like I'm 5 and it nailed it. Impre…",
            referenced_tweets=[{"type": "retweeted", "id": ORIGINAL_ID}],
            entities={"mentions": [{"username": "bob_gpt", "id": BOB["id"]}]},
        ),
        tweet(
            "1598000000000000002",
            "RT @bob_gpt: A thread on prompts. A thread on…",
            referenced_tweets=[{"type": "retweeted", "id": "1598000000000000101"}],
        ),
    ],
    users=[ADA, BOB],
    tweets=[
        {
            "id": ORIGINAL_ID,
            "text": ORIGINAL_TEXT,
            "author_id": BOB["id"],
            "entities": {"hashtags": [{"tag": "AI"}, {"tag": "ChatGPT"}]},
        },
        {"id": "1598000000000000101", "text": THREAD_TEXT[:270] + "…", "note_tweet": {"text": THREAD_TEXT}},
    ],
)


def test_retweet_takes_full_text_and_entities_from_the_retweeted_tweet(spark, staged):
    actual = text_view(staged(RETWEETS))

    assert_rows(
        spark,
        actual,
        TEXT_COLUMNS,
        [
            ("1598000000000000001", ORIGINAL_TEXT, "retweeted_tweet", ["ai", "chatgpt"]),
            ("1598000000000000002", THREAD_TEXT, "retweeted_tweet", []),
        ],
    )


TRUNCATED_TEXT = (
    "RT @bob_gpt: ChatGPT confidently told me a book exists that doesn't. #ChatGPT It's hallucinat…"
)
ORPHAN_RETWEET = case(
    "orphan_retweet",
    [
        tweet(
            "1598000000000000001",
            TRUNCATED_TEXT,
            referenced_tweets=[{"type": "retweeted", "id": ORIGINAL_ID}],
            entities={"hashtags": [{"tag": "ChatGPT"}], "mentions": [{"username": "bob_gpt"}]},
        )
    ],
)


def test_retweet_whose_original_is_missing_keeps_its_truncated_text(spark, staged):
    actual = staged(ORPHAN_RETWEET).select(
        "tweet_id", "text", "text_source", "tweet_type", "retweeted_tweet_id", "hashtags", "mentions"
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, text string, text_source string, tweet_type string, retweeted_tweet_id string,"
        " hashtags array<string>, mentions array<string>",
        [
            (
                "1598000000000000001",
                TRUNCATED_TEXT,
                "truncated_retweet",
                "retweet",
                ORIGINAL_ID,
                ["chatgpt"],
                ["bob_gpt"],
            )
        ],
    )


ESCAPED = case(
    "escaped",
    [
        tweet(
            "1598000000000000001",
            "2+2 &lt; 5 &amp;&amp; 3 &gt; 1, &quot;really&quot; it&#39;s &amp;lt;b&amp;gt;",
        ),
        tweet("1598000000000000002", "nothing to unescape: 5 > 3"),
    ],
    users=[ADA],
)


def test_html_entities_are_unescaped_once(spark, staged):
    actual = staged(ESCAPED).select("tweet_id", "text", "author_description")

    assert_rows(
        spark,
        actual,
        "tweet_id string, text string, author_description string",
        [
            ("1598000000000000001", '2+2 < 5 && 3 > 1, "really" it\'s &lt;b&gt;', "Prompts & poems <3"),
            ("1598000000000000002", "nothing to unescape: 5 > 3", "Prompts & poems <3"),
        ],
    )


ENTITY_COLUMNS = "tweet_id string, hashtags array<string>, mentions array<string>, urls array<string>"


def entity_view(df):
    return df.select("tweet_id", "hashtags", "mentions", "urls")


WITH_ENTITIES = case(
    "with_entities",
    [
        tweet(
            "1598000000000000001",
            "#ChatGPT and #AI by @OpenAI https://t.co/abc #NotAnEntity",
            entities={
                "hashtags": [{"start": 0, "end": 8, "tag": "ChatGPT"}, {"tag": "AI"}, {"tag": "chatgpt"}],
                "mentions": [{"username": "OpenAI", "id": "4398626122"}],
                "urls": [
                    {"url": "https://t.co/abc", "expanded_url": "https://openai.com/blog/chatgpt"},
                    {"url": "https://t.co/def"},
                ],
            },
        ),
        # Entities were sent, but without hashtags: the text has none the API recognised.
        tweet(
            "1598000000000000002",
            "#ChatGPT lol https://t.co/xyz",
            entities={"urls": [{"url": "https://t.co/xyz"}]},
        ),
    ],
)


def test_hashtags_mentions_and_urls_come_from_entities_when_the_api_sent_them(spark, staged):
    actual = entity_view(staged(WITH_ENTITIES))

    assert_rows(
        spark,
        actual,
        ENTITY_COLUMNS,
        [
            (
                "1598000000000000001",
                ["chatgpt", "ai"],
                ["openai"],
                ["https://openai.com/blog/chatgpt", "https://t.co/def"],
            ),
            ("1598000000000000002", [], [], ["https://t.co/xyz"]),
        ],
    )


WITHOUT_ENTITIES = case(
    "without_entities",
    [
        tweet(
            "1598000000000000001",
            "Trying #ChatGPT, #日本語 and #café with @OpenAI &amp; @sam_a! https://t.co/abc ＃AI #ChatGPT #1 mail me@example.com",
        ),
        tweet("1598000000000000002", "no tags here, just C# and AT&amp;T"),
    ],
)


def test_hashtags_mentions_and_urls_come_from_the_text_when_entities_are_absent(spark, staged):
    actual = entity_view(staged(WITHOUT_ENTITIES))

    assert_rows(
        spark,
        actual,
        ENTITY_COLUMNS,
        [
            (
                "1598000000000000001",
                ["chatgpt", "日本語", "café", "ai"],
                ["openai", "sam_a"],
                ["https://t.co/abc"],
            ),
            ("1598000000000000002", [], [], []),
        ],
    )


SNOWFLAKE_ID = 1598000000000000001
FROM_ID = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=(SNOWFLAKE_ID >> 22) + 1288834974657)
CREATED_AT = case(
    "created_at",
    [
        tweet("1598000000000000002", created_at="2022-12-05T23:59:30.000Z"),
        tweet("1598000000000000003", created_at="2022-12-06T00:30:00+01:00"),
        tweet(str(SNOWFLAKE_ID), created_at=None),
        tweet(str(SNOWFLAKE_ID + 1), created_at="yesterday"),
        # Ids before snowflakes (2010) carry no time: with no created_at either, the tweet is
        # quarantined as missing_created_at (see the next test), never staged without a date.
        tweet("20", created_at=None),
    ],
)


def test_created_at_falls_back_to_the_snowflake_id(spark, staged):
    actual = staged(CREATED_AT).select("tweet_id", "created_at", "created_at_source", "created_date")

    assert_rows(
        spark,
        actual,
        "tweet_id string, created_at timestamp, created_at_source string, created_date date",
        [
            ("1598000000000000002", datetime(2022, 12, 5, 23, 59, 30, tzinfo=UTC), "api", date(2022, 12, 5)),
            ("1598000000000000003", datetime(2022, 12, 5, 23, 30, tzinfo=UTC), "api", date(2022, 12, 5)),
            (str(SNOWFLAKE_ID), FROM_ID, "snowflake_id", FROM_ID.date()),
            # One more in the sequence bits: the same millisecond.
            (str(SNOWFLAKE_ID + 1), FROM_ID, "snowflake_id", FROM_ID.date()),
        ],
    )


def test_a_tweet_without_any_creation_time_is_quarantined(spark):
    """No created_at that reads as a time, and an id from before 2010, which holds none."""
    undated = tweet("20", "just setting up my twttr", created_at="March 2006")
    line = page([undated], __twarc=TWARC)
    lines = spark.createDataFrame([(line, "undated.jsonl")], "value string, source_file string")

    records = flatten_records(parse_raw_lines(lines, batch_id="b1"))

    actual = records.select("tweet_id", "created_date", "reject_reason", "reject_detail")
    expected = [("20", None, "missing_created_at", REJECT_REASONS["missing_created_at"])]
    assert_rows(
        spark,
        actual,
        "tweet_id string, created_date date, reject_reason string, reject_detail string",
        expected,
    )
    quarantined = json.loads(records.first().raw_record)
    assert (quarantined["id"], quarantined["created_at"]) == ("20", "March 2006")


LANGS = case(
    "langs",
    [
        tweet("1598000000000000001", lang="EN"),
        tweet("1598000000000000002", lang="zh-CN"),
        tweet("1598000000000000003", lang=None),
        tweet("1598000000000000004", lang=" "),
    ],
)


def test_missing_or_blank_lang_is_und(spark, staged):
    actual = staged(LANGS).select("tweet_id", "lang")

    assert_rows(
        spark,
        actual,
        "tweet_id string, lang string",
        [
            ("1598000000000000001", "en"),
            ("1598000000000000002", "zh-cn"),
            ("1598000000000000003", "und"),
            ("1598000000000000004", "und"),
        ],
    )


def refs(*pairs: tuple) -> List[Dict[str, str]]:
    return [{"type": kind, "id": ref_id} for kind, ref_id in pairs]


TWEET_TYPES = case(
    "tweet_types",
    [
        tweet("1598000000000000001"),
        tweet("1598000000000000002", referenced_tweets=refs(("retweeted", "11"))),
        tweet("1598000000000000003", referenced_tweets=refs(("quoted", "12"))),
        tweet("1598000000000000004", referenced_tweets=refs(("replied_to", "13"))),
        tweet("1598000000000000005", referenced_tweets=refs(("quoted", "14"), ("replied_to", "15"))),
        tweet("1598000000000000006", referenced_tweets=refs(("quoted", "16"), ("retweeted", "17"))),
    ],
)


def test_tweet_type_prefers_retweet_then_reply_then_quote(spark, staged):
    actual = staged(TWEET_TYPES).select(
        "tweet_id", "tweet_type", "retweeted_tweet_id", "quoted_tweet_id", "replied_to_tweet_id"
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, tweet_type string, retweeted_tweet_id string, quoted_tweet_id string,"
        " replied_to_tweet_id string",
        [
            ("1598000000000000001", "original", None, None, None),
            ("1598000000000000002", "retweet", "11", None, None),
            ("1598000000000000003", "quote", None, "12", None),
            ("1598000000000000004", "reply", None, None, "13"),
            ("1598000000000000005", "reply", None, "14", "15"),
            ("1598000000000000006", "retweet", "17", "16", None),
        ],
    )


METRICS = case(
    "metrics",
    [
        tweet(
            "1598000000000000001",
            public_metrics={
                "retweet_count": 0,
                "reply_count": 2,
                "like_count": 0,
                "quote_count": 1,
                "bookmark_count": 4,
                "impression_count": 0,
            },
        ),
        tweet("1598000000000000002"),
        tweet("1598000000000000003", public_metrics=None, author_id=BOB["id"]),
    ],
    users=[ADA, BOB],
)


def test_metrics_and_author_attributes_stay_null_when_absent(spark, staged):
    actual = staged(METRICS).select(
        "tweet_id",
        "like_count",
        "retweet_count",
        "reply_count",
        "quote_count",
        "bookmark_count",
        "impression_count",
        "author_followers_count",
        "author_location",
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, like_count bigint, retweet_count bigint, reply_count bigint, quote_count bigint,"
        " bookmark_count bigint, impression_count bigint, author_followers_count bigint, author_location string",
        [
            ("1598000000000000001", 0, 0, 2, 1, 4, 0, 4, "London"),
            ("1598000000000000002", 3, 1, 0, 0, None, None, 4, "London"),
            ("1598000000000000003", None, None, None, None, None, None, None, None),
        ],
    )


WITH_REJECTS = case(
    "with_rejects",
    [
        tweet("1598000000000000001"),
        {"text": "no id"},
        {"id": 1.5e18, "text": "float"},
        tweet("1598000000000000002"),
    ],
)


def test_rejected_records_are_not_staged(spark, staged):
    actual = staged(WITH_REJECTS).select("tweet_id")

    assert_rows(spark, actual, "tweet_id string", [("1598000000000000001",), ("1598000000000000002",)])


# dedupe_tweets ---------------------------------------------------------------------------------

DEDUPE_SCHEMA = (
    "tweet_id string, retrieved_at timestamp, source_file string, page_id bigint, tweet_position int, "
    "batch_id string, label string"
)
T10 = datetime(2022, 12, 5, 10, tzinfo=UTC)
T12 = datetime(2022, 12, 5, 12, tzinfo=UTC)
# (retrieved_at, source_file, page_id, tweet_position, batch_id) of the winning and the losing
# occurrence; each rule is checked with every earlier rule tied.
FILE_1, FILE_2 = "search-0001.jsonl.gz", "search-0002.jsonl.gz"
TIE_BREAKERS = {
    "latest-retrieved-at": ((T12, FILE_1, 1, 5, "b1"), (T10, FILE_2, 9, 0, "b9")),
    "null-retrieved-at-loses": ((T10, FILE_1, 1, 5, "b1"), (None, FILE_2, 9, 0, "b9")),
    "later-file-name": ((T10, FILE_2, 1, 5, "b1"), (T10, FILE_1, 9, 0, "b9")),
    "larger-page-id": ((T10, FILE_1, -3, 5, "b1"), (T10, FILE_1, -7, 0, "b9")),
    "first-position": ((T10, FILE_1, 4, 1, "b1"), (T10, FILE_1, 4, 2, "b9")),
    # One file loaded again with a later batch: the copies differ in their batch only.
    "larger-batch-id": ((T10, FILE_1, 4, 1, "b9"), (T10, FILE_1, 4, 1, "b1")),
}
LONE_ID = "1598000000000009999"


def pair_ids(rule: str) -> tuple:
    number = list(TIE_BREAKERS).index(rule)
    return f"15980000000000{number}0001", f"15980000000000{number}0002"


def dedupe(df, how: str):
    """dedupe_tweets over every row's window, or ranking only the repeated ids (as the stage does)."""
    return dedupe_tweets(df, repeated_ids=repeated_tweet_ids(df) if how == "repeated-only" else None)


DEDUPE_PATHS = ("window", "repeated-only")


@pytest.fixture(scope="module", params=DEDUPE_PATHS)
def deduped(spark, request):
    """dedupe_tweets over every rule's pair at once, plus a lone occurrence with nothing to order by,
    and two occurrences without an id."""
    rows = [(LONE_ID, None, None, None, None, None, "lone")]
    rows += [
        (None, T10, FILE_1, 1, 0, "b1", "no-id"),
        (None, T12, FILE_1, 1, 1, "b1", "no-id"),
    ]
    for rule, (winner, loser) in TIE_BREAKERS.items():
        first, second = pair_ids(rule)
        # Each pair appears in both input orders, so the outcome cannot come from the input order.
        rows += [
            (first, *winner, "winner"),
            (first, *loser, "loser"),
            (second, *loser, "loser"),
            (second, *winner, "winner"),
        ]
    output = dedupe(spark.createDataFrame(rows, DEDUPE_SCHEMA), request.param).cache()
    output.count()
    yield output
    output.unpersist()


@pytest.mark.parametrize("rule", TIE_BREAKERS)
def test_dedupe_keeps_one_row_per_tweet_by_each_rule_in_turn(spark, deduped, rule):
    ids = pair_ids(rule)

    actual = deduped.where(F.col("tweet_id").isin(*ids))

    winner = TIE_BREAKERS[rule][0]
    expected = spark.createDataFrame([(tweet_id, *winner, "winner") for tweet_id in ids], DEDUPE_SCHEMA)
    assert_df_equality(in_order(actual), in_order(expected), ignore_nullable=True)


def test_dedupe_keeps_a_lone_occurrence_with_nothing_to_order_by(spark, deduped):
    actual = deduped.where(F.col("tweet_id") == LONE_ID)

    assert_rows(spark, actual, DEDUPE_SCHEMA, [(LONE_ID, None, None, None, None, None, "lone")])


def test_dedupe_ranks_rows_without_an_id_among_themselves(spark, deduped):
    actual = deduped.where(F.col("tweet_id").isNull())

    assert_rows(spark, actual, DEDUPE_SCHEMA, [(None, T12, FILE_1, 1, 1, "b1", "no-id")])


@pytest.mark.parametrize("how", DEDUPE_PATHS)
def test_dedupe_keeps_columns_and_picks_latest_metrics(spark, how):
    schema = DEDUPE_SCHEMA + ", like_count bigint"
    rows = [
        ("1598000000000000001", T10, FILE_1, 1, 0, "b1", "first", 3),
        ("1598000000000000001", T12, FILE_2, 2, 0, "b1", "fresher", 25),
        ("1598000000000000001", None, "search-0003.jsonl.gz", 3, 0, "b1", "undated", 99),
    ]

    actual = dedupe(spark.createDataFrame(rows, schema), how)

    assert actual.columns == [field.split()[0] for field in schema.split(", ")]
    assert_rows(spark, actual, schema, [rows[1]])
