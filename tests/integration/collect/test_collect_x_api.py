"""The collector against recorded X API v2 HTTP: paging, resume, rate limits, errors, budget."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.raw_pages import read_pages
from tweets_etl.collect.errors import AccessError, CollectError
from tweets_etl.collect.spool import PageSpool
from tweets_etl.rawfiles import read_manifest


def tweet_ids(pages: List[Dict[str, Any]]) -> List[str]:
    return [tweet["id"] for page in pages for tweet in page.get("data") or []]


def state_of(tmp_path: Path, collector) -> Dict[str, Any]:
    return json.loads((tmp_path / "state" / f"{collector.request.query_id}.json").read_text())


class InjectedKillError(Exception):
    pass


def kill_after(pages: int):
    def on_page(event) -> None:
        if event.page_number == pages:
            raise InjectedKillError(f"killed after page {pages}")

    return on_page


def test_two_pages_follow_next_token_and_keep_pages_untouched(x_api, make_collector, tmp_path):
    first, second = x_api.pages()
    page1, page2 = (
        x_api.page(first, "b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx"),
        x_api.page(second, None),
    )
    x_api.reply(page1)
    x_api.reply(page2)

    collector = make_collector()
    summary = collector.run()

    calls = x_api.calls()
    assert [call.get("next_token") for call in calls] == [
        None,
        "b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx",
    ]
    assert calls[0]["query"] == "chatgpt" and calls[0]["max_results"] == "100"
    assert "note_tweet" in calls[0]["tweet.fields"].split(",")
    assert "geo.place_id" in calls[0]["expansions"].split(",")
    assert "verified_type" in calls[0]["user.fields"].split(",")
    assert "since_id" not in calls[0]

    written = read_pages(tmp_path / "raw")
    assert [{k: v for k, v in page.items() if k != "__twarc"} for page in written] == [page1, page2]
    assert written[0]["errors"] == first["errors"], "partial errors inside a 200 are kept"
    stamp = written[1]["__twarc"]
    assert stamp["producer"] == "tweets-etl collect"
    assert stamp["query_id"] == collector.request.query_id
    assert "next_token=b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx" in stamp["url"]
    assert stamp["retrieved_at"] == "2023-11-14T22:13:20+00:00"

    (raw_file,) = summary.files
    manifest = read_manifest(raw_file)
    assert (manifest["pages"], manifest["tweets"]) == (2, 200)
    ids = [int(i) for i in tweet_ids(written)]
    assert state_of(tmp_path, collector)["since_id"] == str(max(ids))
    assert state_of(tmp_path, collector)["in_flight"] is None
    assert (summary.pages, summary.tweets, summary.stopped) == (2, 200, "complete")
    assert not (tmp_path / "state" / f"{collector.request.query_id}.spool.jsonl").exists()


def test_next_run_asks_only_for_tweets_newer_than_the_last_one(x_api, make_collector, tmp_path, clock):
    clock.now = 1632328740  # 2021-09-22T16:39:00Z, when the recorded pages were fetched
    first, _ = x_api.pages()
    x_api.reply(x_api.page(first, None))
    make_collector().run()
    watermark = str(max(int(t["id"]) for t in first["data"]))
    x_api.reply({"meta": {"result_count": 0}})

    collector = make_collector()
    summary = collector.run()

    assert x_api.calls()[1]["since_id"] == watermark
    assert (summary.pages, summary.tweets, summary.since_id) == (1, 0, watermark)
    assert state_of(tmp_path, collector)["passes_completed"] == 2


def test_429_sleeps_until_the_reset_time_and_says_why(x_api, make_collector, clock, caplog):
    recorded = x_api.replay("Tweet_Lookup_Single_Tweet__429__429_Rate_Limit_Exceeded")
    reset = int(recorded["headers"]["x-rate-limit-reset"])
    clock.now = reset - 100
    x_api.reply(x_api.page(x_api.pages()[1], None))

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        summary = make_collector().run()

    assert clock.sleeps == [101.0]
    assert summary.pages == 1 and len(x_api.calls()) == 2
    (line,) = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert "until 15:24:34 UTC" in line and "15 requests per window" in line


def test_429_wait_is_capped(x_api, make_collector, clock, caplog):
    recorded = x_api.replay("User_Lookup_User_by_ID__429__429_Rate_Limit_Exceeded")
    clock.now = int(recorded["headers"]["x-rate-limit-reset"]) - 5000
    x_api.reply(x_api.page(x_api.pages()[1], None))

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        make_collector(max_rate_limit_wait=905).run()

    assert clock.sleeps == [905.0]
    assert "capped by collect.max_rate_limit_wait_seconds" in caplog.text


def test_429_with_requests_left_is_a_short_backoff(x_api, make_collector, clock):
    x_api.replay("search_recent_429_per_second")
    x_api.reply(x_api.page(x_api.pages()[1], None))

    make_collector().run()

    (wait,) = clock.sleeps
    assert 1.0 <= wait <= 2.0


def test_429_whose_reset_already_passed_on_this_clock_backs_off_with_growing_waits(
    x_api, make_collector, clock
):
    for _ in range(3):
        recorded = x_api.replay("Tweet_Lookup_Single_Tweet__429__429_Rate_Limit_Exceeded")
    clock.now = int(recorded["headers"]["x-rate-limit-reset"]) + 60  # our clock runs ahead of X's
    x_api.reply(x_api.page(x_api.pages()[1], None))

    summary = make_collector().run()

    assert summary.pages == 1 and len(x_api.calls()) == 4
    first, second, third = clock.sleeps
    assert 1.0 <= first <= 2.0 and 2.0 <= second <= 4.0 and 4.0 <= third <= 8.0


# The body and rate-limit headers of a real monthly-cap 429 (xdevplatform/xdk issue #25, 2026-02-07),
# on the recorded 429's other headers: the window still has requests left, yet nothing will succeed.
USAGE_CAPPED_BODY = {
    "account_id": "1234567890",
    "product_name": "standard-basic",
    "title": "UsageCapExceeded",
    "period": "Monthly",
    "scope": "Product",
    "detail": "Usage cap exceeded: Monthly product cap",
    "type": "https://api.twitter.com/2/problems/usage-capped",
}


def reply_usage_capped(x_api, **headers: str) -> None:
    recorded = x_api.recorded("Tweet_Lookup_Single_Tweet__429__429_Rate_Limit_Exceeded")
    recorded["headers"].update({"content-type": "application/problem+json", **headers})
    x_api.reply(USAGE_CAPPED_BODY, status=429, headers=recorded["headers"])


@pytest.mark.parametrize(
    "headers",
    [
        {"x-rate-limit-limit": "40000", "x-rate-limit-remaining": "39999"},
        {"x-rate-limit-remaining": "0"},
    ],
    ids=["requests-left", "window-spent"],
)
def test_the_monthly_usage_cap_fails_at_once_without_waiting(x_api, make_collector, clock, headers):
    reply_usage_capped(x_api, **headers)
    clock.now = 1593185073 - 600  # a window reset 10 minutes away must not be waited for
    x_api.reply(x_api.page(x_api.pages()[1], None))

    with pytest.raises(AccessError) as raised:
        make_collector().run()

    message = str(raised.value)
    assert "monthly usage cap is used up" in message and "Usage cap exceeded: Monthly product cap" in message
    assert "\n" not in message
    assert len(x_api.calls()) == 1 and clock.sleeps == []


def test_a_usage_cap_told_only_by_the_problem_type_fails_at_once(x_api, make_collector, clock):
    x_api.reply(
        {"title": "Too Many Requests", "type": "https://api.twitter.com/2/problems/usage-capped"},
        status=429,
        headers={"x-rate-limit-remaining": "12", "content-type": "application/problem+json"},
    )

    with pytest.raises(AccessError, match="monthly usage cap"):
        make_collector().run()
    assert clock.sleeps == []


def test_503_is_retried_with_growing_jittered_backoff(x_api, make_collector, clock):
    x_api.replay("search_recent_503")
    x_api.replay("search_recent_503")
    x_api.reply(x_api.page(x_api.pages()[1], None))

    summary = make_collector().run()

    assert summary.pages == 1 and len(x_api.calls()) == 3
    assert 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 4.0


def test_connection_errors_are_retried(x_api, make_collector, clock):
    import requests

    x_api.reply(requests.ConnectionError("connection reset by peer"))
    x_api.reply(x_api.page(x_api.pages()[1], None))

    assert make_collector().run().pages == 1
    assert len(clock.sleeps) == 1


def test_persistent_5xx_gives_up_after_max_retries_and_keeps_the_position(x_api, make_collector, tmp_path):
    first, _ = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    for _ in range(3):
        x_api.replay("search_recent_503")

    collector = make_collector(max_retries=2)
    with pytest.raises(CollectError, match="gave up after 3 attempts: the X API answered 503"):
        collector.run()

    assert len(x_api.calls()) == 4
    assert state_of(tmp_path, collector)["in_flight"]["next_token"] == "token-2"
    assert tweet_ids(read_pages(tmp_path / "raw")) == [t["id"] for t in first["data"]]


def test_403_fails_fast_with_a_sentence_about_access(x_api, make_collector, clock):
    x_api.replay("Filtered_Stream_Add_Rules__403__403_Forbidden_Client_Not_Enrolled")

    with pytest.raises(AccessError) as raised:
        make_collector().run()

    message = str(raised.value)
    assert "403 Forbidden" in message and "client-not-enrolled" in message
    assert "Project" in message and "access tier" in message
    assert len(x_api.calls()) == 1 and clock.sleeps == []


def test_401_fails_fast_with_a_sentence_about_the_token(x_api, make_collector):
    x_api.replay("Filtered_Stream_Retrieve_Rules__401__401_Unauthorized")

    with pytest.raises(AccessError, match=r"rejected the bearer token .*X_BEARER_TOKEN"):
        make_collector().run()


def test_budget_stops_early_and_the_next_run_continues_the_same_pass(x_api, make_collector, tmp_path):
    first, second = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    x_api.reply(x_api.page(second, "token-3"))

    summary = make_collector(max_tweets=150).run()

    assert [c["max_results"] for c in x_api.calls()] == ["100", "50"]
    assert (summary.stopped, summary.tweets, summary.pending_next_token) == ("budget", 200, True)
    x_api.reply({"meta": {"result_count": 0}})
    collector = make_collector()
    summary = collector.run()
    assert x_api.calls()[2].get("next_token") == "token-3"
    assert "since_id" not in x_api.calls()[2]
    assert summary.stopped == "complete"
    ids = [int(t["id"]) for page in (first, second) for t in page["data"]]
    assert state_of(tmp_path, collector)["since_id"] == str(max(ids))


def test_killed_run_resumes_after_the_last_page_written(x_api, make_collector, tmp_path):
    first, second = x_api.pages()
    third = {"meta": {"result_count": 0}}
    x_api.reply(x_api.page(first, "token-2"))
    x_api.reply(x_api.page(second, "token-3"))

    with pytest.raises(InjectedKillError):
        make_collector(on_page=kill_after(2)).run()
    assert [c.get("next_token") for c in x_api.calls()] == [None, "token-2"]
    assert len(read_pages(tmp_path / "raw")) == 2, "pages written before the failure are kept"

    x_api.reply(third)
    summary = make_collector().run()

    assert [c.get("next_token") for c in x_api.calls()] == [None, "token-2", "token-3"]
    assert summary.resumed and summary.stopped == "complete"
    ids = tweet_ids(read_pages(tmp_path / "raw"))
    assert len(ids) == len(set(ids)) == 200


def test_a_page_in_the_spool_but_not_in_the_state_is_not_fetched_again(x_api, make_collector, tmp_path):
    """The crash window between making a page durable and recording it in the state."""
    first, second = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    collector = make_collector(on_page=kill_after(1))
    with pytest.raises(InjectedKillError):
        collector.run()
    # The second page reaches the spool, then the process dies before the state is saved.
    spool = PageSpool(collector.store.spool_path)
    spool.append({**x_api.page(second, "token-3"), "__twarc": {"url": "recorded"}})
    spool.close()
    assert state_of(tmp_path, collector)["in_flight"]["next_token"] == "token-2"
    x_api.reply({"meta": {"result_count": 0}})

    summary = make_collector().run()

    assert [c.get("next_token") for c in x_api.calls()] == [None, "token-3"]
    assert summary.recovered_pages == 1
    ids = tweet_ids(read_pages(tmp_path / "raw"))
    assert len(ids) == len(set(ids)) == 200


def test_two_collectors_on_the_same_query_cannot_run(x_api, make_collector, tmp_path):
    collector = make_collector()
    refused = pytest.raises(CollectError, match="another collector is already running this query")
    with collector.store.locked(), refused:
        make_collector().run()
    assert x_api.calls() == []


def test_archive_search_is_paced_to_one_request_per_second(x_api, make_collector, clock):
    first, second = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"), endpoint="archive")
    x_api.reply(x_api.page(second, None), endpoint="archive")

    make_collector(archive=True).run()

    assert [c["_path"] for c in x_api.calls()] == ["/2/tweets/search/all"] * 2
    assert clock.sleeps == [pytest.approx(1.05)]


def test_a_time_window_is_sent_and_does_not_move_an_existing_watermark(
    x_api, make_collector, tmp_path, clock
):
    first, second = x_api.pages()
    x_api.reply(x_api.page(second, None))
    make_collector().run()
    watermark = str(max(int(t["id"]) for t in second["data"]))
    x_api.reply(x_api.page(first, None))

    collector = make_collector(start_time="2023-11-10T00:00:00+01:00", end_time="2023-11-12T00:00:00Z")
    collector.run()

    call = x_api.calls()[1]
    assert (call["start_time"], call["end_time"]) == ("2023-11-09T23:00:00Z", "2023-11-12T00:00:00Z")
    assert "since_id" not in call
    assert state_of(tmp_path, collector)["since_id"] == watermark


def test_a_different_window_while_a_pass_is_pending_is_refused(x_api, make_collector):
    first, _ = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    make_collector(max_tweets=100).run()

    with pytest.raises(CollectError, match="interrupted pass of this query is pending"):
        make_collector(start_time="2023-11-10T00:00:00Z").run()
    x_api.reply({"meta": {"result_count": 0}})
    make_collector(start_time="2023-11-10T00:00:00Z", restart=True).run()
    assert x_api.calls()[1].get("next_token") is None


KILLED_COLLECTOR = """
import json, os, random, signal, sys
import responses
from responses.registries import OrderedRegistry
from tweets_etl.collect.client import RetryPolicy, SearchClient
from tweets_etl.collect.collector import Collector, build_request

bodies_file, state_dir, out_dir = sys.argv[1:4]
with responses.RequestsMock(registry=OrderedRegistry) as mock:
    for body in json.load(open(bodies_file)):
        mock.add(responses.GET, "https://api.twitter.com/2/tweets/search/recent", json=body)
    request = build_request(query="chatgpt", include_retweets=True, archive=False, max_tweets=1000,
                            page_size=100)
    client = SearchClient("test-token-for-a-killed-run", policy=RetryPolicy(), rng=random.Random(1))

    def on_page(event):
        if event.page_number == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    Collector(request, client=client, state_dir=state_dir, out_dir=out_dir, on_page=on_page).run()
"""


def test_sigkill_mid_run_loses_no_page_and_refetches_none(x_api, make_collector, tmp_path, repo_root):
    import subprocess
    import sys

    first, second = x_api.pages()
    bodies = tmp_path / "bodies.json"
    bodies.write_text(json.dumps([x_api.page(first, "token-2"), x_api.page(second, "token-3")]))
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_COLLECTOR, str(bodies), str(tmp_path / "state"), str(tmp_path / "raw")],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -9, killed.stderr
    assert read_pages(tmp_path / "raw") == [], "the pages were only in the spool when the process died"

    x_api.reply({"meta": {"result_count": 0}})
    collector = make_collector()
    summary = collector.run()

    assert [c.get("next_token") for c in x_api.calls()] == ["token-3"]
    assert summary.recovered_pages == 2 and summary.resumed
    ids = tweet_ids(read_pages(tmp_path / "raw"))
    assert len(ids) == len(set(ids)) == 200
    assert state_of(tmp_path, collector)["since_id"] == str(max(int(i) for i in ids))


def test_a_400_on_a_continued_pass_suggests_restart(x_api, make_collector):
    first, _ = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    make_collector(max_tweets=100).run()
    problem = {
        "errors": [{"parameters": {"next_token": ["token-2"]}, "message": "Invalid next_token"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
    }
    x_api.reply(problem, status=400)

    with pytest.raises(CollectError, match=r"Invalid next_token.*run again with --restart"):
        make_collector().run()


def test_a_cut_off_body_is_fetched_again(x_api, make_collector, clock):
    second = x_api.page(x_api.pages()[1], None)
    x_api.reply(json.dumps(second)[:5000])
    x_api.reply(second)

    summary = make_collector().run()

    assert summary.tweets == 100 and len(x_api.calls()) == 2 and len(clock.sleeps) == 1
