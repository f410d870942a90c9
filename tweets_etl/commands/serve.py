"""`tweets-etl serve`: the warehouse over HiveServer2 (Spark Thrift Server) for BI tools and beeline."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import signal
import sys
import threading

from tweets_etl.config import Config
from tweets_etl.errors import ConfigError

ORDER = 60
log = logging.getLogger("tweets_etl.serve")


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "serve",
        parents=parents,
        help="serve the warehouse over HiveServer2 (JDBC/ODBC, port 10000) for Power BI, Tableau, beeline",
        description=(
            "Create the BI views (v_tweets, v_hashtags, v_aspects, v_daily_sentiment, v_top_feedback) "
            "and start the Spark Thrift Server on the local warehouse: the HiveServer2 protocol that "
            "Power BI, Tableau, DBeaver and beeline use with Hive on Cloudera. No authentication (any user "
            "name, no password), so it listens on serve.host (127.0.0.1) only. Ctrl-C or SIGTERM stops it. "
            "The embedded metastore admits one Spark process: stop the server before `tweets-etl run`."
        ),
    )
    parser.add_argument("--port", type=int, help="TCP port (default: serve.port, 10000)")
    parser.add_argument("--host", help="address to listen on (default: serve.host, 127.0.0.1)")
    parser.add_argument(
        "--views-only",
        action="store_true",
        help="create or refresh the v_* views and exit (e.g. where a cluster's HiveServer2 serves them)",
    )
    parser.set_defaults(handler=handle)


def handle(args, config: Config) -> int:
    from tweets_etl.io.warehouse import Warehouse
    from tweets_etl.report.bi_views import create_bi_views
    from tweets_etl.report.session import open_session, require_star_schema
    from tweets_etl.report.thrift_server import (
        ThriftServer,
        beeline_path,
        check_port_free,
        thrift_conf,
        thrift_environment,
    )

    host = args.host or config.serve.host
    port = config.serve.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a TCP port; use 1 to 65535 (default 10000)")
    settings = dict(config.spark.conf)
    if not args.views_only:
        check_port_free(host, port)
        os.environ.update(thrift_environment(host, port))
        settings.update(thrift_conf(host, port))
    config = dataclasses.replace(config, spark=dataclasses.replace(config.spark, conf=settings))
    database = config.warehouse.database
    spark = open_session(config, app_name="tweets-etl thrift server")
    server = ThriftServer(spark, host, port)
    try:
        require_star_schema(spark, config)
        Warehouse(spark, database, config.warehouse.table_format).ensure()
        views = create_bi_views(spark, database)
        if args.views_only:
            print(f"views in {database}: {', '.join(views)}")
            return 0
        log.info("starting the Thrift server on %s:%s ...", host, port)
        stop = _stop_on_signals()
        if not server.start(cancelled=stop):
            return 130
        _announce(host, port, database, views, beeline_path())
        while not stop.wait(1.0):
            if not server.is_running():
                print("tweets-etl serve: the Spark session ended; stopping", file=sys.stderr)
                return 1
        print("stopping the Thrift server ...", flush=True)
    finally:
        server.stop()
        spark.stop()
    print(f"stopped; {host}:{port} is free")
    return 0


def _stop_on_signals() -> threading.Event:
    """Ctrl-C and SIGTERM end the wait loop, so the server and Spark are stopped in order."""
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    return stop


def _announce(host: str, port: int, database: str, views: dict, beeline: str) -> None:
    url = f"jdbc:hive2://{_url_host(host)}:{port}/{database}"
    lines = [
        f"Spark Thrift Server (HiveServer2 protocol) listening on {host}:{port}, database {database}",
        f"  JDBC URL:  {url}   (no authentication: any user name, empty password)",
        f'  beeline:   {beeline} -u {url} -e "SELECT * FROM v_tweets LIMIT 5"',
        "  ODBC:      Hive Server 2, host and port above, Thrift transport SASL, mechanism User Name",
        "  views:",
        *[f"    {name:<18} {comment}" for name, comment in views.items()],
        "Ctrl-C (or SIGTERM) stops it.",
    ]
    if not _is_loopback(host):
        lines.insert(
            1, f"  WARNING: listening on {host} without authentication: anyone who reaches it can read"
        )
    print("\n".join(lines), flush=True)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
