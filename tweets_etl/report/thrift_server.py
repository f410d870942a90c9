"""The Spark Thrift Server (HiveServer2 protocol) inside this process's Spark session.

``HiveThriftServer2.startWithContext`` ships with pyspark (spark-hive-thriftserver). Started on the
session that :func:`tweets_etl.spark.build_spark` made, it sees the same warehouse, metastore and
settings as every other command, and JDBC/ODBC clients (beeline, Power BI, Tableau, DBeaver) connect
to it exactly as they connect to HiveServer2 on a Cloudera cluster. Authentication is Hive's NONE:
any user name, no password, so it binds to loopback unless told otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
import time
from typing import Dict, Optional

from tweets_etl.errors import TweetsEtlError


class ServeError(TweetsEtlError):
    """The Thrift server cannot listen where it was asked to, or did not come up."""


def thrift_conf(host: str, port: int) -> Dict[str, str]:
    """Spark settings that put HiveServer2 on ``host:port`` (read when the server starts)."""
    return {
        "spark.hadoop.hive.server2.thrift.bind.host": host,
        "spark.hadoop.hive.server2.thrift.port": str(port),
        "spark.hadoop.hive.server2.transport.mode": "binary",
    }


def thrift_environment(host: str, port: int) -> Dict[str, str]:
    """Hive reads these variables before its config: set them so a stray one cannot move the server."""
    return {"HIVE_SERVER2_THRIFT_BIND_HOST": host, "HIVE_SERVER2_THRIFT_PORT": str(port)}


def check_port_free(host: str, port: int) -> None:
    """Fail with one sentence when ``host:port`` cannot be listened on (in use, or not this machine)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ServeError(f"serve.host {host!r} is not a host name or address this machine knows") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"port {port} on {host} is already in use (another HiveServer2 or `tweets-etl serve`?); "
                    "stop it or pick another with --port"
                ) from None
            raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def accepts_connections(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class ThriftServer:
    """One HiveThriftServer2 over ``spark``; :meth:`start` returns once clients can connect."""

    def __init__(self, spark, host: str, port: int) -> None:
        self.spark = spark
        self.host = host
        self.port = port
        self._server = None

    def start(self, timeout: float = 180.0, cancelled: Optional[threading.Event] = None) -> bool:
        """Start and wait until clients can connect; False when ``cancelled`` was set meanwhile."""
        jvm = self.spark._jvm
        self._quiet_disconnects(jvm)
        sql_context = self.spark._jsparkSession.sqlContext()
        self._server = jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2.startWithContext(
            sql_context
        )
        # The listening socket is opened by a thread of the server: wait until it answers.
        deadline = time.monotonic() + timeout
        while not accepts_connections(self.host, self.port):
            if cancelled is not None and cancelled.is_set():
                self.stop()
                return False
            if time.monotonic() > deadline:
                self.stop()
                raise ServeError(
                    f"the Thrift server did not start listening on {self.host}:{self.port} "
                    f"within {timeout:.0f} s; run again with -v to see Spark's log"
                )
            time.sleep(0.5)
        return True

    def is_running(self) -> bool:
        try:
            return self._server is not None and not self.spark.sparkContext._jsc.sc().isStopped()
        except Exception:  # the JVM is gone: py4j cannot even ask
            return False

    def stop(self) -> None:
        """Stop accepting clients and close the listening socket (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            # A JVM that already died has nothing left to stop.
            with contextlib.suppress(Exception):
                server.stop()

    @staticmethod
    def _quiet_disconnects(jvm) -> None:
        # Thrift 0.12 logs a client that hangs up (every beeline exit, every readiness probe) as an
        # ERROR with a stack trace; real failures still surface in the client and Spark's own logs.
        levels = jvm.org.apache.logging.log4j.Level
        configurator = jvm.org.apache.logging.log4j.core.config.Configurator
        configurator.setLevel("org.apache.thrift.server.TThreadPoolServer", levels.FATAL)


def beeline_path() -> str:
    """The beeline that ships with this Spark (pyspark/bin/beeline, or $SPARK_HOME/bin/beeline)."""
    from pyspark.find_spark_home import _find_spark_home

    return os.path.join(_find_spark_home(), "bin", "beeline")
