"""Collector state: how pages move it, when the since_id watermark moves, the lock, the spool."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tweets_etl.collect.errors import CollectError
from tweets_etl.collect.spool import PageSpool
from tweets_etl.collect.state import CollectState, InFlight, StateStore


def page(ids, next_token=None):
    meta = {"result_count": len(ids)}
    if next_token:
        meta["next_token"] = next_token
    body = {"meta": meta}
    if ids:
        body["data"] = [{"id": str(i), "text": "t"} for i in ids]
    return body


def test_pages_move_the_token_and_the_finished_pass_moves_the_watermark():
    state = CollectState(query_id="q", query="chatgpt", since_id="100", in_flight=InFlight(since_id="100"))
    state.advance(page([205, 204], "t2"))
    assert (state.in_flight.next_token, state.in_flight.newest_id, state.since_id) == ("t2", "205", "100")
    state.advance(page([203]))
    assert state.in_flight is None
    assert (state.since_id, state.spooled_pages, state.passes_completed) == ("205", 2, 1)


def test_an_empty_pass_leaves_the_watermark_alone():
    state = CollectState(query_id="q", query="chatgpt", since_id="100", in_flight=InFlight(since_id="100"))
    state.advance(page([]))
    assert state.since_id == "100" and state.in_flight is None


def test_a_backfill_pass_does_not_move_the_watermark():
    flight = InFlight(start_time="2023-11-10T00:00:00Z", moves_watermark=False)
    state = CollectState(query_id="q", query="chatgpt", since_id="100", in_flight=flight)
    state.advance(page([900]))
    assert state.since_id == "100"


def test_state_round_trips_through_its_file(tmp_path):
    store = StateStore(tmp_path, "abc")
    state = store.load(query="chatgpt", archive=False)
    state.in_flight = InFlight(next_token="t1", since_id="7")
    store.save(state)
    again = store.load(query="chatgpt", archive=False)
    assert again.in_flight.next_token == "t1" and again.updated_at
    (tmp_path / "abc.json").write_text("{not json")
    with pytest.raises(CollectError, match="is unreadable"):
        store.load(query="chatgpt", archive=False)


def test_the_lock_keeps_out_a_second_collector_in_another_process(tmp_path, repo_root):
    holder = (
        "import sys, time\n"
        "from tweets_etl.collect.state import StateStore\n"
        "with StateStore(sys.argv[1], 'q').locked():\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path)],
        cwd=repo_root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "locked"
        with (
            pytest.raises(CollectError, match=f"held by pid {process.pid}"),
            StateStore(tmp_path, "q").locked(),
        ):
            pass
    finally:
        process.communicate("\n", timeout=30)
    with StateStore(tmp_path, "q").locked():
        pass


def test_the_spool_ignores_a_line_cut_short_and_continues_cleanly(tmp_path):
    spool = PageSpool(tmp_path / "q.spool.jsonl")
    spool.append(page([1]))
    spool.close()
    with open(spool.path, "ab") as handle:
        handle.write(b'{"data": [{"id": "2", "te')
    spool_id, pages = spool.read()
    assert spool_id and pages == [page([1])]
    spool.append(page([3]))
    spool.close()
    assert spool.read() == (spool_id, [page([1]), page([3])])
    lines = spool.path.read_text().splitlines()
    assert json.loads(lines[0]) == {"__spool__": {"id": spool_id}}


def test_a_damaged_spool_line_in_the_middle_is_an_error(tmp_path):
    path = tmp_path / "q.spool.jsonl"
    path.write_text('{"__spool__": {"id": "x"}}\nnot json\n{"meta": {}}\n')
    with pytest.raises(CollectError, match="damaged at line 2"):
        PageSpool(path).read()


def test_a_pass_keeps_the_oldest_id_it_has_written_for_going_on_below_it():
    state = CollectState(query_id="q", query="chatgpt", in_flight=InFlight())
    state.advance(page([305, 301], "t2"))
    state.advance(page([299, 297], "t3"))
    assert (state.in_flight.newest_id, state.in_flight.oldest_id) == ("305", "297")


def test_the_drained_spool_survives_a_save(tmp_path):
    store = StateStore(tmp_path, "abc")
    state = store.load(query="chatgpt", archive=False)
    state.drained_spool = "0f3c"
    store.save(state)
    assert store.load(query="chatgpt", archive=False).drained_spool == "0f3c"
    (tmp_path / "abc.json").write_text('{"query_id": "abc", "query": "chatgpt", "spooled_pages": 2}')
    assert store.load(query="chatgpt", archive=False).drained_spool is None, "a state from before it"
