"""`tweets-etl import`: twarc2 JSONL, v1.1 JSON or CSV exports -> raw files the pipeline reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from tweets_etl.config import Config

ORDER = 25

DESCRIPTION = """\
Convert exports you already have into the raw files `tweets-etl collect` writes (X API v2 pages of up
to 100 tweets, gzip JSON lines with a manifest), in VAR_DIR/raw or --out, so `ship` and `run` treat
them exactly like collected data.

formats:
  twarc2  twarc2 JSONL: API pages are kept as they are (with twarc's provenance); twarc2 flatten
          output (one tweet per line) is turned back into pages
  v1      X API v1.1 tweets: one per line, a JSON array, a search response, or an archive's tweets.js
  csv     a CSV with a header row, through --preset NAME or --columns target=Column,...
          preset kaggle: Date,Tweet,City,Country (created_at, text, city, country)
          targets: id, text, created_at, lang, source, author_id, username, user_name, user_location,
          retweet_count, reply_count, like_count, quote_count, impression_count, followers_count,
          city, country, place, place_id, retweeted_id, quoted_id, replied_to_id, ... (text and
          created_at are required)

Ids are read as text and never pass through a float; an id spoilt by a spreadsheet (1.27E+18) rejects
its row. Rows without an id get a synthetic id from their text, time and author, so importing the
same file again, or a later export of the same tweets, dedupes in the pipeline. Every row is written
or rejected with a reason; rejected rows are kept in VAR_DIR/rejects. A damaged input (a truncated
.gz) keeps its complete lines and never stops the import of the next one.

exit codes:
  0  every input was read (some rows may be rejected: see the summary)
  1  an input could not be read as a whole, or no tweet at all came out of non-empty input
  2  bad options (unknown preset or column, missing mapping)
"""


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "import",
        parents=parents,
        help="twarc2 / v1.1 / CSV exports -> raw files, like collect writes",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files, or folders of files, to import")
    parser.add_argument(
        "--format", required=True, choices=("twarc2", "v1", "csv"), help="what the inputs are"
    )
    mapping = parser.add_mutually_exclusive_group()
    mapping.add_argument("--preset", metavar="NAME", help="CSV column mapping by name: kaggle")
    mapping.add_argument(
        "--columns", metavar="MAP", help="CSV column mapping, e.g. text=Tweet,created_at=Date"
    )
    parser.add_argument(
        "--encoding", default="utf-8-sig", help="CSV text encoding (default: UTF-8, BOM or not)"
    )
    parser.add_argument("--out", metavar="DIR", help="folder for raw files (default: VAR_DIR/raw)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from tweets_etl.collect.importers import ImportOptions, run_import, summary_lines

    out_dir = Path(args.out).expanduser() if args.out else config.dirs.raw
    options = ImportOptions(
        format=args.format,
        preset=args.preset,
        columns=args.columns,
        encoding=args.encoding,
        rotate_bytes=config.collect.rotate_bytes,
    )
    summary = run_import(args.inputs, options, out_dir=out_dir, rejects_dir=config.dirs.rejects)
    for line in summary_lines(summary, out_dir):
        print(line)
    if summary.failed or (summary.rows_read and not summary.tweets_written):
        return 1
    return 0
