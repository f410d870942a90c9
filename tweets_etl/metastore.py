"""The embedded Derby metastore admits one JVM at a time: say so in one sentence before Spark starts.

A second JVM on the same metastore (a `tweets-etl serve` left running, a pipeline run in progress)
fails deep inside Hive with tens of thousands of lines of Java stack trace, so the lock is checked
first: Derby holds an exclusive lock on ``dbex.lck`` while the database is booted, and Java's file
locks on Linux and macOS are the POSIX locks ``fcntl`` sees.

A command's ``spark.stop()`` returns while its JVM is still exiting and holding that lock, for about a
second, so ``tweets-etl run && tweets-etl report`` would find the metastore busy: the check waits a
while for the lock to go before it refuses.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from tweets_etl.config import Config
from tweets_etl.errors import TweetsEtlError

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks; Derby's own error is all we get there
    fcntl = None  # type: ignore[assignment]

# How long a command waits for another process's JVM to release the metastore: enough for one that is
# exiting (about 1 s after spark.stop() on 2 cores), short enough to refuse a running server quickly.
RELEASE_WAIT_SECONDS = 15.0
_POLL_SECONDS = 0.2
_QUIET_SECONDS = 3.0
log = logging.getLogger("tweets_etl.metastore")


class MetastoreBusyError(TweetsEtlError):
    """Another process has the embedded metastore open."""


def derby_lock_file(config: Config) -> Path:
    return config.dirs.metastore_db / "dbex.lck"


def metastore_in_use(config: Config) -> bool:
    """True when another process has this var dir's embedded Derby metastore booted."""
    lock = derby_lock_file(config)
    if config.warehouse.metastore != "embedded" or fcntl is None or not lock.is_file():
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:  # not ours to open (another user's var dir): let Spark report it
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def require_free_metastore(config: Config, wait_seconds: float = RELEASE_WAIT_SECONDS) -> None:
    """Return once no other process has the metastore open; refuse if one still has after ``wait_seconds``."""
    folder = config.dirs.metastore
    started = time.monotonic()
    announced = False
    while metastore_in_use(config):
        waited = time.monotonic() - started
        if waited >= wait_seconds:
            raise MetastoreBusyError(
                f"the metastore in {folder} is open in another Spark process (a running `tweets-etl serve`, "
                f"`run` or `sql`?) and stayed open for {wait_seconds:.0f} s; the embedded Derby metastore "
                "allows one at a time, so stop that process first or use another --var-dir"
            )
        # Quietly at first: a JVM that is only exiting lets go within a second or two.
        if not announced and waited >= _QUIET_SECONDS:
            log.info(
                "the metastore in %s is open in another Spark process; waiting up to %.0f s",
                folder,
                wait_seconds,
            )
            announced = True
        time.sleep(_POLL_SECONDS)
