"""parse_raw_lines: every raw line becomes accepted tweets or quarantined rows with a reason code.

Pages are written inline in the shape of real X API v2 search and filtered-stream responses
(see ../shared/data/x_api_v2_pages/kpop.jsonl), so these tests never need the shared data.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tweets_etl.transforms.ingest import REJECT_REASONS, parse_raw_lines

pytestmark = pytest.mark.spark

SOURCE_FILE = "search-20221205T100000Z-0001.jsonl.gz"
BATCH = "b0123456789abcdef"
RETRIEVED = "2022-12-05T10:00:00+00:00"
TWARC = {
    "url": "https://api.x.com/2/tweets/search/recent?query=chatgpt&max_results=100",
    "version": "0.1.0",
    "retrieved_at": RETRIEVED,
    "producer": "tweets-etl collect",
    "query_id": "3f2a9c0d1e4b",
}

ADA = {
    "id": "1433267766912557062",
    "username": "ada_codes",
    "name": "Ada",
    "created_at": "2021-09-02T03:17:52.000Z",
    "location": "London",
    "description": "Kpop \U0001f3b6 and prompts",
    "verified": False,
    "protected": False,
    "public_metrics": {"followers_count": 4, "following_count": 90, "tweet_count": 67, "listed_count": 0},
}
BOB = dict(ADA, id="902035056", username="bob_gpt", name="Bob")
LONDON = {
    "id": "3eb2c704fe8a50cb",
    "full_name": "London, England",
    "name": "London",
    "country": "United Kingdom",
    "country_code": "GB",
    "place_type": "city",
    "geo": {"type": "Feature", "bbox": [-0.51, 51.28, 0.33, 51.69], "properties": {}},
}
ORIGINAL = {
    "id": "1598000000000000100",
    "text": "ChatGPT wrote a whole Python script for me #ChatGPT",
    "author_id": "902035056",
    "created_at": "2022-12-01T08:00:00.000Z",
}
REPLIED_TO = dict(ORIGINAL, id="1598000000000000200", text="Is ChatGPT down for anyone else?")


def tweet(tweet_id: str, text: str = "ChatGPT is at capacity again", **fields: Any) -> Dict[str, Any]:
    base = {
        "id": tweet_id,
        "text": text,
        "created_at": "2022-12-05T09:59:00.000Z",
        "author_id": ADA["id"],
        "conversation_id": tweet_id,
        "lang": "en",
        "possibly_sensitive": False,
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "quote_count": 0},
    }
    base.update(fields)
    return base


def page(tweets: Any, **parts: Any) -> str:
    """One raw line: an API response page with the provenance stamp."""
    body: Dict[str, Any] = {"data": tweets}
    body.update(parts)
    body.setdefault("__twarc", TWARC)
    return json.dumps(body, ensure_ascii=False)


def parse(spark, *lines: str):
    lines_df = spark.createDataFrame(
        [(line, SOURCE_FILE) for line in lines], "value string, source_file string"
    )
    return parse_raw_lines(lines_df, batch_id=BATCH)


def expected(spark, schema: str, rows: List[tuple]):
    return spark.createDataFrame(rows, schema)


REJECT_COLUMNS = (
    "tweet_position int, tweet_id string, reject_reason string, reject_detail string, raw_record string"
)


def rejects_view(df):
    return df.select("tweet_position", "tweet_id", "reject_reason", "reject_detail", "raw_record")


def test_normal_page_matches_author_place_referenced_tweet_and_media(spark):
    retweet = tweet(
        "1598000000000000001",
        "RT @bob_gpt: ChatGPT wrote a whole Python script for me #Chat…",
        referenced_tweets=[{"type": "retweeted", "id": ORIGINAL["id"]}],
    )
    with_media = tweet(
        "1598000000000000002",
        "Look what ChatGPT drew https://t.co/pQMACSzDmd",
        author_id=BOB["id"],
        geo={"place_id": LONDON["id"]},
        attachments={"media_keys": ["3_1440535264527405065", "7_1440535264527405066"]},
    )
    # The author of this reply was suspended: the API leaves them out of includes and says so in
    # errors, and the tweet is still usable (the None row of this test).
    reply = tweet(
        "1598000000000000003",
        "@bob_gpt same here",
        author_id="999",
        referenced_tweets=[{"type": "replied_to", "id": REPLIED_TO["id"]}],
    )
    quote = tweet(
        "1598000000000000004",
        "This is wild https://t.co/x",
        referenced_tweets=[{"type": "quoted", "id": ORIGINAL["id"]}],
    )
    includes = {
        "users": [ADA, BOB],
        "tweets": [ORIGINAL, REPLIED_TO],
        "places": [LONDON],
        "media": [
            {"media_key": "3_1440535264527405065", "type": "photo", "width": 800},
            {"media_key": "7_1440535264527405066", "type": "video"},
            {"media_key": "16_1440535264527405067", "type": "animated_gif"},
        ],
    }
    errors = [{"title": "Forbidden", "detail": "User has been suspended: [someone].", "resource_id": "999"}]
    line = page(
        [retweet, with_media, reply, quote],
        includes=includes,
        errors=errors,
        meta={"newest_id": quote["id"], "oldest_id": retweet["id"], "result_count": 4},
    )

    actual = parse(spark, line).select(
        "batch_id",
        "source_file",
        "tweet_position",
        "retrieved_at",
        "query_id",
        "producer",
        "tweet_id",
        F.col("author.username").alias("author_username"),
        F.col("author.public_metrics.followers_count").alias("author_followers"),
        F.col("place.full_name").alias("place_full_name"),
        F.col("referenced_tweet.id").alias("referenced_id"),
        "media_types",
        "reject_reason",
        "raw_record",
    )

    at = datetime(2022, 12, 5, 10, 0, 0, tzinfo=timezone.utc)
    prov = (BATCH, SOURCE_FILE)
    collect = ("3f2a9c0d1e4b", "tweets-etl collect")
    rows = [
        (*prov, 0, at, *collect, retweet["id"], "ada_codes", 4, None, ORIGINAL["id"], [], None, None),
        (
            *prov,
            1,
            at,
            *collect,
            with_media["id"],
            "bob_gpt",
            4,
            "London, England",
            None,
            ["photo", "video"],
            None,
            None,
        ),
        (*prov, 2, at, *collect, reply["id"], None, None, None, None, [], None, None),
        (*prov, 3, at, *collect, quote["id"], "ada_codes", 4, None, ORIGINAL["id"], [], None, None),
    ]
    schema = (
        "batch_id string, source_file string, tweet_position int, retrieved_at timestamp, query_id string,"
        " producer string, tweet_id string, author_username string, author_followers bigint,"
        " place_full_name string, referenced_id string, media_types array<string>, reject_reason string,"
        " raw_record string"
    )
    assert_df_equality(actual, expected(spark, schema, rows), ignore_row_order=True, ignore_nullable=True)


def test_filtered_stream_line_with_one_tweet_object_is_accepted_with_its_includes(spark):
    stream_tweet = tweet(
        "1377650090978992134", "Fury https://t.co/YbMgHU5xRX", geo={"place_id": LONDON["id"]}
    )
    line = page(
        stream_tweet,
        includes={"users": [ADA], "places": [LONDON]},
        matching_rules=[{"id": 1377649934414049282, "tag": None}],
        __twarc={"url": "https://api.twitter.com/2/tweets/search/stream", "retrieved_at": RETRIEVED},
    )

    actual = parse(spark, line).select(
        "tweet_position",
        "tweet_id",
        F.col("tweet.text").alias("text"),
        F.col("author.username").alias("author_username"),
        F.col("place.country_code").alias("country_code"),
        "retrieved_at",
        "producer",
        "reject_reason",
    )

    rows = [
        (
            0,
            stream_tweet["id"],
            stream_tweet["text"],
            "ada_codes",
            "GB",
            datetime(2022, 12, 5, 10, tzinfo=timezone.utc),
            None,
            None,
        )
    ]
    schema = (
        "tweet_position int, tweet_id string, text string, author_username string, country_code string,"
        " retrieved_at timestamp, producer string, reject_reason string"
    )
    assert_df_equality(actual, expected(spark, schema, rows), ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("{not json at all", id="not-json"),
        pytest.param('{"data": [{"id": "1598000000000000001", "text": "ChatGPT is', id="truncated-line"),
    ],
)
def test_unparseable_line_is_malformed_json_with_its_raw_text(spark, line):
    actual = rejects_view(parse(spark, line))

    rows = [(0, None, "malformed_json", REJECT_REASONS["malformed_json"], line)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


def test_errors_only_page_is_rejected_as_errors_only(spark):
    line = json.dumps(
        {
            "errors": [
                {
                    "value": "1598000000000000009",
                    "detail": "Could not find tweet with ids: [1598000000000000009].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ],
            "__twarc": TWARC,
        }
    )

    actual = rejects_view(parse(spark, line))

    rows = [(0, None, "errors_only", REJECT_REASONS["errors_only"], line)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


def test_page_with_no_results_is_rejected_as_empty_page(spark):
    line = json.dumps({"meta": {"result_count": 0}, "__twarc": TWARC})

    actual = rejects_view(parse(spark, line))

    rows = [(0, None, "empty_page", REJECT_REASONS["empty_page"], line)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('{"foo": 1}', id="object-without-page-keys"),
        # Valid JSON that is not an object: a list of tweets saved on one line, a bare number.
        pytest.param('[{"id": "1598000000000000001", "text": "ChatGPT"}]', id="array"),
        pytest.param("42", id="number"),
    ],
)
def test_valid_json_that_is_not_a_page_is_not_a_page(spark, line):
    actual = rejects_view(parse(spark, line))

    rows = [(0, None, "not_a_page", REJECT_REASONS["not_a_page"], line)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


@pytest.mark.parametrize(
    ("bad_tweet", "tweet_id", "reason", "raw"),
    [
        pytest.param(
            {"text": "a tweet without an id #ChatGPT"},
            None,
            "missing_id",
            '{"text":"a tweet without an id #ChatGPT"}',
            id="missing-id",
        ),
        pytest.param(
            {"id": "  ", "text": "blank id"},
            "  ",
            "missing_id",
            '{"id":"  ","text":"blank id"}',
            id="blank-id",
        ),
        pytest.param(
            {"id": 1.598e18, "text": "an id that went through a float"},
            "1.598E18",
            "invalid_id",
            '{"id":"1.598E18","text":"an id that went through a float"}',
            id="float-id",
        ),
        pytest.param(
            {"id": "1598000000000000001", "author_id": "1"},
            "1598000000000000001",
            "missing_text",
            '{"id":"1598000000000000001","author_id":"1"}',
            id="missing-text",
        ),
    ],
)
def test_tweet_without_a_usable_id_or_text_is_rejected_with_its_reason(
    spark, bad_tweet, tweet_id, reason, raw
):
    actual = rejects_view(parse(spark, page([bad_tweet])))

    rows = [(0, tweet_id, reason, REJECT_REASONS[reason], raw)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


def test_integer_json_id_keeps_every_digit(spark):
    # 1598000000000000001 is not representable as a double: reading it as a number would lose digits.
    line = '{"data": [{"id": 1598000000000000001, "text": "numeric id"}]}'

    actual = rejects_view(parse(spark, line))

    rows = [(0, "1598000000000000001", None, None, None)]
    assert_df_equality(actual, expected(spark, REJECT_COLUMNS, rows), ignore_nullable=True)


def test_wrong_type_in_one_tweet_rejects_only_that_tweet(spark):
    good = tweet("1598000000000000001", "ChatGPT Plus is worth every cent")
    bad = tweet("1598000000000000002", "ChatGPT gave me the wrong answer")
    bad["public_metrics"] = {"like_count": "many"}
    line = page([good, bad], includes={"users": [ADA]})

    actual = parse(spark, line).select(
        "tweet_position",
        "tweet_id",
        F.col("author.username").alias("author_username"),
        "reject_reason",
        F.col("raw_record").isNotNull().alias("has_raw_record"),
    )

    rows = [
        (0, good["id"], "ada_codes", None, False),
        (1, bad["id"], "ada_codes", "wrong_type", True),
    ]
    schema = "tweet_position int, tweet_id string, author_username string, reject_reason string, has_raw_record boolean"
    assert_df_equality(actual, expected(spark, schema, rows), ignore_row_order=True, ignore_nullable=True)


def test_wrongly_typed_tweet_keeps_its_raw_json_for_inspection(spark):
    bad = {"id": "1598000000000000002", "text": "x", "possibly_sensitive": "yes"}

    raw = parse(spark, page([bad])).select("raw_record")

    compact = json.dumps(bad, separators=(",", ":"))
    assert_df_equality(raw, expected(spark, "raw_record string", [(compact,)]), ignore_nullable=True)


def test_unknown_extra_fields_are_ignored(spark):
    plain = tweet("1598000000000000001", "ChatGPT just wrote a whole Python script for me")
    rich = copy.deepcopy(plain)
    rich.update(
        edit_history_tweet_ids=[plain["id"]],
        reply_settings="everyone",
        context_annotations=[
            {"domain": {"id": "46", "name": "Brand Category"}, "entity": {"id": "1", "name": "AI"}}
        ],
        withheld={"copyright": False, "country_codes": []},
    )
    user = dict(ADA, profile_image_url="https://pbs.twimg.com/x.jpg", pinned_tweet_id="1", url="")
    plain_line = page([plain], includes={"users": [ADA]}, meta={"result_count": 1})
    rich_line = page(
        [rich],
        includes={"users": [user], "polls": [{"id": "1", "options": []}]},
        meta={"result_count": 1, "newest_id": plain["id"], "oldest_id": plain["id"]},
        matching_rules=[{"id": 1, "tag": None}],
    )

    # The same tweet with and without fields the schema does not declare: identical records.
    assert_df_equality(
        parse(spark, rich_line).drop("page_id"),
        parse(spark, plain_line).drop("page_id"),
        ignore_nullable=True,
    )


def test_blank_lines_are_dropped(spark):
    good = page([tweet("1598000000000000001")])

    actual = parse(spark, "", good, "   ").select("tweet_id", "reject_reason")

    assert_df_equality(
        actual,
        expected(spark, "tweet_id string, reject_reason string", [("1598000000000000001", None)]),
        ignore_nullable=True,
    )


def test_every_non_blank_line_yields_at_least_one_row(spark):
    lines = [
        page([tweet("1598000000000000001"), tweet("1598000000000000002")], includes={"users": [ADA]}),
        page(tweet("1598000000000000003")),
        "{not json",
        '{"data": [{"id": "1598000000000000004", "text": "cut',
        json.dumps({"errors": [{"title": "Not Found Error"}]}),
        json.dumps({"meta": {"result_count": 0}}),
        '{"foo": 1}',
        "[1, 2]",
        page([{"text": "no id"}, {"id": 1.5e18, "text": "float"}]),
        page([{"id": "1598000000000000005", "text": "ok"}, {"id": "1598000000000000006", "lang": ["en"]}]),
        json.dumps({"data": None}),
        json.dumps({"data": []}),
        "",
    ]
    lines_df = spark.createDataFrame(
        [(line, SOURCE_FILE) for line in lines], "value string, source_file string"
    )

    records = parse_raw_lines(lines_df, batch_id=BATCH)

    pages_seen = records.select("page_id").distinct()
    non_blank = lines_df.where(F.col("value") != "").select(F.xxhash64("value").alias("page_id"))
    assert_df_equality(pages_seen, non_blank, ignore_row_order=True, ignore_nullable=True)
    # Two tweets each on the first, ninth and tenth page, one row for each other line.
    assert records.count() == len(lines) - 1 + 3
