"""parse_raw_lines: every raw line becomes accepted tweets or quarantined rows with a reason code.

Pages are written inline with tests.raw_pages, in the shape of real X API v2 search and
filtered-stream responses, so these tests never need the shared data.

Each test declares its raw file at module level (``raw_file``); the module parses every file in
one Spark pass, as a batch would, and each test reads the records of its own file. Files cannot
affect one another: parsing is line by line.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timezone
from typing import Dict, List

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tests.frames import in_order
from tests.raw_pages import ADA, BOB, ORIGINAL, RETRIEVED, TWARC, page, tweet
from tweets_etl.transforms.ingest import REJECT_REASONS, parse_raw_lines

pytestmark = pytest.mark.spark

BATCH = "b0123456789abcdef"
LONDON = {
    "id": "3eb2c704fe8a50cb",
    "full_name": "London, England",
    "name": "London",
    "country": "United Kingdom",
    "country_code": "GB",
    "place_type": "city",
    "geo": {"type": "Feature", "bbox": [-0.51, 51.28, 0.33, 51.69], "properties": {}},
}
REPLIED_TO = dict(ORIGINAL, id="1598000000000000200", text="Is ChatGPT down for anyone else?")


FILES: Dict[str, List[str]] = {}


def raw_file(name: str, *lines: str) -> str:
    """Declare a raw file of ``lines``; returns its name, the records' ``source_file``."""
    file_name = f"search-{name}.jsonl.gz"
    FILES[file_name] = list(lines)
    return file_name


@pytest.fixture(scope="module")
def lines_df(spark):
    rows = [(line, name) for name, lines in FILES.items() for line in lines]
    return spark.createDataFrame(rows, "value string, source_file string")


@pytest.fixture(scope="module")
def parsed(spark, lines_df):
    """``parsed(file)``: parse_raw_lines output for that file, in line and tweet order."""
    # Computed once and cached, so each test's select is cheap.
    output = parse_raw_lines(lines_df, batch_id=BATCH).cache()
    output.count()
    yield lambda name: output.where(F.col("source_file") == name)
    output.unpersist()


def expected(spark, schema: str, rows: List[tuple]):
    return spark.createDataFrame(rows, schema)


def assert_same(actual, expected_df) -> None:
    # Ingest has no shuffle: records stay in line and tweet order, so the order is compared too.
    assert_df_equality(actual, expected_df, ignore_nullable=True)


REJECT_COLUMNS = (
    "tweet_position int, tweet_id string, reject_reason string, reject_detail string, raw_record string"
)


def rejects_view(df):
    return df.select("tweet_position", "tweet_id", "reject_reason", "reject_detail", "raw_record")


def reject_file(name: str, line: str, reason: str, tweet_id=None, raw=None) -> tuple:
    """A raw file of one line expected to give one quarantined record (for parametrised tests)."""
    return raw_file(name, line), [(0, tweet_id, reason, REJECT_REASONS[reason], line if raw is None else raw)]


RETWEET = tweet(
    "1598000000000000001",
    "RT @bob_gpt: ChatGPT wrote a whole Python script for me #Chat…",
    referenced_tweets=[{"type": "retweeted", "id": ORIGINAL["id"]}],
)
WITH_MEDIA = tweet(
    "1598000000000000002",
    "Look what ChatGPT drew https://t.co/pQMACSzDmd",
    author_id=BOB["id"],
    geo={"place_id": LONDON["id"]},
    attachments={"media_keys": ["3_1440535264527405065", "7_1440535264527405066"]},
)
# The author of this reply was suspended: the API leaves them out of includes and says so in
# errors, and the tweet is still usable (the None row of this test).
REPLY = tweet(
    "1598000000000000003",
    "@bob_gpt same here",
    author_id="999",
    referenced_tweets=[{"type": "replied_to", "id": REPLIED_TO["id"]}],
)
QUOTE = tweet(
    "1598000000000000004",
    "This is wild https://t.co/x",
    referenced_tweets=[{"type": "quoted", "id": ORIGINAL["id"]}],
)
NORMAL_PAGE = raw_file(
    "normal-page",
    page(
        [RETWEET, WITH_MEDIA, REPLY, QUOTE],
        includes={
            "users": [ADA, BOB],
            "tweets": [ORIGINAL, REPLIED_TO],
            "places": [LONDON],
            "media": [
                {"media_key": "3_1440535264527405065", "type": "photo", "width": 800},
                {"media_key": "7_1440535264527405066", "type": "video"},
                {"media_key": "16_1440535264527405067", "type": "animated_gif"},
            ],
        },
        errors=[
            {"title": "Forbidden", "detail": "User has been suspended: [someone].", "resource_id": "999"}
        ],
        meta={"newest_id": QUOTE["id"], "oldest_id": RETWEET["id"], "result_count": 4},
    ),
)


def test_normal_page_matches_author_place_referenced_tweet_and_media(spark, parsed):
    actual = parsed(NORMAL_PAGE).select(
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
    stamp = (BATCH, NORMAL_PAGE)
    prov = ("3f2a9c0d1e4b", "tweets-etl collect")
    rows = [
        (*stamp, 0, at, *prov, RETWEET["id"], "ada_codes", 4, None, ORIGINAL["id"], [], None, None),
        (
            *stamp,
            1,
            at,
            *prov,
            WITH_MEDIA["id"],
            "bob_gpt",
            4,
            "London, England",
            None,
            ["photo", "video"],
            None,
            None,
        ),
        (*stamp, 2, at, *prov, REPLY["id"], None, None, None, None, [], None, None),
        (*stamp, 3, at, *prov, QUOTE["id"], "ada_codes", 4, None, ORIGINAL["id"], [], None, None),
    ]
    schema = (
        "batch_id string, source_file string, tweet_position int, retrieved_at timestamp, query_id string,"
        " producer string, tweet_id string, author_username string, author_followers bigint,"
        " place_full_name string, referenced_id string, media_types array<string>, reject_reason string,"
        " raw_record string"
    )
    assert_same(actual, expected(spark, schema, rows))


STREAM_TWEET = tweet("1377650090978992134", "Fury https://t.co/YbMgHU5xRX", geo={"place_id": LONDON["id"]})
STREAM_LINE = raw_file(
    "stream-line",
    page(
        STREAM_TWEET,
        includes={"users": [ADA], "places": [LONDON]},
        matching_rules=[{"id": 1377649934414049282, "tag": None}],
        __twarc={"url": "https://api.twitter.com/2/tweets/search/stream", "retrieved_at": RETRIEVED},
    ),
)


def test_filtered_stream_line_with_one_tweet_object_is_accepted_with_its_includes(spark, parsed):
    actual = parsed(STREAM_LINE).select(
        "tweet_position",
        "tweet_id",
        F.col("tweet.text").alias("text"),
        F.col("author.username").alias("author_username"),
        F.col("place.country_code").alias("country_code"),
        "media_types",
        "retrieved_at",
        "producer",
        "reject_reason",
    )

    at = datetime(2022, 12, 5, 10, tzinfo=timezone.utc)
    # No media on the page: media_types is empty, not unknown.
    rows = [(0, STREAM_TWEET["id"], STREAM_TWEET["text"], "ada_codes", "GB", [], at, None, None)]
    schema = (
        "tweet_position int, tweet_id string, text string, author_username string, country_code string,"
        " media_types array<string>, retrieved_at timestamp, producer string, reject_reason string"
    )
    assert_same(actual, expected(spark, schema, rows))


@pytest.mark.parametrize(
    ("file_name", "rows"),
    [
        pytest.param(*reject_file("not-json", "{not json at all", "malformed_json"), id="not-json"),
        pytest.param(
            *reject_file(
                "cut-line", '{"data": [{"id": "1598000000000000001", "text": "ChatGPT is', "malformed_json"
            ),
            id="truncated-line",
        ),
        pytest.param(
            *reject_file(
                "errors-only",
                json.dumps(
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
                ),
                "errors_only",
            ),
            id="errors-only",
        ),
        pytest.param(
            *reject_file(
                "no-results", json.dumps({"meta": {"result_count": 0}, "__twarc": TWARC}), "empty_page"
            ),
            id="empty-page",
        ),
        pytest.param(*reject_file("foo", '{"foo": 1}', "not_a_page"), id="object-without-page-keys"),
        # Valid JSON that is not an object: a list of tweets saved on one line, a bare number.
        pytest.param(
            *reject_file("array", '[{"id": "1598000000000000001", "text": "ChatGPT"}]', "not_a_page"),
            id="array",
        ),
        pytest.param(*reject_file("number", "42", "not_a_page"), id="number"),
    ],
)
def test_unusable_line_is_quarantined_with_its_reason_and_raw_text(spark, parsed, file_name, rows):
    assert_same(rejects_view(parsed(file_name)), expected(spark, REJECT_COLUMNS, rows))


@pytest.mark.parametrize(
    ("file_name", "rows"),
    [
        pytest.param(
            *reject_file(
                "missing-id",
                page([{"text": "a tweet without an id #ChatGPT"}]),
                "missing_id",
                raw='{"text":"a tweet without an id #ChatGPT"}',
            ),
            id="missing-id",
        ),
        pytest.param(
            *reject_file(
                "blank-id",
                page([{"id": "  ", "text": "blank id"}]),
                "missing_id",
                "  ",
                '{"id":"  ","text":"blank id"}',
            ),
            id="blank-id",
        ),
        pytest.param(
            *reject_file(
                "float-id",
                page([{"id": 1.598e18, "text": "an id that went through a float"}]),
                "invalid_id",
                "1.598E18",
                '{"id":"1.598E18","text":"an id that went through a float"}',
            ),
            id="float-id",
        ),
        pytest.param(
            *reject_file(
                "missing-text",
                page([{"id": "1598000000000000001", "author_id": "1"}]),
                "missing_text",
                "1598000000000000001",
                '{"id":"1598000000000000001","author_id":"1"}',
            ),
            id="missing-text",
        ),
        pytest.param(
            *reject_file(
                "id-beyond-64-bits",
                page([{"id": "9999999999999999999", "text": "19 digits, but not a long"}]),
                "invalid_id",
                "9999999999999999999",
                '{"id":"9999999999999999999","text":"19 digits, but not a long"}',
            ),
            id="id-beyond-64-bits",
        ),
    ],
)
def test_tweet_without_a_usable_id_or_text_is_rejected_with_its_reason(spark, parsed, file_name, rows):
    assert_same(rejects_view(parsed(file_name)), expected(spark, REJECT_COLUMNS, rows))


# 1598000000000000001 is not representable as a double: reading it as a number would lose digits.
NUMERIC_ID = raw_file("numeric-id", '{"data": [{"id": 1598000000000000001, "text": "numeric id"}]}')


def test_integer_json_id_keeps_every_digit(spark, parsed):
    actual = rejects_view(parsed(NUMERIC_ID))

    assert_same(actual, expected(spark, REJECT_COLUMNS, [(0, "1598000000000000001", None, None, None)]))


GOOD = tweet("1598000000000000001", "ChatGPT Plus is worth every cent")
BAD = tweet("1598000000000000002", "ChatGPT gave me the wrong answer", public_metrics={"like_count": "many"})
ONE_BAD_TWEET = raw_file("one-bad-tweet", page([GOOD, BAD], includes={"users": [ADA]}))


def test_wrong_type_in_one_tweet_rejects_only_that_tweet(spark, parsed):
    actual = parsed(ONE_BAD_TWEET).select(
        "tweet_position",
        "tweet_id",
        F.col("author.username").alias("author_username"),
        "reject_reason",
        F.col("raw_record").isNotNull().alias("has_raw_record"),
    )

    rows = [(0, GOOD["id"], "ada_codes", None, False), (1, BAD["id"], "ada_codes", "wrong_type", True)]
    schema = "tweet_position int, tweet_id string, author_username string, reject_reason string, has_raw_record boolean"
    assert_same(actual, expected(spark, schema, rows))


SENSITIVE = {"id": "1598000000000000002", "text": "x", "possibly_sensitive": "yes"}
WRONG_TYPE = raw_file("wrong-type", page([SENSITIVE]))


def test_wrongly_typed_tweet_keeps_its_raw_json_for_inspection(spark, parsed):
    raw = parsed(WRONG_TYPE).select("raw_record")

    compact = json.dumps(SENSITIVE, separators=(",", ":"))
    assert_same(raw, expected(spark, "raw_record string", [(compact,)]))


PLAIN = tweet("1598000000000000001", "ChatGPT just wrote a whole Python script for me")
RICH = dict(
    copy.deepcopy(PLAIN),
    edit_history_tweet_ids=[PLAIN["id"]],
    reply_settings="everyone",
    context_annotations=[
        {"domain": {"id": "46", "name": "Brand Category"}, "entity": {"id": "1", "name": "AI"}}
    ],
    withheld={"copyright": False, "country_codes": []},
)
PLAIN_PAGE = raw_file("plain", page([PLAIN], includes={"users": [ADA]}, meta={"result_count": 1}))
RICH_PAGE = raw_file(
    "rich",
    page(
        [RICH],
        includes={
            "users": [
                dict(ADA, profile_image_url="https://pbs.twimg.com/x.jpg", pinned_tweet_id="1", url="")
            ],
            "polls": [{"id": "1", "options": []}],
        },
        meta={"result_count": 1, "newest_id": PLAIN["id"], "oldest_id": PLAIN["id"]},
        matching_rules=[{"id": 1, "tag": None}],
    ),
)


def test_unknown_extra_fields_are_ignored(parsed):
    # The same tweet with and without fields the schema does not declare: identical records.
    assert_same(
        parsed(RICH_PAGE).drop("page_id", "source_file"), parsed(PLAIN_PAGE).drop("page_id", "source_file")
    )


BLANKS = raw_file("blanks", "", page([tweet("1598000000000000001")]), "   ")


def test_blank_lines_are_dropped(spark, parsed):
    actual = parsed(BLANKS).select("tweet_id", "reject_reason")

    assert_same(
        actual, expected(spark, "tweet_id string, reject_reason string", [("1598000000000000001", None)])
    )


MIXED_LINES = [
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
MIXED = raw_file("mixed", *MIXED_LINES)


def test_every_non_blank_line_yields_at_least_one_row(spark, parsed, lines_df):
    records = parsed(MIXED)

    pages_seen = records.select("page_id").distinct()
    non_blank = lines_df.where((F.col("source_file") == MIXED) & (F.col("value") != ""))
    expected_pages = non_blank.select(F.xxhash64("value").alias("page_id"))
    assert_df_equality(in_order(pages_seen), in_order(expected_pages), ignore_nullable=True)
    # Two tweets each on the first, ninth and tenth line, one record for each other non-blank line.
    assert records.count() == len(MIXED_LINES) - 1 + 3


def test_the_explode_and_the_lookups_after_it_compile_into_one_stage(lines_df, capsys):
    # A lambda right after the explode would keep Spark from fusing the two, and every tweet would be
    # copied with its page's whole includes: at 1M tweets, ingest about 4 s slower.
    parse_raw_lines(lines_df, batch_id=BATCH).explain()

    plan = capsys.readouterr().out.splitlines()
    explode = next(number for number, line in enumerate(plan) if "Generate posexplode" in line)
    stage = re.search(r"\*\((\d+)\) Generate", plan[explode])
    assert stage, plan[explode]
    assert f"*({stage.group(1)}) Project" in plan[explode - 1], plan[explode - 1][:200]
