"""Per-query collector state: where the next run starts, and a lock so only one collector runs.

The state file ``var/state/collect/<query_id>.json`` holds

* ``since_id``: the newest tweet id of the last finished polling pass; the next pass asks only for
  newer tweets;
* ``in_flight``: the pass in progress: its ``next_token`` (``null`` before the first page), the
  ``since_id`` or time window it was started with, and the newest and oldest ids it has seen (the
  oldest is where it goes on if its lower bound leaves recent search's window). A pass stopped by
  the ``--max-tweets`` budget, an error or a kill continues from here, so nothing is skipped and no
  page is fetched twice (the API's ``next_token`` does not expire);
* ``spooled_pages``: pages written to the spool but not yet moved into raw files (see ``spool``);
* ``drained_spool``: the id of the last spool made into a raw file, saved before the spool is
  deleted, so a run killed in between does not write its pages a second time.

The file is replaced atomically (temporary name, fsync, rename) after every page, and only after the
page itself is safely on disk.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from tweets_etl.collect.errors import CollectError
from tweets_etl.rawfiles import utc_now_iso, write_atomically

STATE_VERSION = 1


@dataclass
class InFlight:
    """One pass over a query's result pages, newest first, followed by next_token."""

    next_token: Optional[str] = None
    since_id: Optional[str] = None
    start_time: Optional[str] = None
    end_time: Optional[str] = None
    # Whether finishing this pass may move the since_id watermark (see Collector.plan).
    moves_watermark: bool = True
    newest_id: Optional[str] = None
    oldest_id: Optional[str] = None
    pages: int = 0
    tweets: int = 0
    started_at: str = field(default_factory=utc_now_iso)

    def same_window(self, start_time: Optional[str], end_time: Optional[str]) -> bool:
        return (self.start_time, self.end_time) == (start_time, end_time)


@dataclass
class CollectState:
    query_id: str
    query: str
    archive: bool = False
    since_id: Optional[str] = None
    in_flight: Optional[InFlight] = None
    spooled_pages: int = 0
    drained_spool: Optional[str] = None
    passes_completed: int = 0
    updated_at: Optional[str] = None
    version: int = STATE_VERSION

    def advance(self, page: Dict[str, Any]) -> None:
        """Record one page that is safely written: the only way the state moves forward."""
        flight = self.in_flight
        if flight is None:
            raise ValueError("advance() needs a pass in flight")
        ids = page_tweet_ids(page)
        if ids:
            newest, oldest = max(ids), min(ids)
            flight.newest_id = str(max(newest, int(flight.newest_id))) if flight.newest_id else str(newest)
            flight.oldest_id = str(min(oldest, int(flight.oldest_id))) if flight.oldest_id else str(oldest)
        flight.pages += 1
        flight.tweets += page_tweet_count(page)
        self.spooled_pages += 1
        token = (page.get("meta") or {}).get("next_token")
        if token:
            flight.next_token = token
            return
        self.finish_pass()

    def finish_pass(self) -> None:
        """End the pass in flight; a pass that may move the watermark moves it to the newest id seen."""
        flight = self.in_flight
        if flight is not None and flight.moves_watermark and flight.newest_id:
            current = int(self.since_id) if self.since_id else 0
            self.since_id = str(max(current, int(flight.newest_id)))
        self.in_flight = None
        self.passes_completed += 1

    def to_json(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> CollectState:
        data = dict(data)
        flight = data.pop("in_flight", None)
        known = {name for name in cls.__dataclass_fields__}
        state = cls(**{key: value for key, value in data.items() if key in known})
        if flight:
            state.in_flight = InFlight(
                **{k: v for k, v in flight.items() if k in InFlight.__dataclass_fields__}
            )
        return state


def _page_tweets(page: Dict[str, Any]) -> List[Any]:
    data = page.get("data")
    return [data] if isinstance(data, dict) else data if isinstance(data, list) else []


def page_tweet_count(page: Dict[str, Any]) -> int:
    return len(_page_tweets(page))


def page_tweet_ids(page: Dict[str, Any]) -> List[int]:
    return [
        int(t["id"]) for t in _page_tweets(page) if isinstance(t, dict) and str(t.get("id", "")).isdigit()
    ]


class StateStore:
    """Load and save one query's state; ``locked()`` holds an exclusive lock for a whole run."""

    def __init__(self, directory: Path, query_id: str) -> None:
        self.directory = Path(directory)
        self.query_id = query_id
        self.path = self.directory / f"{query_id}.json"
        self.lock_path = self.directory / f"{query_id}.lock"
        self.spool_path = self.directory / f"{query_id}.spool.jsonl"

    def load(self, *, query: str, archive: bool) -> CollectState:
        if not self.path.is_file():
            return CollectState(query_id=self.query_id, query=query, archive=archive)
        try:
            return CollectState.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise CollectError(
                f"the collector state {self.path} is unreadable ({error}); fix or delete it "
                "(deleting it makes the next run start over from the last 7 days)"
            ) from None

    def save(self, state: CollectState) -> None:
        state.updated_at = utc_now_iso()
        self.directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
        write_atomically(self.path, text.encode("utf-8"))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive flock on the query's lock file; a second collector fails at once."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held open for the whole run
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise CollectError(
                    f"another collector is already running this query (lock {self.lock_path} is held by "
                    f"{holder}); wait for it to finish"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
            yield
        finally:
            # Closing the file releases the lock; the file itself stays, so no one races to recreate it.
            handle.close()
