"""`tweets-etl report`: the HTML dashboard (and its numbers as JSON) from the warehouse's star schema."""

from __future__ import annotations

from pathlib import Path

from tweets_etl.config import Config

ORDER = 50


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=parents,
        help="build the HTML dashboard (VAR_DIR/reports/dashboard.html) from the warehouse",
        description=(
            "Aggregate the star schema and marts in Spark and write a self-contained dashboard that "
            "works offline: volume and sentiment over time, hashtags (top and trending), devices, "
            "aspects and what frustrates or pleases, complaints and suggestions with example tweets, "
            "languages and locations. The numbers behind every chart go to dashboard.json beside it. "
            "Spam is left out (and counted) unless --include-spam. Run `tweets-etl run` first."
        ),
    )
    parser.add_argument("--out", metavar="DIR", help="output folder (default: VAR_DIR/reports)")
    parser.add_argument(
        "--include-spam", action="store_true", help="keep tweets flagged as spam, bots or promotion"
    )
    parser.add_argument(
        "--trend-days",
        type=int,
        metavar="N",
        help=(
            "trending hashtags compare the last N days with the N before (default: 7); at most half the "
            "days covered, so both periods hold data (a longer N is cut, and the card says so)"
        ),
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows in ranked lists, at least 2 (default: 10)"
    )
    parser.set_defaults(handler=handle)


def handle(args, config: Config) -> int:
    from tweets_etl.report.build import build_report
    from tweets_etl.report.queries import ReportOptions
    from tweets_etl.report.session import open_session

    # Checks the options (ConfigError), before Spark starts.
    options = ReportOptions(include_spam=args.include_spam, trend_days=args.trend_days, top=args.top)
    out_dir = Path(args.out).expanduser().resolve() if args.out else config.dirs.reports
    spark = open_session(config, app_name="tweets-etl report")
    try:
        files = build_report(spark, config, out_dir, options)
    finally:
        spark.stop()
    summary = files.data["summary"]
    left_out = (
        "spam included" if options.include_spam else f"{summary['spam_excluded']:,} spam tweets left out"
    )
    print(f"dashboard: {files.html}  ({summary['tweets']:,} tweets, {left_out})")
    print(f"data:      {files.json}")
    print(f"open it:   {files.html.as_uri()}")
    return 0
