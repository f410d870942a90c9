"""Helpers shared by integration tests."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from tweets_etl.tables import TABLES

LOG_TABLES = {"etl_runs", "dq_results"}


def snapshot(spark, database: str) -> Dict[str, List[tuple]]:
    """Every data table's rows, sorted: equal snapshots mean equal table contents."""
    tables = {}
    for name in sorted(set(TABLES) - LOG_TABLES):
        rows = spark.table(f"{database}.{name}").collect()
        tables[name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return tables


def count_raw(files: Iterable[Path]) -> Tuple[List[str], int]:
    """Count raw records the simple way, independently of the code under test.

    Returns the ids of usable tweet occurrences and the number of records that must be quarantined.
    """
    accepted, rejects = [], 0
    for path in files:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    page = json.loads(line)
                except json.JSONDecodeError:
                    rejects += 1
                    continue
                data = page.get("data") if isinstance(page, dict) else None
                tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
                if not tweets:
                    rejects += 1
                for tweet in tweets:
                    tweet_id = tweet.get("id")
                    if isinstance(tweet_id, str) and tweet_id.isdigit() and tweet.get("text") is not None:
                        accepted.append(tweet_id)
                    else:
                        rejects += 1
    return accepted, rejects


class ReservedPorts:
    """Distinct free ports on ``host``, each held by a bound socket until released.

    Picking ports one at a time (bind to port 0, close, bind again) can return the same port twice,
    and a released port can be taken before the server binds it. Held sockets keep the ports distinct
    and ours; release them (all, or the ones a process needs) right before starting the server.
    """

    def __init__(self, count: int, host: str = "127.0.0.1") -> None:
        self._held: Dict[int, socket.socket] = {}
        try:
            for _ in range(count):
                with contextlib.ExitStack() as unless_bound:
                    sock = unless_bound.enter_context(socket.socket())
                    sock.bind((host, 0))
                    self._held[sock.getsockname()[1]] = sock
                    unless_bound.pop_all()
        except BaseException:
            self.release()
            raise
        self.ports: List[int] = list(self._held)

    def release(self, *ports: int) -> None:
        """Free ``ports`` (default: every port still held)."""
        for port in ports or list(self._held):
            sock = self._held.pop(port, None)
            if sock is not None:
                sock.close()

    def __enter__(self) -> ReservedPorts:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
