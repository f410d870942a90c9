"""Request checks made before anything is sent: query, page size, RFC 3339 times, the 7-day window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tweets_etl.cli import main
from tweets_etl.collect import fields
from tweets_etl.collect.collector import build_request
from tweets_etl.collect.errors import ImportOptionError, RequestCheckError
from tweets_etl.errors import ConfigError

NOW = datetime(2023, 11, 14, 12, 0, tzinfo=timezone.utc)


def request(**options):
    base = dict(query="chatgpt", include_retweets=True, archive=False, max_tweets=100, page_size=100, now=NOW)
    return build_request(**{**base, **options})


def test_retweets_off_adds_the_operator_and_groups_an_or_query():
    assert fields.effective_query("chatgpt  lang:en", include_retweets=False) == "chatgpt lang:en -is:retweet"
    assert (
        fields.effective_query('(chatgpt OR "chat gpt") lang:en', include_retweets=False)
        == '((chatgpt OR "chat gpt") lang:en) -is:retweet'
    )
    assert fields.effective_query("chatgpt -is:retweet", include_retweets=False) == "chatgpt -is:retweet"
    assert fields.effective_query(" chatgpt\n lang:en ", include_retweets=True) == "chatgpt lang:en"


def test_query_id_is_short_stable_and_depends_on_query_and_endpoint():
    recent = fields.query_id("chatgpt  lang:en", archive=False)
    assert recent == fields.query_id("chatgpt lang:en", archive=False)
    assert len(recent) == 12 and int(recent, 16) >= 0
    assert recent != fields.query_id("chatgpt lang:en", archive=True)
    assert recent != fields.query_id("ChatGPT lang:en", archive=False)


def test_query_length_limits_depend_on_the_endpoint():
    assert request(query="x" * 512).query == "x" * 512
    with pytest.raises(RequestCheckError, match="513 characters long; recent search accepts at most 512"):
        request(query="x" * 513)
    assert request(query="x" * 1024, archive=True).archive
    with pytest.raises(RequestCheckError, match="full-archive search accepts at most 1024"):
        request(query="x" * 1025, archive=True)
    with pytest.raises(RequestCheckError, match="query is empty"):
        request(query="   ")


@pytest.mark.parametrize("size", [9, 101, 0])
def test_page_size_out_of_range_is_refused(size):
    with pytest.raises(
        RequestCheckError, match=f"page size {size} is out of range; the X API accepts 10 to 100"
    ):
        request(page_size=size)


def test_request_and_import_option_errors_are_config_errors_that_exit_2():
    assert issubclass(RequestCheckError, ConfigError) and issubclass(ImportOptionError, ConfigError)
    assert RequestCheckError.exit_code == ImportOptionError.exit_code == 2


@pytest.mark.parametrize("budget", [0, -5])
def test_a_budget_below_one_is_a_bad_option_like_the_others(budget):
    with pytest.raises(RequestCheckError, match=f"--max-tweets is {budget}; it must be at least 1"):
        request(max_tweets=budget)


def test_collect_max_tweets_0_exits_2_with_one_line_before_any_token_or_request(
    tmp_path, repo_root, monkeypatch, capsys
):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.delenv("TWITTER_BEARER_TOKEN", raising=False)
    argv = ["collect", "--var-dir", str(tmp_path), "--conf-dir", str(repo_root / "conf"), "--max-tweets", "0"]

    assert main(argv) == 2
    assert capsys.readouterr().err == "tweets-etl collect: error: --max-tweets is 0; it must be at least 1\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-11-10T08:30:00Z", "2023-11-10T08:30:00Z"),
        ("2023-11-10T08:30:00.123456789z", "2023-11-10T08:30:00Z"),
        ("2023-11-10 10:30:00+02:00", "2023-11-10T08:30:00Z"),
    ],
)
def test_rfc3339_times_become_utc_seconds(text, expected):
    assert fields.format_api_time(fields.parse_rfc3339(text, option="--start-time")) == expected


@pytest.mark.parametrize(
    "text", ["2023-11-10", "2023-11-10T08:30:00", "2023-02-30T00:00:00Z", "yesterday", ""]
)
def test_times_without_offset_or_impossible_are_refused(text):
    with pytest.raises(RequestCheckError, match="--end-time"):
        fields.parse_rfc3339(text, option="--end-time")


def test_time_window_rules_of_recent_search():
    with pytest.raises(RequestCheckError, match=r"older than 7 days.*use --archive"):
        request(start_time="2023-11-01T00:00:00Z")
    assert request(start_time="2023-11-01T00:00:00Z", archive=True).start_time == "2023-11-01T00:00:00Z"
    with pytest.raises(RequestCheckError, match="is not before --end-time"):
        request(start_time="2023-11-12T00:00:00Z", end_time="2023-11-11T00:00:00Z")
    with pytest.raises(RequestCheckError, match="at least 10 seconds in the past"):
        request(end_time="2023-11-14T11:59:55Z")


def test_search_params_ask_for_the_full_field_set():
    params = fields.search_params("q", max_results=10, since_id="5")
    assert params["since_id"] == "5" and "next_token" not in params
    for field in ("note_tweet", "public_metrics", "entities", "geo", "context_annotations", "source"):
        assert field in params["tweet_fields"]
    for field in ("location", "verified_type", "public_metrics", "description"):
        assert field in params["user_fields"]
    assert "referenced_tweets.id.author_id" in params["expansions"]
