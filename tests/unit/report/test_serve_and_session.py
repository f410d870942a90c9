"""What `serve` and `report` check before starting Spark: ports, the metastore lock, view SQL, options."""

from __future__ import annotations

import logging
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from tweets_etl.cli import main
from tweets_etl.commands.serve import _is_loopback
from tweets_etl.config import load_config
from tweets_etl.errors import ConfigError
from tweets_etl.io.warehouse import WAREHOUSE_VIEWS
from tweets_etl.metastore import (
    MetastoreBusyError,
    derby_lock_file,
    metastore_in_use,
    require_free_metastore,
)
from tweets_etl.report.bi_views import BI_VIEWS, view_statements
from tweets_etl.report.thrift_server import ServeError, check_port_free
from tweets_etl.tables import TABLES


def test_a_port_in_use_is_refused_in_one_sentence():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=f"port {port} on 127.0.0.1 is already in use"):
            check_port_free("127.0.0.1", port)
    check_port_free("127.0.0.1", port)  # free again once the listener is gone


def test_an_unknown_host_is_refused():
    with pytest.raises(ServeError, match="not a host name or address"):
        check_port_free("no-such-host.invalid", 10000)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("edge", False)],
)
def test_loopback_hosts(host, loopback):
    assert _is_loopback(host) is loopback


def test_bi_views_read_only_qualified_warehouse_objects():
    statements = dict(view_statements("sales_db"))
    assert list(statements) == ["v_tweets", "v_hashtags", "v_aspects", "v_daily_sentiment", "v_top_feedback"]
    known = set(TABLES) | {view.name for view in WAREHOUSE_VIEWS}
    for name, sql in statements.items():
        assert sql.startswith(f"CREATE OR REPLACE VIEW sales_db.{name} COMMENT '")
        sources = re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", sql)
        assert sources and all(source.startswith("sales_db.") for source in sources), name
        assert {source.split(".", 1)[1] for source in sources} <= known, name
    assert all(view.comment and "'" not in view.comment for view in BI_VIEWS)


def test_bi_views_refuse_a_database_name_that_is_not_an_identifier():
    with pytest.raises(ConfigError, match=r"warehouse\.database"):
        view_statements("x; DROP TABLE y")


def _config(var_dir):
    return load_config(var_dir=str(var_dir), environ={})


HOLD_LOCK = textwrap.dedent(
    """
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("locked", flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_a_metastore_held_by_another_process_is_detected(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="tweets_etl")
    config = _config(tmp_path)
    assert not metastore_in_use(config)  # never booted: no lock file at all
    lock = derby_lock_file(config)
    lock.parent.mkdir(parents=True)
    lock.write_bytes(b"\0\0\0\0")
    assert not metastore_in_use(config)  # left behind by a process that is gone
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert metastore_in_use(config)
        started = time.monotonic()
        with pytest.raises(MetastoreBusyError, match=r"open in another Spark process .* stayed open for 4 s"):
            require_free_metastore(config, wait_seconds=4)
        assert time.monotonic() - started >= 4
        assert "open in another Spark process; waiting up to 4 s" in caplog.text  # said after 3 s
    finally:
        holder.communicate("\n", timeout=10)
    assert not metastore_in_use(config)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_a_metastore_released_soon_after_is_waited_for(tmp_path, caplog):
    # As a JVM does for about a second after its command's spark.stop() has returned.
    caplog.set_level(logging.INFO, logger="tweets_etl")
    config = _config(tmp_path)
    lock = derby_lock_file(config)
    lock.parent.mkdir(parents=True)
    lock.write_bytes(b"\0\0\0\0")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        release = threading.Timer(1.5, holder.stdin.close)
        release.start()
        started = time.monotonic()
        require_free_metastore(config)
        assert 1.5 <= time.monotonic() - started < 10
        assert "waiting" not in caplog.text  # a JVM that is only exiting is waited for quietly
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--trend-days", "0"], "--trend-days is 0"),
        (["report", "--top", "0"], "--top is 0"),
        (["report", "--top", "1"], "--top is 1; it must be at least 2"),
        (["serve", "--port", "70000"], "--port 70000 is not a TCP port"),
        (["sql", "SELECT 1", "--limit", "-1"], "--limit is -1; it must be at least 1"),
        (["sql", "SELECT 1", "--limit", "0"], "--limit is 0; it must be at least 1"),
    ],
)
def test_bad_options_fail_before_spark_starts(argv, message, capsys, tmp_path):
    code = main([*argv, "--var-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and err.count("\n") == 0
    assert not (tmp_path / "metastore").exists()
