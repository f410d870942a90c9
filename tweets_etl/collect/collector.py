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
  while one is pending is refused (``--restart`` drops the pending pass);
* recent search refuses a ``since_id`` or ``start_time`` older than its 7-day window, so after a
  pause of over a week every run would fail with a 400. A new pass whose since_id is that old, or a
  pending pass whose since_id or start_time has aged out, is sent with ``start_time`` just inside
  the window instead (a pending one only below the pages it already wrote: ``end_time`` at its
  oldest tweet). One warning names the tweets recent search can no longer reach. The pass moves the
  watermark as the one it replaces would have. Full-archive search has no such window.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple

from tweets_etl.collect import fields
from tweets_etl.collect.client import FetchedPage
from tweets_etl.collect.errors import CollectError, RequestCheckError
from tweets_etl.collect.spool import PageSpool
from tweets_etl.collect.state import CollectState, InFlight, StateStore, page_tweet_count
from tweets_etl.config import CollectConfig
from tweets_etl.rawfiles import PROVENANCE_KEY, RawPageWriter, provenance
from tweets_etl.xapi import snowflake_time

log = logging.getLogger(__name__)

PRODUCER = "tweets-etl collect"
RECENT_SEARCH_WINDOW = timedelta(days=fields.RECENT_SEARCH_DAYS)
# How far inside the window a since_id or start_time must lie to be sent. Every page of a pass sends
# it again, so it must stay inside while the pass runs: a host clock minutes off X's, rate-limit
# waits (15-minute windows, collect.max_rate_limit_wait_seconds) and retries all fit in an hour.
# That hour of tweets is lost after a long pause; a smaller margin risks a 400 in mid-pass.
RECENT_SEARCH_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class CollectRequest:
    """What one run should collect; built and checked by :func:`build_request`."""

    query: str
    query_id: str
    archive: bool = CollectConfig.archive
    max_tweets: int = CollectConfig.max_tweets
    page_size: int = CollectConfig.page_size
    start_time: Optional[str] = None
    end_time: Optional[str] = None
    restart: bool = False
    rotate_bytes: int = CollectConfig.rotate_bytes


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
    rotate_bytes: int = CollectConfig.rotate_bytes,
    now: Optional[datetime] = None,
) -> CollectRequest:
    """Check every option before anything is sent, so a mistake costs no request from the window."""
    text = fields.effective_query(query, include_retweets=include_retweets)
    fields.check_query(text, archive=archive)
    fields.check_page_size(page_size)
    if max_tweets < 1:
        raise RequestCheckError(f"--max-tweets is {max_tweets}; it must be at least 1")
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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.request = request
        self.client = client
        self.clock = clock
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
        spool_id, pages = self.spool.read()
        if spool_id is not None and spool_id == state.drained_spool:
            # Killed after its raw file was made and recorded, before the spool was deleted: the state
            # counts these pages already, and the file may have been shipped since.
            log.info("removing spool %s: its %d page(s) are already in a raw file", spool_id, len(pages))
            self.spool.discard()
            self._forget_spooled_pages(state)
            return
        unrecorded = pages[state.spooled_pages :] if len(pages) > state.spooled_pages else []
        if unrecorded and state.in_flight is not None:
            log.info("recording %d page(s) a killed run wrote but did not record", len(unrecorded))
            for page in unrecorded:
                state.advance(page)
        state.spooled_pages = len(pages)
        if pages:
            log.info("moving %d page(s) left by an interrupted run into raw files", len(pages))
            summary.recovered_pages = len(pages)
            summary.files.extend(self._drain(state))

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
            aged_out = self._aged_out_bound(flight, new=False)
            if aged_out:
                self._move_into_recent_window(state, flight, aged_out)
                return
            summary.resumed = True
            log.info("continuing the interrupted pass after %d page(s)", flight.pages)
            return
        flight = InFlight(
            since_id=None if windowed else state.since_id,
            start_time=request.start_time,
            end_time=request.end_time,
            moves_watermark=request.end_time is None
            and (request.start_time is None or state.since_id is None),
        )
        state.in_flight = flight
        aged_out = self._aged_out_bound(flight, new=True)
        if aged_out:
            self._move_into_recent_window(state, flight, aged_out)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), timezone.utc)

    def _recent_search_edge(self) -> datetime:
        """The oldest time a recent-search pass may reach back to: inside the window by the margin."""
        return self._now() - RECENT_SEARCH_WINDOW + RECENT_SEARCH_MARGIN

    def _aged_out_bound(self, flight: InFlight, *, new: bool) -> Optional[Tuple[str, datetime]]:
        """The pass's lower bound, named and dated, if recent search would refuse it (else None).

        A new pass is checked on its since_id only: a --start-time was checked against the window
        when the run began. A pending pass may have been planned days ago, so its start_time counts too.
        """
        if self.request.archive:
            return None
        if flight.since_id:
            moment = snowflake_time(flight.since_id)
            bound = f"since_id {flight.since_id} (a tweet of {fields.format_api_time(moment)})"
        elif flight.start_time and not new:
            moment = fields.parse_rfc3339(flight.start_time, option="the saved start_time")
            bound = f"start_time {flight.start_time}"
        else:
            return None
        return (bound, moment) if moment < self._recent_search_edge() else None

    def _move_into_recent_window(
        self, state: CollectState, flight: InFlight, aged_out: Tuple[str, datetime]
    ) -> None:
        """Go on with what recent search can still reach of this pass, and say once what is lost."""
        bound, lower = aged_out
        edge = self._recent_search_edge()
        end = self._rest_of_pass_end(flight)
        if end is not None and end <= edge:
            lost_until, plan = end, "the rest of the pass is out of reach, so the pass ends here"
            state.finish_pass()
        else:
            lost_until, plan = edge, f"the pass goes on from {fields.format_api_time(edge)}"
            if end is not None:
                plan += f" to {fields.format_api_time(end)} (its newer tweets are written already)"
            # Finishing it may move the watermark as the original pass would have; its newest id counts.
            state.in_flight = InFlight(
                start_time=fields.format_api_time(edge),
                end_time=fields.format_api_time(end) if end else None,
                moves_watermark=flight.moves_watermark,
                newest_id=flight.newest_id,
            )
        repeat = (
            "; its pages so far may be fetched again" if flight.next_token and not flight.oldest_id else ""
        )
        _warn_out_of_reach(bound, plan + repeat, lower, lost_until)

    def _rest_of_pass_end(self, flight: InFlight) -> Optional[datetime]:
        """Where what is left of a pass ends: its pages reach down to oldest_id, so only older tweets."""
        end = fields.parse_rfc3339(flight.end_time, option="the saved end_time") if flight.end_time else None
        if not (flight.next_token and flight.oldest_id):
            return end
        # end_time is exclusive and in whole seconds: the next second keeps oldest_id's own second, and
        # the API wants it 10 s in the past (anything newer than oldest_id is written already).
        below = snowflake_time(flight.oldest_id).replace(microsecond=0) + timedelta(seconds=1)
        below = min(below, self._now() - fields.MIN_END_TIME_LAG)
        return min(end, below) if end else below

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

    def _drain(self, state: CollectState) -> List[Path]:
        files = self.spool.drain(
            self._writer,
            drained_id=state.drained_spool,
            record_drained=lambda spool_id: self._record_drained(state, spool_id),
        )
        self._forget_spooled_pages(state)
        return files

    def _record_drained(self, state: CollectState, spool_id: str) -> None:
        """Saved before the spool is deleted: a run killed in between must not write its pages again."""
        state.drained_spool = spool_id
        state.spooled_pages = 0
        self.store.save(state)

    def _forget_spooled_pages(self, state: CollectState) -> None:
        if state.spooled_pages:
            state.spooled_pages = 0
            self.store.save(state)

    def _writer(self, spool_id: Optional[str], first_page_at: Optional[datetime]) -> RawPageWriter:
        request = self.request
        # The name comes from the spool alone (its id, the time of its first page), so draining the
        # same spool again after a kill makes the same name; the id also keeps two drains in one second
        # apart.
        spool = (spool_id or "nospool")[:8]
        return RawPageWriter(
            self.out_dir,
            prefix=f"collect-{request.query_id}-{spool}",
            producer=PRODUCER,
            # One file per spool, so a finished file means a drained spool. The spool is drained once
            # it reaches rotate_bytes, so its gzip file stays well below that anyway.
            rotate_bytes=sys.maxsize,
            manifest_extra={"query_id": request.query_id, "query": request.query, "spool_id": spool_id},
            started_at=first_page_at,
        )


def _warn_out_of_reach(bound: str, plan: str, lost_from: datetime, lost_until: datetime) -> None:
    lost = (fields.format_api_time(lost_from), fields.format_api_time(lost_until))
    log.warning(
        "%s is older than recent search reaches (%d days, less a %g h margin); %s. Tweets from %s to %s "
        "cannot be fetched by recent search (with full-archive access: --archive --start-time %s "
        "--end-time %s)",
        bound,
        fields.RECENT_SEARCH_DAYS,
        RECENT_SEARCH_MARGIN.total_seconds() / 3600,
        plan,
        *lost,
        *lost,
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
