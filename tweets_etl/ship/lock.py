"""One ship at a time per var dir: a manual run next to the cron one would write the same ``.NAME.part``.

The lock is an exclusive, non-blocking ``flock`` on ``VAR_DIR/locks/ship-command.lock``, held for the
whole run and released by the kernel when the process ends, however it ends. The file is not
``ship.lock``: ``scripts/cron_run.sh ship`` already holds that one and its child inherits it, so taking
the same file here would make every cron run refuse itself.
"""

from __future__ import annotations

import fcntl
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tweets_etl.errors import ConfigError
from tweets_etl.ship.errors import ShipError

LOCK_NAME = "ship-command.lock"


class ShipLockedError(ShipError):
    """Another ship holds the lock; this run sent nothing (exit 1: a later run ships the files)."""


def lock_path(locks_dir: Path) -> Path:
    return locks_dir / LOCK_NAME


@contextmanager
def ship_lock(locks_dir: Path) -> Iterator[Path]:
    """Hold the ship lock for the ``with`` block, or raise :class:`ShipLockedError` at once."""
    path = lock_path(locks_dir)
    try:
        locks_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole run
    except OSError as error:
        raise ConfigError(
            f"cannot open the ship lock {path}: {error.strerror or error}; check VAR_DIR (--var-dir)"
        ) from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ShipLockedError(
                f"another ship is running ({_holder(handle)}); it holds {path}, so this run sent "
                "nothing: the next run ships what is left"
            ) from None
        # Truncated only once the lock is ours, so a refused run never erases the holder's pid.
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield path


def _holder(handle) -> str:
    handle.seek(0)
    match = re.match(r"pid (\d+)", handle.read(100))
    return f"pid {match.group(1)}" if match else "pid unknown"
