"""`tweets-etl sql`: run one Spark SQL query against the warehouse and print the first rows."""

from __future__ import annotations

from tweets_etl.config import Config
from tweets_etl.errors import ConfigError, TweetsEtlError, first_line

ORDER = 40


class QueryError(TweetsEtlError):
    """Spark refused or could not run the statement (unknown table, syntax error, bad cast...)."""

    exit_code = 2


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "sql",
        parents=parents,
        help="query the warehouse (e.g. tweets-etl sql 'SHOW TABLES IN chatgpt_tweets')",
        description="Run one Spark SQL statement against this environment's Hive warehouse and print the result.",
    )
    parser.add_argument("query", help="the SQL statement; the default database is warehouse.database")
    parser.add_argument("--limit", type=int, default=50, help="rows to print, at least 1 (default: 50)")
    parser.add_argument(
        "--truncate",
        type=int,
        default=60,
        metavar="CHARS",
        help="cut longer cells to CHARS characters; 0 prints them whole (default: 60)",
    )
    parser.add_argument(
        "--vertical", action="store_true", help="one line per column: for wide rows, such as a raw_record"
    )
    parser.set_defaults(handler=handle)


def handle(args, config: Config) -> int:
    if args.limit < 1:
        raise ConfigError(f"--limit is {args.limit}; it must be at least 1")
    if args.truncate < 0:
        raise ConfigError(f"--truncate is {args.truncate}; use 0 to print cells whole, or a length")
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    from tweets_etl.spark import build_spark

    spark = build_spark(config)
    try:
        if spark.catalog.databaseExists(config.warehouse.database):
            spark.catalog.setCurrentDatabase(config.warehouse.database)
        try:
            spark.sql(args.query).show(args.limit, truncate=args.truncate, vertical=args.vertical)
        except CapturedException as error:  # refused (unknown table, syntax): Spark's own first line
            raise QueryError(f"the query failed: {first_line(error, limit=400)}") from None
        except Py4JJavaError as error:  # failed while running (a task threw): what threw, not the job
            raise QueryError(f"the query failed: {first_line(root_cause(error), limit=400)}") from None
    finally:
        spark.stop()
    return 0


def root_cause(error) -> str:
    """The innermost Java exception of a Py4JJavaError, e.g. ``java.lang.RuntimeException: boom``."""
    cause = error.java_exception
    while cause.getCause() is not None and cause.getCause() != cause:
        cause = cause.getCause()
    return cause.toString()
