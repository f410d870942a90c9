"""stage_tweets and dedupe_tweets: the cleaning rules of stg_tweets, one behaviour per test.

Raw records are made the way the pipeline makes them: inline API pages through parse_raw_lines.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
from chispa import assert_df_equality

from tweets_etl.transforms.ingest import parse_raw_lines
from tweets_etl.transforms.staging import dedupe_tweets, stage_tweets

pytestmark = pytest.mark.spark

UTC = timezone.utc
TWARC = {
    "url": "https://api.x.com/2/tweets/search/recent?query=chatgpt",
    "retrieved_at": "2022-12-05T10:00:00+00:00",
}
ADA = {
    "id": "1433267766912557062",
    "username": "ada_codes",
    "name": "Ada",
    "description": "Prompts &amp; poems &lt;3",
    "location": "London",
    "public_metrics": {"followers_count": 4, "following_count": 90, "tweet_count": 67, "listed_count": 0},
}
BOB = {"id": "902035056", "username": "bob_gpt", "name": "Bob"}
ORIGINAL_ID = "1598000000000000100"


def tweet(tweet_id: str, text: str = "ChatGPT is at capacity again", **fields: Any) -> Dict[str, Any]:
    base = {
        "id": tweet_id,
        "text": text,
        "created_at": "2022-12-05T09:59:00.000Z",
        "author_id": ADA["id"],
        "lang": "en",
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "quote_count": 0},
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def staged(spark, data: List[Dict[str, Any]], **includes: Any):
    """Stage one search page holding ``data`` (and ``includes``) the way the pipeline does."""
    line = json.dumps({"data": data, "includes": includes, "__twarc": TWARC}, ensure_ascii=False)
    lines = spark.createDataFrame([(line, "search-0001.jsonl.gz")], "value string, source_file string")
    return stage_tweets(parse_raw_lines(lines, batch_id="b1"))


def assert_rows(spark, actual, schema: str, rows: List[tuple]) -> None:
    assert_df_equality(
        actual, spark.createDataFrame(rows, schema), ignore_row_order=True, ignore_nullable=True
    )


TEXT_COLUMNS = "tweet_id string, text string, text_source string, hashtags array<string>"


def text_view(df):
    return df.select("tweet_id", "text", "text_source", "hashtags")


def test_long_post_takes_full_text_and_entities_from_note_tweet(spark):
    full = "ChatGPT wrote my whole thesis outline. " * 8 + "#ChatGPT #LongPost"
    long_post = tweet(
        "1598000000000000001",
        full[:276] + " …",
        note_tweet={"text": full, "entities": {"hashtags": [{"tag": "ChatGPT"}, {"tag": "LongPost"}]}},
        entities={"hashtags": [{"tag": "ChatGPT"}]},
    )
    short = tweet("1598000000000000002", "Short and sweet #AI", entities={"hashtags": [{"tag": "AI"}]})

    actual = text_view(staged(spark, [long_post, short]))

    assert_rows(
        spark,
        actual,
        TEXT_COLUMNS,
        [
            (long_post["id"], full, "note_tweet", ["chatgpt", "longpost"]),
            (short["id"], "Short and sweet #AI", "text", ["ai"]),
        ],
    )


def test_retweet_takes_full_text_and_entities_from_the_retweeted_tweet(spark):
    original_text = (
        "I asked ChatGPT to explain quantum computing like I'm 5 and it nailed it. Impressive! #AI #ChatGPT"
    )
    original = {
        "id": ORIGINAL_ID,
        "text": original_text,
        "author_id": BOB["id"],
        "entities": {"hashtags": [{"tag": "AI"}, {"tag": "ChatGPT"}]},
    }
    long_original_id = "1598000000000000101"
    long_text = "A thread on prompts. " * 20
    long_original = {"id": long_original_id, "text": long_text[:270] + "…", "note_tweet": {"text": long_text}}
    retweet = tweet(
        "1598000000000000001",
        "RT @bob_gpt: I asked ChatGPT to explain quantum computing like I'm 5 and it nailed it. Impre…",
        referenced_tweets=[{"type": "retweeted", "id": ORIGINAL_ID}],
        entities={"mentions": [{"username": "bob_gpt", "id": BOB["id"]}]},
    )
    retweet_of_long = tweet(
        "1598000000000000002",
        "RT @bob_gpt: A thread on prompts. A thread on…",
        referenced_tweets=[{"type": "retweeted", "id": long_original_id}],
    )

    actual = text_view(
        staged(spark, [retweet, retweet_of_long], users=[ADA, BOB], tweets=[original, long_original])
    )

    assert_rows(
        spark,
        actual,
        TEXT_COLUMNS,
        [
            (retweet["id"], original_text, "retweeted_tweet", ["ai", "chatgpt"]),
            (retweet_of_long["id"], long_text, "retweeted_tweet", []),
        ],
    )


def test_retweet_whose_original_is_missing_keeps_its_truncated_text(spark):
    text = "RT @bob_gpt: ChatGPT confidently told me a book exists that doesn't. #ChatGPT It's hallucinat…"
    retweet = tweet(
        "1598000000000000001",
        text,
        referenced_tweets=[{"type": "retweeted", "id": ORIGINAL_ID}],
        entities={"hashtags": [{"tag": "ChatGPT"}], "mentions": [{"username": "bob_gpt"}]},
    )

    actual = staged(spark, [retweet]).select(
        "tweet_id", "text", "text_source", "tweet_type", "retweeted_tweet_id", "hashtags", "mentions"
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, text string, text_source string, tweet_type string, retweeted_tweet_id string,"
        " hashtags array<string>, mentions array<string>",
        [(retweet["id"], text, "truncated_retweet", "retweet", ORIGINAL_ID, ["chatgpt"], ["bob_gpt"])],
    )


def test_html_entities_are_unescaped_once(spark):
    escaped = tweet(
        "1598000000000000001", "2+2 &lt; 5 &amp;&amp; 3 &gt; 1, &quot;really&quot; it&#39;s &amp;lt;b&amp;gt;"
    )
    plain = tweet("1598000000000000002", "nothing to unescape: 5 > 3")

    actual = staged(spark, [escaped, plain], users=[ADA]).select("tweet_id", "text", "author_description")

    assert_rows(
        spark,
        actual,
        "tweet_id string, text string, author_description string",
        [
            (escaped["id"], '2+2 < 5 && 3 > 1, "really" it\'s &lt;b&gt;', "Prompts & poems <3"),
            (plain["id"], "nothing to unescape: 5 > 3", "Prompts & poems <3"),
        ],
    )


ENTITY_COLUMNS = "tweet_id string, hashtags array<string>, mentions array<string>, urls array<string>"


def entity_view(df):
    return df.select("tweet_id", "hashtags", "mentions", "urls")


def test_hashtags_mentions_and_urls_come_from_entities_when_the_api_sent_them(spark):
    with_entities = tweet(
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
    )
    # Entities were sent, but without hashtags: the text has none the API recognised.
    only_urls = tweet(
        "1598000000000000002",
        "#ChatGPT lol https://t.co/xyz",
        entities={"urls": [{"url": "https://t.co/xyz"}]},
    )

    actual = entity_view(staged(spark, [with_entities, only_urls]))

    assert_rows(
        spark,
        actual,
        ENTITY_COLUMNS,
        [
            (
                with_entities["id"],
                ["chatgpt", "ai"],
                ["openai"],
                ["https://openai.com/blog/chatgpt", "https://t.co/def"],
            ),
            (only_urls["id"], [], [], ["https://t.co/xyz"]),
        ],
    )


def test_hashtags_mentions_and_urls_come_from_the_text_when_entities_are_absent(spark):
    csv_import = tweet(
        "1598000000000000001",
        "Trying #ChatGPT, #日本語 and #café with @OpenAI &amp; @sam_a! https://t.co/abc ＃AI #ChatGPT mail me@example.com",
    )
    no_tags = tweet("1598000000000000002", "no tags here, just C# and AT&amp;T")

    actual = entity_view(staged(spark, [csv_import, no_tags]))

    assert_rows(
        spark,
        actual,
        ENTITY_COLUMNS,
        [
            (
                csv_import["id"],
                ["chatgpt", "日本語", "café", "ai"],
                ["openai", "sam_a"],
                ["https://t.co/abc"],
            ),
            (no_tags["id"], [], [], []),
        ],
    )


def test_created_at_falls_back_to_the_snowflake_id(spark):
    snowflake_id = 1598000000000000001
    from_id = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=(snowflake_id >> 22) + 1288834974657)
    api = tweet("1598000000000000002", created_at="2022-12-05T23:59:30.000Z")
    offset = tweet("1598000000000000003", created_at="2022-12-06T00:30:00+01:00")
    missing = tweet(str(snowflake_id), created_at=None)
    garbage = tweet("1598000000000000001", created_at="yesterday")
    # Ids before snowflakes (2010) carry no time: created_at stays unknown.
    ancient = tweet("20", created_at=None)

    actual = staged(spark, [api, offset, missing, garbage, ancient]).select(
        "tweet_id", "created_at", "created_at_source", "created_date"
    )

    assert_rows(
        spark,
        actual,
        "tweet_id string, created_at timestamp, created_at_source string, created_date date",
        [
            (api["id"], datetime(2022, 12, 5, 23, 59, 30, tzinfo=UTC), "api", date(2022, 12, 5)),
            (offset["id"], datetime(2022, 12, 5, 23, 30, tzinfo=UTC), "api", date(2022, 12, 5)),
            (missing["id"], from_id, "snowflake_id", from_id.date()),
            (garbage["id"], from_id, "snowflake_id", from_id.date()),
            ("20", None, "snowflake_id", None),
        ],
    )


def test_missing_or_blank_lang_is_und(spark):
    tweets = [
        tweet("1598000000000000001", lang="EN"),
        tweet("1598000000000000002", lang="zh-CN"),
        tweet("1598000000000000003", lang=None),
        tweet("1598000000000000004", lang=" "),
    ]

    actual = staged(spark, tweets).select("tweet_id", "lang")

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


def test_tweet_type_prefers_retweet_then_reply_then_quote(spark):
    def refs(*pairs):
        return [{"type": kind, "id": ref_id} for kind, ref_id in pairs]

    tweets = [
        tweet("1598000000000000001"),
        tweet("1598000000000000002", referenced_tweets=refs(("retweeted", "11"))),
        tweet("1598000000000000003", referenced_tweets=refs(("quoted", "12"))),
        tweet("1598000000000000004", referenced_tweets=refs(("replied_to", "13"))),
        tweet("1598000000000000005", referenced_tweets=refs(("quoted", "14"), ("replied_to", "15"))),
        tweet("1598000000000000006", referenced_tweets=refs(("quoted", "16"), ("retweeted", "17"))),
    ]

    actual = staged(spark, tweets).select(
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


def test_metrics_and_author_attributes_stay_null_when_absent(spark):
    full = tweet(
        "1598000000000000001",
        public_metrics={
            "retweet_count": 0,
            "reply_count": 2,
            "like_count": 0,
            "quote_count": 1,
            "bookmark_count": 4,
            "impression_count": 0,
        },
    )
    no_impressions = tweet("1598000000000000002")
    no_metrics = tweet("1598000000000000003", public_metrics=None, author_id=BOB["id"])

    actual = staged(spark, [full, no_impressions, no_metrics], users=[ADA, BOB]).select(
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
            (full["id"], 0, 0, 2, 1, 4, 0, 4, "London"),
            (no_impressions["id"], 3, 1, 0, 0, None, None, 4, "London"),
            (no_metrics["id"], None, None, None, None, None, None, None, None),
        ],
    )


def test_rejected_records_are_not_staged(spark):
    actual = staged(spark, [tweet("1598000000000000001"), {"text": "no id"}, {"id": 1.5e18, "text": "float"}])

    assert_rows(spark, actual.select("tweet_id"), "tweet_id string", [("1598000000000000001",)])


# dedupe_tweets ---------------------------------------------------------------------------------

DEDUPE_SCHEMA = "tweet_id string, retrieved_at timestamp, source_file string, page_id bigint, tweet_position int, label string"
T10 = datetime(2022, 12, 5, 10, tzinfo=UTC)
T12 = datetime(2022, 12, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("winner", "loser"),
    [
        pytest.param(
            (T12, "search-0001.jsonl.gz", 1, 0), (T10, "search-0002.jsonl.gz", 9, 0), id="latest-retrieved-at"
        ),
        pytest.param(
            (T10, "search-0001.jsonl.gz", 1, 5), (None, "search-0002.jsonl.gz", 9, 0), id="null-loses"
        ),
        pytest.param(
            (T10, "search-0002.jsonl.gz", 1, 5), (T10, "search-0001.jsonl.gz", 9, 0), id="later-file"
        ),
        pytest.param(
            (T10, "search-0001.jsonl.gz", -3, 5), (T10, "search-0001.jsonl.gz", -7, 0), id="larger-page-id"
        ),
        pytest.param(
            (T10, "search-0001.jsonl.gz", 4, 1), (T10, "search-0001.jsonl.gz", 4, 2), id="first-position"
        ),
    ],
)
def test_dedupe_keeps_one_row_per_tweet_by_the_stated_order(spark, winner, loser):
    # Each pair appears in both input orders, so the outcome cannot come from the input order.
    rows = [
        ("1598000000000000001", *winner, "winner"),
        ("1598000000000000001", *loser, "loser"),
        ("1598000000000000002", *loser, "loser"),
        ("1598000000000000002", *winner, "winner"),
        ("1598000000000000003", None, None, None, None, "only"),
    ]
    df = spark.createDataFrame(rows, DEDUPE_SCHEMA)

    actual = dedupe_tweets(df)

    expected = [row for row in rows if row[-1] in ("winner", "only")]
    assert_rows(spark, actual, DEDUPE_SCHEMA, expected)


def test_dedupe_keeps_columns_and_picks_latest_metrics(spark):
    schema = DEDUPE_SCHEMA + ", like_count bigint"
    rows = [
        ("1598000000000000001", T10, "search-0001.jsonl.gz", 1, 0, "first", 3),
        ("1598000000000000001", T12, "search-0002.jsonl.gz", 2, 0, "fresher", 25),
        ("1598000000000000001", None, "search-0003.jsonl.gz", 3, 0, "undated", 99),
    ]

    actual = dedupe_tweets(spark.createDataFrame(rows, schema))

    assert actual.columns == [field.split()[0] for field in schema.split(", ")]
    assert_rows(spark, actual, schema, [rows[1]])
