"""`tweets-etl collect`: X API v2 search pages -> raw files, resumable and rate-limit aware."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List

from tweets_etl.config import Config

ORDER = 20

DESCRIPTION = """\
Search the X API v2 (recent search, or full-archive search with --archive) and write every response
page, untouched and stamped with provenance, as gzip JSON lines to VAR_DIR/raw (or --out), one
.manifest.json per file for the shipper.

Each query keeps its state in VAR_DIR/state/collect/QUERY_ID.json: the newest tweet id seen (the next
run's since_id) and the next_token of a pass in progress. A run stopped by --max-tweets, an error, or
a kill continues from the last page written, with no gap and no page fetched twice. Only one collector
can run a query at a time.

Rate limits: on a 429 the collector sleeps until the window resets (at most
collect.max_rate_limit_wait_seconds) and says so; server errors and dropped connections are retried
with backoff (collect.max_retries); 401/403 and the monthly usage cap stop at once with what to
fix. After a pause longer than recent search's 7 days, a run starts at the window's edge and names
the span it cannot reach.

The bearer token comes only from $X_BEARER_TOKEN (or $TWITTER_BEARER_TOKEN) and is never logged.

exit codes:
  0  the pass finished, or stopped at the --max-tweets budget (the next run continues it)
  1  the API kept failing, or the state is locked or unreadable; pages written so far are kept
  2  a bad option: query too long, page size, times that are not RFC 3339 or out of range
  3  no token, the token or access was refused (401/403), or the monthly usage cap is spent
"""


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "collect",
        parents=parents,
        help="X API v2 search pages -> VAR_DIR/raw (needs X_BEARER_TOKEN)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--query", metavar="Q", help="search query (default: collect.query)")
    parser.add_argument(
        "--max-tweets",
        type=int,
        metavar="N",
        help="budget for this run: stop once N tweets are written (default: collect.max_tweets)",
    )
    parser.add_argument(
        "--start-time", metavar="T", help="oldest tweet time, RFC 3339 like 2023-01-31T00:00:00Z (backfill)"
    )
    parser.add_argument("--end-time", metavar="T", help="newest tweet time (exclusive), RFC 3339")
    parser.add_argument(
        "--archive",
        action="store_true",
        default=None,
        help="full-archive search (Pro/Enterprise access), paced to 1 request per second",
    )
    parser.add_argument("--out", metavar="DIR", help="folder for raw files (default: VAR_DIR/raw)")
    parser.add_argument(
        "--restart",
        action="store_true",
        help="drop a pending pass of this query and start a new one (pages may repeat; they dedupe later)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from tweets_etl.collect.client import RetryPolicy, SearchClient, bearer_token
    from tweets_etl.collect.collector import Collector, build_request, summary_lines
    from tweets_etl.collect.progress import CollectProgress

    settings = config.collect
    archive = settings.archive if args.archive is None else args.archive
    request = build_request(
        query=args.query if args.query is not None else settings.query,
        include_retweets=settings.include_retweets,
        archive=archive,
        max_tweets=args.max_tweets if args.max_tweets is not None else settings.max_tweets,
        page_size=settings.page_size,
        start_time=args.start_time,
        end_time=args.end_time,
        restart=args.restart,
        rotate_bytes=settings.rotate_bytes,
    )
    client = SearchClient(
        bearer_token(),
        archive=archive,
        policy=RetryPolicy(
            max_retries=settings.max_retries, max_rate_limit_wait=float(settings.max_rate_limit_wait_seconds)
        ),
    )
    out_dir = Path(args.out).expanduser() if args.out else config.dirs.raw
    with CollectProgress(request.max_tweets) as progress:
        summary = Collector(
            request,
            client=client,
            state_dir=config.dirs.collect_state,
            out_dir=out_dir,
            on_page=progress,
        ).run()
    _print(summary_lines(summary, out_dir))
    return 0


def _print(lines: List[str]) -> None:
    for line in lines:
        print(line, file=sys.stdout)
