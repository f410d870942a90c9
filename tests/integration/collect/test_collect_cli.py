"""`tweets-etl collect` end to end: options, token, exit codes and the summary a person reads."""

from __future__ import annotations

import pytest

from tweets_etl.cli import main

TOKEN = "fake-token-for-tests-a-secret-cli-token-0123456789"


@pytest.fixture
def cli(tmp_path, repo_root, monkeypatch):
    monkeypatch.delenv("TWITTER_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)

    def run(*args: str) -> int:
        return main(
            ["collect", "--var-dir", str(tmp_path / "var"), "--conf-dir", str(repo_root / "conf"), *args]
        )

    return run


def test_collect_writes_raw_files_and_prints_a_summary(cli, x_api, tmp_path, capsys):
    first, _ = x_api.pages()
    x_api.reply(x_api.page(first, None))

    assert cli("--query", "chatgpt lang:en", "--max-tweets", "100") == 0

    out = capsys.readouterr().out
    assert "collected 1 page(s), 100 tweet(s)" in out
    newest = max(int(t["id"]) for t in first["data"])
    assert f"next since_id: {newest}" in out
    assert len(list((tmp_path / "var" / "raw").glob("collect-*.jsonl.gz"))) == 1
    assert x_api.calls()[0]["query"] == "chatgpt lang:en"


def test_missing_token_is_one_sentence_and_exit_3_like_a_refused_one(cli, monkeypatch, capsys):
    monkeypatch.delenv("X_BEARER_TOKEN")

    assert cli("--max-tweets", "10") == 3

    err = capsys.readouterr().err.strip()
    assert err.startswith("tweets-etl collect: error: no X API bearer token: export X_BEARER_TOKEN")
    assert "\n" not in err


def test_403_exits_3_without_trace_or_token(cli, x_api, capsys):
    x_api.replay("Filtered_Stream_Add_Rules__403__403_Forbidden_Client_Not_Enrolled")

    assert cli("-v") == 3

    err = capsys.readouterr().err
    assert "refused access to /2/tweets/search/recent (403 Forbidden" in err
    assert "Traceback" not in err and TOKEN not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--start-time", "yesterday"), "--start-time 'yesterday' is not an RFC 3339 time"),
        (
            ("--query", "x" * 513),
            "the search query is 513 characters long; recent search accepts at most 512",
        ),
        (("--set", "collect.page_size=5"), "collect.page_size is 5"),
    ],
)
def test_bad_options_exit_2_before_any_request(cli, x_api, capsys, args, message):
    assert cli(*args) == 2

    assert message in capsys.readouterr().err
    assert x_api.calls() == []


def test_the_monthly_usage_cap_exits_3_with_one_line(cli, x_api, capsys):
    x_api.reply(
        {
            "title": "UsageCapExceeded",
            "period": "Monthly",
            "scope": "Product",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": "https://api.twitter.com/2/problems/usage-capped",
        },
        status=429,
        headers={"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999"},
    )

    assert cli("--max-tweets", "10") == 3

    err = capsys.readouterr().err.strip()
    assert err.startswith("tweets-etl collect: error: the X API's monthly usage cap is used up")
    assert "\n" not in err and len(x_api.calls()) == 1
