"""`tweets-etl serve` end to end: a real HiveServer2 client (beeline) queries the star schema and the
BI views, then SIGTERM stops the server, its JVM is gone and the port is free.

The server is a separate process with its own var dir: the embedded Derby metastore admits one JVM,
and the test session's Spark already holds its own.
"""

from __future__ import annotations

import contextlib
import csv
import ipaddress
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests.integration.helpers import count_raw
from tweets_etl.report.thrift_server import beeline_path, check_port_free

pytestmark = [pytest.mark.slow]

CLI = [sys.executable, "-m", "tweets_etl.cli"]
REPO = Path(__file__).resolve().parents[3]
SAMPLE_TWEETS = 400


def environment() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWEETS_ETL", "HIVE_SERVER2"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> List[int]:
    """Direct child processes of ``pid`` (from /proc: Linux only, like the JVM check it serves)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening_addresses(pid: int) -> List[ipaddress.IPv4Address]:
    """The addresses ``pid`` listens on over TCP (from /proc: its socket inodes in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    addresses = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                raw = bytes.fromhex(fields[1].split(":")[0])
                # The kernel prints each 32-bit word of the address in host (little-endian) order.
                packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                address = ipaddress.ip_address(packed)
                addresses.append(getattr(address, "ipv4_mapped", None) or address)
    return addresses


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """A warehouse made by `tweets-etl run` on the bundled sample, in a var dir of its own."""
    if not Path(beeline_path()).is_file():
        pytest.skip(f"beeline not found at {beeline_path()}")
    var = tmp_path_factory.mktemp("serve-var")
    settings = [
        f"pipeline.sample_tweets={SAMPLE_TWEETS}",
        "spark.master=local[2]",
        "spark.shuffle_partitions=2",
    ]
    overrides = [arg for setting in settings for arg in ("--set", setting)]
    run = subprocess.run(
        [*CLI, "run", "--var-dir", str(var), *overrides],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return var


class Server:
    """`tweets-etl serve` as a child process, its output read line by line in a thread."""

    def __init__(self, var_dir: Path, port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [*CLI, "serve", "--var-dir", str(var_dir), "--port", str(port), "--set", "spark.master=local[2]"],
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: List[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.lines.get(timeout=1):
                    return
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        raise AssertionError(f"no {text!r} from serve; output:\n{''.join(self.output)[-4000:]}")


def beeline(port: int, database: str, sql: str, home: Path) -> Tuple[Dict[str, List[List[str]]], str]:
    """Run the statements; return each result set keyed by its first column's name, and all output.

    beeline keeps its history in ~/.beeline: ``home`` is the test's, not the user's. Java takes ~ from
    the password database, not from $HOME, so beeline's JVM is told it too.
    """
    java_options = f"{os.environ.get('SPARK_BEELINE_OPTS', '')} -Duser.home={home}".strip()
    run = subprocess.run(
        [
            beeline_path(),
            "-u",
            f"jdbc:hive2://127.0.0.1:{port}/{database}",
            "-n",
            "analyst",
            "--silent=true",
            "--outputformat=csv2",
            "-e",
            sql,
        ],
        env={**os.environ, "HOME": str(home), "SPARK_BEELINE_OPTS": java_options},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results: Dict[str, List[List[str]]] = {}
    current = None
    for row in csv.reader(run.stdout.splitlines()):
        if not row:
            continue
        first = row[0].split("> ")[-1]  # beeline may prefix a header with its prompt
        if first.startswith("q_"):
            current = results.setdefault(first, [[first, *row[1:]]])
        elif current is not None:
            current.append(row)
    return results, run.stdout


QUERIES = """
SELECT COUNT(*) AS q_facts FROM fct_tweets;
SELECT SUM(n) AS q_star_join, COUNT(*) AS days FROM (
  SELECT d.day_name, COUNT(*) AS n FROM fct_tweets f
  JOIN dim_dates d ON d.date_key = f.date_key
  JOIN dim_sentiments s ON s.sentiment_key = f.sentiment_key
  GROUP BY d.day_name) t;
SELECT COUNT(*) AS q_view_rows, COUNT(DISTINCT `Tweet ID`) AS ids, SUM(CASE WHEN `Is Spam` THEN 1 ELSE 0 END) AS spam
  FROM v_tweets;
SELECT `Device` AS q_device, COUNT(*) AS tweets FROM v_tweets GROUP BY `Device` ORDER BY tweets DESC;
SELECT (SELECT COUNT(*) FROM v_hashtags) AS q_hashtag_rows, (SELECT COUNT(*) FROM bridge_tweet_hashtags) AS bridge;
SELECT (SELECT COUNT(*) FROM v_aspects) AS q_aspect_rows, (SELECT COUNT(*) FROM bridge_tweet_aspects) AS bridge;
SELECT SUM(`Tweets`) + SUM(`Spam Left Out`) AS q_daily FROM v_daily_sentiment;
SHOW TABLES;
"""


def test_report_command_writes_the_dashboard(var_dir, tmp_path):
    out = tmp_path / "reports"
    run = subprocess.run(
        [*CLI, "report", "--var-dir", str(var_dir), "--out", str(out)],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    data = json.loads((out / "dashboard.json").read_text(encoding="utf-8"))
    summary = data["summary"]
    assert summary["tweets"] + summary["spam_excluded"] == SAMPLE_TWEETS and summary["spam_excluded"] > 0
    assert (out / "dashboard.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"dashboard: {out / 'dashboard.html'}" in run.stdout and "spam tweets left out" in run.stdout


def test_beeline_queries_the_star_schema_and_views_then_sigterm_stops_cleanly(var_dir, tmp_path):
    accepted, _ = count_raw(sorted((var_dir / "sample").glob("*.jsonl*")))
    tweets = len(set(accepted))
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    server = Server(var_dir, port)
    try:
        server.wait_for("listening on", timeout=240)
        jvms = children(server.process.pid)
        assert jvms, "the server's Spark JVM should be its child"
        # No authentication anywhere: HiveServer2, the driver's RPC and block manager all on loopback.
        listening = [address for pid in jvms for address in listening_addresses(pid)]
        assert len(listening) >= 3 and all(address.is_loopback for address in listening), listening
        results, output = beeline(port, "chatgpt_tweets", QUERIES, home)
        assert (home / ".beeline").is_dir()  # beeline did write its history: here, not in the user's ~
        # While the server holds the embedded metastore, another command says so in one sentence.
        busy = subprocess.run(
            [*CLI, "report", "--var-dir", str(var_dir)],
            env=environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.process.send_signal(signal.SIGTERM)
        try:
            code = server.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.process.kill()  # never leave a server behind; its JVM exits with its parent
            raise
    log = "".join(server.output)
    assert code == 0, log[-3000:]
    assert f"stopped; 127.0.0.1:{port} is free" in log and "Traceback" not in log

    assert int(results["q_facts"][1][0]) == tweets == SAMPLE_TWEETS
    assert int(results["q_star_join"][1][0]) == tweets and 1 <= int(results["q_star_join"][1][1]) <= 7
    rows, ids, spam = (int(value) for value in results["q_view_rows"][1])
    assert rows == ids == tweets and 0 < spam < tweets
    assert sum(int(row[1]) for row in results["q_device"][1:]) == tweets
    for key in ("q_hashtag_rows", "q_aspect_rows"):
        view, bridge = (int(value) for value in results[key][1])
        assert view == bridge > 0, key
    assert int(results["q_daily"][1][0]) == tweets
    for view in ("v_tweets", "v_hashtags", "v_aspects", "v_daily_sentiment", "v_top_feedback", "fct_tweets"):
        assert f"chatgpt_tweets,{view},false" in output, view

    # It waits a while first, in case the other process is only exiting, and says so.
    waiting, refusal = busy.stderr.splitlines()
    assert busy.returncode == 1 and "open in another Spark process; waiting up to 15 s" in waiting
    assert "is open in another Spark process" in refusal and "stayed open for 15 s" in refusal

    # The process, its JVM and the listening socket are all gone.
    assert not alive(server.process.pid)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in jvms) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(alive(pid) for pid in jvms)
    check_port_free("127.0.0.1", port)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
