"""The bundled sample: reproducible for a seed, and holding every case the pipeline must handle.

The files are read here with the json module alone, independently of the pipeline's ingest.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest

from tweets_etl.sample.generator import SampleSpec, write_sample

DAMAGED = "sample-99-damaged.jsonl"


@dataclass
class SampleContents:
    """What the generated files hold, counted line by line."""

    pages: List[Dict[str, Any]] = field(default_factory=list)
    broken_lines: List[str] = field(default_factory=list)
    files_by_tweet: Dict[str, Set[str]] = field(default_factory=lambda: defaultdict(set))
    tweets_by_file: Dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def tweets(self):
        """The collected tweets (the damaged file of broken lines is examined on its own)."""
        for page in self.pages:
            if page["_file"] == DAMAGED:
                continue
            for tweet in page.get("data") or []:
                yield page, tweet


def read_sample(files: List[Path]) -> SampleContents:
    contents = SampleContents()
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as stream:
            for line in stream:
                try:
                    page = json.loads(line)
                except json.JSONDecodeError:
                    contents.broken_lines.append(line)
                    continue
                page["_file"] = path.name
                contents.pages.append(page)
                for tweet in page.get("data") or []:
                    contents.tweets_by_file[path.name] += 1
                    if isinstance(tweet.get("id"), str):
                        contents.files_by_tweet[tweet["id"]].add(path.name)
    return contents


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory) -> List[Path]:
    return write_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample(sample_files) -> SampleContents:
    return read_sample(sample_files)


def ref_types(tweet: Dict[str, Any]) -> Set[str]:
    return {ref["type"] for ref in tweet.get("referenced_tweets", [])}


def test_same_seed_gives_the_same_files_byte_for_byte(tmp_path, sample_files):
    again = write_sample(tmp_path / "again")

    assert [p.name for p in again] == [p.name for p in sample_files]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in sample_files]


def test_another_seed_gives_other_tweets(tmp_path, sample_files):
    other = write_sample(tmp_path / "other", SampleSpec(seed=1))

    assert other[0].read_bytes() != sample_files[0].read_bytes()


def test_manifests_count_the_tweets_in_each_file(sample_files, sample):
    for path in sample_files:
        if path.name.endswith(".gz"):
            manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
            assert manifest["tweets"] == sample.tweets_by_file[path.name]
            assert manifest["producer"] == "tweets-etl sample"


def test_sample_has_every_kind_of_tweet(sample):
    tweets = [tweet for _, tweet in sample.tweets()]
    kinds = [ref_types(tweet) for tweet in tweets]

    assert sum("retweeted" in k for k in kinds) > 500
    assert sum("quoted" in k for k in kinds) > 50
    assert sum("replied_to" in k for k in kinds) > 100
    assert sum(not k for k in kinds) > 500
    assert sum("note_tweet" in tweet for tweet in tweets) > 10
    assert sum("geo" in tweet for tweet in tweets) > 20
    with_media = [tweet for tweet in tweets if "attachments" in tweet]
    assert sum("retweeted" not in ref_types(tweet) for tweet in with_media) > 50
    assert sum("retweeted" in ref_types(tweet) for tweet in with_media) > 20
    assert sum("source" in tweet for tweet in tweets) > 500
    assert sum("source" not in tweet for tweet in tweets) > 100
    assert len({tweet["lang"] for tweet in tweets}) >= 3
    assert any("&amp;" in tweet["text"] or "&lt;" in tweet["text"] for tweet in tweets)


def test_long_posts_are_truncated_in_text_and_whole_in_note_tweet(sample):
    long_posts = [tweet for _, tweet in sample.tweets() if "note_tweet" in tweet]

    assert long_posts
    for tweet in long_posts:
        assert len(tweet["note_tweet"]["text"]) > 280
        assert tweet["text"].endswith("…")
        assert tweet["note_tweet"]["text"].startswith(tweet["text"][:-2])


def test_pages_include_every_author_retweeted_tweet_place_and_media(sample):
    kinds = set()
    for page, tweet in sample.tweets():
        includes = page.get("includes", {})
        users = {user["id"] for user in includes.get("users", [])}
        referenced = {ref["id"] for ref in includes.get("tweets", [])}
        places = {place["id"] for place in includes.get("places", [])}
        media = {item["media_key"]: item["type"] for item in includes.get("media", [])}
        assert tweet["author_id"] in users
        for ref in tweet.get("referenced_tweets", []):
            assert ref["id"] in referenced
        if "geo" in tweet:
            assert tweet["geo"]["place_id"] in places
        for key in tweet.get("attachments", {}).get("media_keys", []):
            kinds.add(media[key])
    assert kinds == {"photo", "video", "animated_gif"}


def test_some_tweets_are_collected_again_in_a_later_file_with_fresher_metrics(sample):
    repeated = {tweet_id for tweet_id, files in sample.files_by_tweet.items() if len(files) > 1}
    sightings = defaultdict(list)
    for page, tweet in sample.tweets():
        if tweet.get("id") in repeated:
            sightings[tweet["id"]].append(
                (page["__twarc"]["retrieved_at"], tweet["public_metrics"]["like_count"])
            )

    assert len(repeated) >= 20
    for seen in sightings.values():
        (first_at, first_likes), (later_at, later_likes) = sorted(seen)[:2]
        assert later_at > first_at
        assert later_likes > first_likes


def test_users_are_seen_many_times_with_changing_follower_counts(sample):
    followers = defaultdict(set)
    for page in sample.pages:
        for user in page.get("includes", {}).get("users", []):
            followers[user["id"]].add(user["public_metrics"]["followers_count"])

    assert sum(len(counts) > 1 for counts in followers.values()) > 20


def test_sample_has_the_broken_lines_real_collections_have(sample):
    damaged = [page for page in sample.pages if page["_file"] == DAMAGED]
    tweets = [tweet for page in damaged for tweet in page.get("data") or []]

    assert any(line.startswith('{"data": [{"id"') for line in sample.broken_lines)
    assert len(sample.broken_lines) >= 2
    assert any("errors" in page and "data" not in page for page in damaged)
    assert any(page.get("meta", {}).get("result_count") == 0 for page in damaged)
    assert any("id" not in tweet for tweet in tweets)
    assert any(isinstance(tweet.get("id"), float) for tweet in tweets)
