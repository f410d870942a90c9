"""v1.1 and twarc2 import on small inline records: conversion rules and what gets rejected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.raw_pages import read_pages
from tweets_etl.collect.errors import ImportInputError
from tweets_etl.collect.importers import ImportOptions, ImportSummary, run_import, summary_lines
from tweets_etl.collect.importers.twarc2 import unflatten


def run(tmp_path: Path, fmt: str, text: str, name: str = "input.jsonl"):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text, encoding="utf-8")
    summary = run_import(
        [str(tmp_path / name)],
        ImportOptions(format=fmt),
        out_dir=tmp_path / "raw",
        rejects_dir=tmp_path / "rej",
    )
    pages = read_pages(tmp_path / "raw")
    return summary.files[0], pages


V1_RETWEET = {
    "created_at": "Wed Oct 10 20:19:24 +0000 2018",
    "id": 1050118621198921728,
    "id_str": "1050118621198921728",
    "text": "RT @someone: the long original text that v1.1 cut sho\u2026",
    "source": '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
    "user": {
        "id": 6253282,
        "id_str": "6253282",
        "screen_name": "TwitterAPI",
        "followers_count": 10,
        "friends_count": 2,
        "created_at": "Wed May 23 06:01:13 +0000 2007",
    },
    "retweet_count": 3,
    "favorite_count": 0,
    "lang": "en",
    "entities": {
        "hashtags": [],
        "user_mentions": [{"screen_name": "someone", "id_str": "42", "indices": [3, 11]}],
    },
    "retweeted_status": {
        "created_at": "Wed Oct 10 18:00:00 +0000 2018",
        "id_str": "1050083000000000000",
        "text": "the long original text that v1.1 cut sho\u2026",
        "truncated": True,
        "extended_tweet": {
            "full_text": "the long original text that v1.1 cut short, here in full #ChatGPT",
            "entities": {"hashtags": [{"text": "ChatGPT", "indices": [57, 65]}]},
        },
        "user": {"id_str": "42", "screen_name": "someone"},
        "place": {
            "id": "01a9a39529b27f36",
            "full_name": "Manhattan, NY",
            "country": "United States",
            "bounding_box": {
                "type": "Polygon",
                "coordinates": [[[-74.0, 40.6], [-73.9, 40.6], [-73.9, 40.8], [-74.0, 40.8]]],
            },
        },
    },
}


def test_v1_retweet_becomes_a_reference_with_the_full_original_in_includes(tmp_path):
    stats, (page,) = run(tmp_path, "v1", json.dumps(V1_RETWEET) + "\n")
    (tweet,) = page["data"]

    assert tweet["id"] == "1050118621198921728" and tweet["author_id"] == "6253282"
    assert tweet["created_at"] == "2018-10-10T20:19:24.000Z"
    assert tweet["source"] == "Twitter for iPhone"
    assert tweet["referenced_tweets"] == [{"type": "retweeted", "id": "1050083000000000000"}]
    assert tweet["public_metrics"] == {"retweet_count": 3, "like_count": 0}
    assert tweet["entities"] == {"mentions": [{"start": 3, "end": 11, "username": "someone", "id": "42"}]}
    (original,) = page["includes"]["tweets"]
    assert original["text"].endswith("here in full #ChatGPT")
    assert original["entities"]["hashtags"] == [{"start": 57, "end": 65, "tag": "ChatGPT"}]
    assert original["geo"] == {"place_id": "01a9a39529b27f36"}
    (place,) = page["includes"]["places"]
    assert place["geo"]["bbox"] == [-74.0, 40.6, -73.9, 40.8]
    users = {u["id"]: u for u in page["includes"]["users"]}
    assert users["6253282"]["public_metrics"] == {"followers_count": 10, "following_count": 2}
    assert users["6253282"]["created_at"] == "2007-05-23T06:01:13.000Z"
    assert stats.rows_read == 1 and stats.rejected_total == 0


def test_v1_ids_that_lost_digits_are_refused(tmp_path):
    lines = [
        '{"id": 1.0501186211989217e18, "text": "float id", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}',
        '{"id": 20, "text": "exact small int", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}',
        '{"id": 1050118621198921729, "text": "no id_str", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}',
        '{"id": 1050118621198921729, "id_str": "1050118621198921729", "text": "big int with id_str",'
        ' "created_at": "Wed Oct 10 20:19:24 +0000 2018"}',
        '{"id_str": "1050118621198921730", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}',
        '{"delete": {"status": {"id_str": "1"}}}',
        '{"id_str": "1050118621198921731", "text": "bad time", "created_at": "yesterday"}',
        "{not json",
    ]
    stats, (page,) = run(tmp_path, "v1", "\n".join(lines) + "\n")

    assert [t["id"] for t in page["data"]] == ["20", "1050118621198921729"]
    assert dict(stats.rejected) == {
        "id_is_a_float": 1,
        "id_unsafe_integer": 1,
        "missing_text": 1,
        "stream_control_message": 1,
        "bad_created_at": 1,
        "malformed_json": 1,
    }
    assert stats.samples["id_unsafe_integer"] == ["line 3"]
    assert stats.rows_read == 8


def test_v1_integer_ids_are_trusted_only_up_to_2_53_without_their_id_str(tmp_path):
    def tweet(tweet_id: int, user_id: int) -> str:
        record = {"id": tweet_id, "text": "t", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}
        return json.dumps({**record, "user": {"id": user_id, "screen_name": "u"}})

    largest_exact = 2**53 - 1
    # 2**53 + 1 has no double of its own: JavaScript writes it as 2**53, so 2**53 is ambiguous too.
    lines = [tweet(largest_exact, 7), tweet(2**53, 7), tweet(largest_exact - 1, 2**53)]
    stats, (page,) = run(tmp_path, "v1", "\n".join(lines) + "\n")

    assert [t["id"] for t in page["data"]] == [str(largest_exact), str(largest_exact - 1)]
    assert dict(stats.rejected) == {"id_unsafe_integer": 1}
    assert page["data"][0]["author_id"] == "7"
    assert "author_id" not in page["data"][1], "a user id that may be rounded is left out, as a bad one is"


def test_v1_json_array_and_archive_tweets_js(tmp_path):
    tweet = {
        "id_str": "20",
        "full_text": "just setting up my twttr",
        "created_at": "Tue Mar 21 20:50:14 +0000 2006",
    }
    stats, pages = run(tmp_path / "array", "v1", json.dumps([tweet, tweet]), name="tweets.json")
    assert [t["text"] for t in pages[0]["data"]] == ["just setting up my twttr"] * 2
    archive = "window.YTD.tweets.part0 = " + json.dumps([{"tweet": tweet}], indent=2)
    stats, pages = run(tmp_path / "archive", "v1", archive, name="tweets.js")
    assert pages[0]["data"][0]["created_at"] == "2006-03-21T20:50:14.000Z"
    pretty = json.dumps(tweet, indent=2)
    stats, pages = run(tmp_path / "pretty", "v1", pretty, name="one.json")
    assert stats.rows_read == 1 and pages[0]["data"][0]["id"] == "20"


def flatten(page: Dict[str, Any]) -> List[Dict[str, Any]]:
    """What `twarc2 flatten` writes for a page: each tweet with its expansions copied inline."""
    includes = page.get("includes", {})
    users = {u["id"]: u for u in includes.get("users", [])}
    by_name = {u["username"]: u for u in includes.get("users", [])}
    places = {p["id"]: p for p in includes.get("places", [])}
    tweets = {t["id"]: t for t in includes.get("tweets", [])}

    def expand(tweet: Dict[str, Any]) -> Dict[str, Any]:
        tweet = json.loads(json.dumps(tweet))
        if "author_id" in tweet:
            tweet["author"] = users.get(tweet["author_id"], {})
        if "geo" in tweet and "place_id" in tweet["geo"]:
            tweet["geo"] = {**tweet["geo"], **places.get(tweet["geo"]["place_id"], {})}
        mentions = tweet.get("entities", {}).get("mentions")
        if mentions:
            tweet["entities"]["mentions"] = [{**m, **by_name.get(m["username"], {})} for m in mentions]
        if "referenced_tweets" in tweet:
            tweet["referenced_tweets"] = [
                {**ref, **(expand(tweets[ref["id"]]) if ref["id"] in tweets else {})}
                for ref in tweet["referenced_tweets"]
            ]
        return tweet

    return [{**expand(t), "__twarc": page["__twarc"]} for t in page["data"]]


def test_flattened_twarc2_tweets_are_turned_back_into_pages(tmp_path, shared_data):
    page = json.loads((shared_data / "x_api_v2_pages" / "kpop.jsonl").read_text())
    flat = flatten(page)
    stats, pages = run(tmp_path, "twarc2", "\n".join(json.dumps(t) for t in flat) + "\n")

    (rebuilt,) = pages
    assert [t["id"] for t in rebuilt["data"]] == [t["id"] for t in page["data"]]
    for original, tweet in zip(page["data"], rebuilt["data"]):
        assert "author" not in tweet and "__twarc" not in tweet
        assert {k: v for k, v in tweet.items() if k != "entities"} == {
            k: v for k, v in original.items() if k != "entities"
        }
    users = {u["id"] for u in rebuilt["includes"]["users"]}
    assert {t["author_id"] for t in rebuilt["data"]} <= users
    referenced = {
        r["id"]
        for t in page["data"]
        for r in t.get("referenced_tweets", [])
        if r["id"] in {x["id"] for x in page["includes"].get("tweets", [])}
    }
    assert referenced <= {t["id"] for t in rebuilt["includes"]["tweets"]}
    assert rebuilt["__twarc"]["url"] == page["__twarc"]["url"], "twarc's provenance is kept"
    assert rebuilt["__twarc"]["producer"] == "tweets-etl import"
    assert stats.warnings["flattened_tweets_regrouped"] == 100


def test_unflatten_moves_place_and_media_back_to_includes():
    flat = {
        "id": "1",
        "text": "hi",
        "geo": {"place_id": "p1", "id": "p1", "full_name": "Paris, France"},
        "attachments": {"media_keys": ["3_9"], "media": [{"media_key": "3_9", "type": "photo"}]},
        "author": {"id": "7", "username": "u", "pinned_tweet": {"id": "5"}},
        "author_id": "7",
        "__twarc": {"url": "u"},
    }
    tweet, includes = unflatten(flat)
    assert tweet == {
        "id": "1",
        "text": "hi",
        "geo": {"place_id": "p1"},
        "attachments": {"media_keys": ["3_9"]},
        "author_id": "7",
    }
    assert includes == {
        "users": [{"id": "7", "username": "u"}],
        "places": [{"id": "p1", "full_name": "Paris, France"}],
        "media": [{"media_key": "3_9", "type": "photo"}],
    }


def test_twarc2_lines_that_are_not_pages_are_rejected(tmp_path):
    stats, pages = run(
        tmp_path, "twarc2", '[1, 2]\n{"hello": "world"}\n\n{"data": [{"id": "5", "text": "ok"}]}\n'
    )
    assert dict(stats.rejected) == {"not_a_page": 2}
    assert stats.blank_lines == 1 and [p["data"] for p in pages] == [[{"id": "5", "text": "ok"}]]
    assert pages[0]["__twarc"]["url"].startswith("file://")


def test_v1_tweets_given_as_twarc2_are_rejected_with_what_to_do(tmp_path):
    v2_tweet = {"id": "7", "text": "a v2 tweet", "author_id": "1"}
    trimmed_v1 = {"id": 8, "text": "v1 without id_str or user", "favorite_count": 0}
    page = {"data": [v2_tweet, V1_RETWEET], "meta": {"result_count": 2}}
    lines = [V1_RETWEET, trimmed_v1, page, {"data": [V1_RETWEET]}, v2_tweet]
    stats, pages = run(tmp_path, "twarc2", "".join(json.dumps(line) + "\n" for line in lines))

    assert dict(stats.rejected) == {"v1_tweet": 4}
    assert stats.samples["v1_tweet"] == ["line 1", "line 2", "line 3 tweet 2", "line 4 tweet 1"]
    # The page keeps its v2 tweet; the page left with none is not written (its reject accounts for it).
    assert [p["data"] for p in pages] == [[v2_tweet], [v2_tweet]]
    assert stats.warnings["pages_with_every_tweet_rejected_not_written"] == 1
    (hint,) = [line for line in summary_lines(ImportSummary(files=[stats]), tmp_path) if "v1_tweet:" in line]
    assert hint == (
        "  rejected v1_tweet: 4 (e.g. line 1, line 2, line 3 tweet 2, line 4 tweet 1); "
        "X API v1.1 tweets, not v2: import them with --format v1"
    )


def test_twarc2_integer_ids_become_strings_up_to_2_53_and_are_rejected_above(tmp_path):
    safe, unsafe = 2**53 - 1, 872836479608733700  # the second: a JavaScript-rounded ...696
    page = {"data": [{"id": safe, "text": "a"}, {"id": unsafe, "text": "b"}, {"id": "9", "text": "c"}]}
    lines = [
        page,
        {"data": [{"id": 2**53, "text": "d"}]},
        {"id": unsafe, "text": "flattened"},
        {"id": 12, "text": "flattened", "author": {"id": "1", "username": "u"}},
    ]
    stats, pages = run(tmp_path, "twarc2", "".join(json.dumps(line) + "\n" for line in lines))

    assert dict(stats.rejected) == {"id_unsafe_integer": 3}
    assert stats.samples["id_unsafe_integer"] == ["line 1 tweet 2", "line 2 tweet 1", "line 3"]
    assert [[t["id"] for t in p["data"]] for p in pages] == [[str(safe), "9"], ["12"]]
    assert stats.warnings["integer_ids_made_strings"] == 2
    assert stats.warnings["pages_with_every_tweet_rejected_not_written"] == 1
    assert "tweets_without_a_string_id" not in stats.warnings
    # Every tweet is written or rejected: of the 6 tweets on 4 lines, 3 are written and 3 rejected.
    assert (stats.rows_read, stats.tweets_written, stats.rejected_total) == (4, 3, 3)


def test_a_folder_is_not_searched_below_and_the_summary_names_what_it_skipped(tmp_path):
    folder = tmp_path / "exports"
    (folder / "older" / "deeper").mkdir(parents=True)
    (folder / "older" / "b.jsonl").write_text('{"data": [{"id": "2", "text": "b"}]}\n')
    (folder / "a.jsonl").write_text('{"data": [{"id": "1", "text": "a"}]}\n')
    (folder / "LICENSE").write_text("MIT\n")
    (folder / ".DS_Store").write_text("")

    summary = run_import(
        [str(folder)], ImportOptions(format="twarc2"), out_dir=tmp_path / "raw", rejects_dir=tmp_path / "rej"
    )

    assert [stats.source for stats in summary.files] == ["a.jsonl"]
    note = (
        f"{folder}: skipped 1 subfolder (older/) and 1 file of another kind (LICENSE); "
        "name them to import them"
    )
    assert summary.notes == [note]
    assert f"note: {note}" in summary_lines(summary, tmp_path / "raw")


def test_a_folder_with_nothing_to_import_names_its_subfolders_in_the_error(tmp_path):
    (tmp_path / "in" / "2023").mkdir(parents=True)
    (tmp_path / "in" / "2024").mkdir()
    with pytest.raises(
        ImportInputError, match=r"it has 2 subfolders \(2023/, 2024/\) \(folders are not searched\)"
    ):
        run_import(
            [str(tmp_path / "in")], ImportOptions(format="v1"), out_dir=tmp_path / "raw", rejects_dir=tmp_path
        )
