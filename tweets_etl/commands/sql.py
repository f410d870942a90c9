"""`tweets-etl sql`: run one Spark SQL query against the warehouse and print the first rows."""

from __future__ import annotations

from tweets_etl.config import Config

ORDER = 40


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "sql",
        parents=parents,
        help="query the warehouse (e.g. tweets-etl sql 'SHOW TABLES IN chatgpt_tweets')",
        description="Run one Spark SQL statement against this environment's Hive warehouse and print the result.",
    )
    parser.add_argument("query", help="the SQL statement; the default database is warehouse.database")
    parser.add_argument("--limit", type=int, default=50, help="rows to print (default: 50)")
    parser.set_defaults(handler=handle)


def handle(args, config: Config) -> int:
    from tweets_etl.spark import build_spark

    spark = build_spark(config)
    try:
        if spark.catalog.databaseExists(config.warehouse.database):
            spark.catalog.setCurrentDatabase(config.warehouse.database)
        spark.sql(args.query).show(args.limit, truncate=60)
    finally:
        spark.stop()
    return 0
