"""A watermark older than recent search's 7-day window: the collector goes on from the window's edge.

Recent search answers 400 to a since_id (or start_time) older than 7 days, so without this every run
after a pause of over a week would fail. The recorded pages were fetched on 2021-09-22 at 16:39 UTC,
so the fake clock is set relative to that.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from tweets_etl.collect.state import InFlight, StateStore
from tweets_etl.xapi import snowflake_time

RECORDED_AT = datetime(2021, 9, 22, 16, 39, tzinfo=timezone.utc)
WINDOW_LESS_MARGIN = timedelta(days=7) - timedelta(hours=1)
# A tweet id of 2021-09-10 (snowflake: milliseconds since 2010-11-04 shifted left by 22 bits).
OLD_WATERMARK = str(
    (int(datetime(2021, 9, 10, tzinfo=timezone.utc).timestamp() * 1000) - 1288834974657) << 22
)


def api_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ids_of(page) -> list:
    return [int(tweet["id"]) for tweet in page["data"]]


def saved_state(collector):
    return json.loads(collector.store.path.read_text())


def lost_tweets_warnings(caplog) -> list:
    return [r.getMessage() for r in caplog.records if "cannot be fetched by recent search" in r.getMessage()]


def test_tweet_time_reads_the_snowflake():
    assert snowflake_time("1440717170493689866") == datetime(2021, 9, 22, 16, 38, 35, 333000, timezone.utc)


@pytest.mark.parametrize("restart", [False, True], ids=["plain", "restart"])
def test_a_watermark_older_than_the_window_becomes_a_start_time_and_still_moves(
    x_api, make_collector, clock, caplog, restart
):
    newer, older = x_api.pages()
    clock.now = RECORDED_AT.timestamp()
    x_api.reply(x_api.page(older, None))
    make_collector().run()
    watermark = str(max(ids_of(older)))
    clock.now += timedelta(days=8).total_seconds()
    x_api.reply(x_api.page(newer, None))

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        collector = make_collector(restart=restart)
        summary = collector.run()

    call = x_api.calls()[1]
    start = api_time(RECORDED_AT + timedelta(days=8) - WINDOW_LESS_MARGIN)
    assert call["start_time"] == start == "2021-09-23T17:39:00Z"
    assert "since_id" not in call and "end_time" not in call and "next_token" not in call
    (warning,) = lost_tweets_warnings(caplog)
    watermark_time = api_time(snowflake_time(watermark))
    assert f"since_id {watermark} (a tweet of {watermark_time})" in warning
    assert f"--archive --start-time {watermark_time} --end-time {start}" in warning
    assert summary.stopped == "complete"
    assert saved_state(collector)["since_id"] == str(max(ids_of(newer)))


def test_a_watermark_just_inside_the_margin_is_sent_as_since_id(x_api, make_collector, clock, caplog):
    _, older = x_api.pages()
    clock.now = RECORDED_AT.timestamp()
    x_api.reply(x_api.page(older, None))
    make_collector().run()
    clock.now += timedelta(days=6, hours=22).total_seconds()
    x_api.reply({"meta": {"result_count": 0}})

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        make_collector().run()

    assert x_api.calls()[1]["since_id"] == str(max(ids_of(older)))
    assert "start_time" not in x_api.calls()[1] and lost_tweets_warnings(caplog) == []


def test_full_archive_search_keeps_an_old_since_id(x_api, make_collector, clock, caplog):
    newer, older = x_api.pages()
    clock.now = RECORDED_AT.timestamp()
    x_api.reply(x_api.page(older, None), endpoint="archive")
    make_collector(archive=True).run()
    clock.now += timedelta(days=30).total_seconds()
    x_api.reply(x_api.page(newer, None), endpoint="archive")

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        make_collector(archive=True).run()

    assert x_api.calls()[1]["since_id"] == str(max(ids_of(older)))
    assert "start_time" not in x_api.calls()[1] and lost_tweets_warnings(caplog) == []


def test_a_pending_pass_with_an_aged_out_since_id_and_no_page_yet_starts_at_the_edge(
    x_api, make_collector, clock, caplog
):
    newer, older = x_api.pages()
    clock.now = RECORDED_AT.timestamp()
    x_api.reply(x_api.page(older, None))
    make_collector().run()
    clock.now += timedelta(days=3).total_seconds()
    for _ in range(2):
        x_api.replay("search_recent_503")
    with pytest.raises(Exception, match="gave up"):
        make_collector(max_retries=1).run()
    watermark = str(max(ids_of(older)))
    assert saved_state(make_collector())["in_flight"]["since_id"] == watermark
    clock.now += timedelta(days=5).total_seconds()
    x_api.reply(x_api.page(newer, None))

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        collector = make_collector()
        collector.run()

    call = x_api.calls()[-1]
    assert call["start_time"] == api_time(
        datetime.fromtimestamp(clock.now, timezone.utc) - WINDOW_LESS_MARGIN
    )
    assert "since_id" not in call
    assert len(lost_tweets_warnings(caplog)) == 1
    assert saved_state(collector)["since_id"] == str(max(ids_of(newer)))


def pending_pass_state(make_collector, newer, **flight) -> None:
    """The state a run at RECORDED_AT leaves after writing the first page of a pass (budget or kill)."""
    store: StateStore = make_collector().store
    state = store.load(query="chatgpt", archive=False)
    state.since_id = OLD_WATERMARK
    state.in_flight = InFlight(
        next_token="b26v89c19zqg8o3fpds60ssjlg8rrux0bxoa7beulbhbx",
        newest_id=str(max(ids_of(newer))),
        oldest_id=str(min(ids_of(newer))),
        pages=1,
        tweets=len(newer["data"]),
        **flight,
    )
    store.save(state)


@pytest.mark.parametrize(
    "flight",
    [{"since_id": OLD_WATERMARK}, {"start_time": "2021-09-15T17:39:00Z"}],
    ids=["since_id", "start_time"],
)
def test_a_pending_pass_whose_lower_bound_aged_out_goes_on_below_the_pages_it_wrote(
    x_api, make_collector, clock, caplog, flight
):
    newer, older = x_api.pages()
    pending_pass_state(make_collector, newer, **flight)
    clock.now = (RECORDED_AT + timedelta(hours=2)).timestamp()
    x_api.reply(x_api.page(older, None))

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        collector = make_collector()
        summary = collector.run()

    (call,) = x_api.calls()
    assert call["start_time"] == "2021-09-15T19:39:00Z"
    # The pending pass's oldest tweet is of 16:33:38.102; end_time is exclusive, so the next second.
    assert call["end_time"] == "2021-09-22T16:33:39Z"
    assert "since_id" not in call and "next_token" not in call
    (warning,) = lost_tweets_warnings(caplog)
    assert "the pass goes on from 2021-09-15T19:39:00Z to 2021-09-22T16:33:39Z" in warning
    assert summary.stopped == "complete"
    assert saved_state(collector)["since_id"] == str(max(ids_of(newer))), "the pass's newest id counts"


def test_a_pending_pass_with_nothing_left_in_reach_ends_and_moves_the_watermark(
    x_api, make_collector, clock, caplog
):
    newer, _ = x_api.pages()
    pending_pass_state(make_collector, newer, since_id=OLD_WATERMARK)
    clock.now = (RECORDED_AT + timedelta(days=7)).timestamp()

    with caplog.at_level(logging.WARNING, logger="tweets_etl.collect"):
        collector = make_collector()
        summary = collector.run()

    assert x_api.calls() == [] and summary.stopped == "complete"
    (warning,) = lost_tweets_warnings(caplog)
    assert "the rest of the pass is out of reach, so the pass ends here" in warning
    assert "Tweets from 2021-09-10T00:00:00Z to 2021-09-22T16:33:39Z" in warning
    state = saved_state(collector)
    assert state["in_flight"] is None and state["since_id"] == str(max(ids_of(newer)))
