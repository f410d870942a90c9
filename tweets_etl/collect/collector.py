"""The collector run loop: search pages -> spool -> state, resumable at every page.

One run holds the query's lock, finishes whatever a killed run left in the spool, then follows
``next_token`` page by page until the pass is complete or the ``--max-tweets`` budget is spent. Each
page is stamped with provenance, made durable in the spool, and only then recorded in the state.

Paging is driven here one request at a time instead of through ``tweepy.Paginator``: the Paginator
hides ``next_token`` between pages, so it can neither save it after each page nor retry a single
page, and exact resume needs both.

Which pass runs:

* no time window: a polling pass with ``since_id`` = the newest id of the last finished pass
  (none at first, so the API's default window); finishing it moves the watermark to the newest id
  it saw;
* ``--start-time``/``--end-time``: a backfill pass without ``since_id`` (the API ignores
  ``start_time`` when both are sent). It moves the watermark only when nothing was collected before
  and it runs up to now, because otherwise the watermark would jump over tweets never collected;
* a pass left unfinished (budget, error, kill) is continued first; asking for a different window
  while one is pending is refused (``--restart`` drops the pending pass).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol

from tweets_etl.collect import fields
from tweets_etl.collect.client import FetchedPage
from tweets_etl.collect.errors import CollectError
from tweets_etl.collect.spool import PageSpool
from tweets_etl.collect.state import CollectState, InFlight, StateStore, page_tweet_count
from tweets_etl.rawfiles import PROVENANCE_KEY, RawPageWriter, provenance

log = logging.getLogger(__name__)

PRODUCER = "tweets-etl collect"


@dataclass(frozen=True)
class CollectRequest:
    """What one run should collect; built and checked by :func:`build_request`."""

    query: str
    query_id: str
    archive: bool = False
    max_tweets: int = 1000
    page_size: int = 100
    start_time: Optional[str] = None
    end_time: Optional[str] = None
    restart: bool = False
    rotate_bytes: int = 64 * 1024 * 1024


@dataclass
class CollectSummary:
    query: str
    query_id: str
    pages: int = 0
    tweets: int = 0
    files: List[Path] = field(default_factory=list)
    recovered_pages: int = 0
    resumed: bool = False
    stopped: str = ""
    since_id: Optional[str] = None
    pending_next_token: bool = False
    requests: int = 0
    waited_seconds: float = 0.0


@dataclass(frozen=True)
class PageEvent:
    """Passed to the progress callback after each page is safely written."""

    page_number: int
    page_tweets: int
    run_tweets: int
    max_tweets: int


class Fetcher(Protocol):
    """What the collector needs from a client: ``SearchClient`` in real runs."""

    def fetch(self, params: Dict[str, Any]) -> FetchedPage: ...


def build_request(
    *,
    query: str,
    include_retweets: bool,
    archive: bool,
    max_tweets: int,
    page_size: int,
    start_time: Optional[str] = None,
    end_time: Optional[str] = None,
    restart: bool = False,
    rotate_bytes: int = 64 * 1024 * 1024,
    now: Optional[datetime] = None,
) -> CollectRequest:
    """Check every option before anything is sent, so a mistake costs no request from the window."""
    text = fields.effective_query(query, include_retweets=include_retweets)
    fields.check_query(text, archive=archive)
    fields.check_page_size(page_size)
    if max_tweets < 1:
        raise CollectError(f"--max-tweets is {max_tweets}; it must be at least 1")
    start = fields.parse_rfc3339(start_time, option="--start-time") if start_time else None
    end = fields.parse_rfc3339(end_time, option="--end-time") if end_time else None
    fields.check_time_window(start, end, archive=archive, now=now or datetime.now(timezone.utc))
    return CollectRequest(
        query=text,
        query_id=fields.query_id(text, archive=archive),
        archive=archive,
        max_tweets=max_tweets,
        page_size=page_size,
        start_time=fields.format_api_time(start) if start else None,
        end_time=fields.format_api_time(end) if end else None,
        restart=restart,
        rotate_bytes=rotate_bytes,
    )


class Collector:
    def __init__(
        self,
        request: CollectRequest,
        *,
        client: Fetcher,
        state_dir: Path,
        out_dir: Path,
        on_page: Optional[Callable[[PageEvent], None]] = None,
    ) -> None:
        self.request = request
        self.client = client
        self.store = StateStore(state_dir, request.query_id)
        self.spool = PageSpool(self.store.spool_path)
        self.out_dir = Path(out_dir)
        self.on_page = on_page

    def run(self) -> CollectSummary:
        request = self.request
        summary = CollectSummary(query=request.query, query_id=request.query_id)
        with self.store.locked():
            state = self.store.load(query=request.query, archive=request.archive)
            self._recover(state, summary)
            self._plan(state, summary)
            self.store.save(state)
            try:
                self._collect(state, summary)
            finally:
                # Pages already in the spool are safe; turning them into raw files now means they
                # ship with this run even when it stopped on an error.
                summary.files.extend(self._drain(state))
                summary.since_id = state.since_id
                summary.pending_next_token = bool(state.in_flight and state.in_flight.next_token)
                summary.requests = getattr(self.client, "requests_made", 0)
                summary.waited_seconds = getattr(self.client, "waited_seconds", 0.0)
        return summary

    def _recover(self, state: CollectState, summary: CollectSummary) -> None:
        """Finish what a killed run left: pages in the spool the state has not counted, then drain."""
        _, pages = self.spool.read()
        unrecorded = pages[state.spooled_pages :] if len(pages) > state.spooled_pages else []
        if unrecorded and state.in_flight is not None:
            log.info("recording %d page(s) a killed run wrote but did not record", len(unrecorded))
            for page in unrecorded:
                state.advance(page)
        state.spooled_pages = len(pages)
        if pages:
            log.info("moving %d page(s) left by an interrupted run into raw files", len(pages))
            summary.recovered_pages = len(pages)
            summary.files.extend(self._drain(state, check_done=True))

    def _plan(self, state: CollectState, summary: CollectSummary) -> None:
        request = self.request
        flight = state.in_flight
        if flight is not None and request.restart:
            log.warning("dropping the interrupted pass (next_token %s) as --restart asks", flight.next_token)
            state.in_flight = flight = None
        windowed = request.start_time is not None or request.end_time is not None
        if flight is not None:
            if windowed and not flight.same_window(request.start_time, request.end_time):
                raise CollectError(
                    f"an interrupted pass of this query is pending (start_time={flight.start_time}, "
                    f"end_time={flight.end_time}); run without --start-time/--end-time to finish it, "
                    "or add --restart to drop it"
                )
            summary.resumed = True
            log.info("continuing the interrupted pass after %d page(s)", flight.pages)
            return
        state.in_flight = InFlight(
            since_id=None if windowed else state.since_id,
            start_time=request.start_time,
            end_time=request.end_time,
            moves_watermark=request.end_time is None
            and (request.start_time is None or state.since_id is None),
        )

    def _collect(self, state: CollectState, summary: CollectSummary) -> None:
        request = self.request
        while state.in_flight is not None:
            if summary.tweets >= request.max_tweets:
                summary.stopped = "budget"
                return
            flight = state.in_flight
            # Smaller last page so the budget is overshot by fewer than 10 tweets (the API minimum).
            max_results = max(
                fields.MIN_PAGE_SIZE, min(request.page_size, request.max_tweets - summary.tweets)
            )
            params = fields.search_params(
                request.query,
                max_results=max_results,
                next_token=flight.next_token,
                since_id=flight.since_id,
                start_time=flight.start_time,
                end_time=flight.end_time,
            )
            try:
                fetched = self.client.fetch(params)
            except CollectError as error:
                if error.status_code == 400 and flight.next_token:
                    # A saved next_token can outlive the 7-day window of recent search.
                    raise CollectError(
                        f"{error} (this continued a pass started {flight.started_at}; if it has fallen out "
                        "of the search window, run again with --restart)",
                        status_code=400,
                    ) from None
                raise
            page = dict(fetched.body)
            page[PROVENANCE_KEY] = provenance(
                fetched.url, producer=PRODUCER, retrieved_at=fetched.retrieved_at, query_id=request.query_id
            )
            self.spool.append(page)
            state.advance(page)
            self.store.save(state)
            count = page_tweet_count(page)
            summary.pages += 1
            summary.tweets += count
            if self.on_page:
                self.on_page(PageEvent(summary.pages, count, summary.tweets, request.max_tweets))
            if self.spool.size() >= request.rotate_bytes:
                summary.files.extend(self._drain(state))
        summary.stopped = "complete"

    def _drain(self, state: CollectState, *, check_done: bool = False) -> List[Path]:
        files = self.spool.drain(self.out_dir, self._writer, check_done=check_done)
        if state.spooled_pages:
            state.spooled_pages = 0
            self.store.save(state)
        return files

    def _writer(self, extra: Dict[str, Any]) -> RawPageWriter:
        request = self.request
        # RawPageWriter names files by the second it starts in; two drains in the same second (a
        # recovery and a run, or two quick runs) would get the same name, so the spool id is added.
        spool = str(extra.get("spool_id") or "nospool")[:8]
        return RawPageWriter(
            self.out_dir,
            prefix=f"collect-{request.query_id}-{spool}",
            producer=PRODUCER,
            rotate_bytes=request.rotate_bytes,
            manifest_extra={"query_id": request.query_id, "query": request.query, **extra},
        )


def summary_lines(summary: CollectSummary, out_dir: Path) -> List[str]:
    """The few lines a person reads at the end of a run."""
    lines = [
        f"collected {summary.pages} page(s), {summary.tweets} tweet(s) for query {summary.query_id}: "
        f"{summary.query}"
    ]
    if summary.recovered_pages:
        lines.append(f"recovered {summary.recovered_pages} page(s) left by an interrupted run")
    names = ", ".join(path.name for path in summary.files) or "none"
    lines.append(f"raw files in {out_dir}: {names}")
    if summary.pending_next_token:
        why = "the --max-tweets budget" if summary.stopped == "budget" else "an interruption"
        lines.append(f"stopped at {why}; the next run continues this pass from its saved next_token")
    lines.append(f"next since_id: {summary.since_id or 'none yet'}")
    if summary.waited_seconds >= 1:
        lines.append(
            f"{summary.requests} request(s), {summary.waited_seconds:.0f} s waiting on limits/retries"
        )
    return lines
