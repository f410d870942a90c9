"""Independent Spark actions run side by side, so the cores never wait on the driver.

A write is not all tasks: Spark plans it, commits its files and registers its partitions in the
metastore, one driver thread at a time, while the cores idle. When a stage has several writes (or
queries) that do not depend on each other, submitting them from a few threads lets one job's tasks
fill the gaps of another. Spark schedules jobs first in, first out, so the heaviest go first.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Sequence, TypeVar

from pyspark import inheritable_thread_target

T = TypeVar("T")

# A few jobs in flight are enough to hide the driver's share; more only add memory pressure.
DEFAULT_WORKERS = 3


def run_side_by_side(actions: Sequence[Callable[[], T]], *, workers: int = DEFAULT_WORKERS) -> List[T]:
    """Run every action, up to ``workers`` at once, and return their results in the given order.

    Each thread inherits the caller's Spark job group (the UI and the logs keep naming the stage).
    Once an action fails no other one starts; the first failure is raised when the running ones end.
    """
    failed = threading.Event()

    def guarded(action: Callable[[], T]) -> Callable[[], T]:
        def run() -> T:
            if failed.is_set():
                raise _NotStartedError()
            try:
                return action()
            except BaseException:
                failed.set()
                raise

        return inheritable_thread_target(run)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tweets-etl") as pool:
        futures = [pool.submit(guarded(action)) for action in actions]
    errors = [future.exception() for future in futures]
    first = next((error for error in errors if error and not isinstance(error, _NotStartedError)), None)
    if first is not None:
        raise first
    return [future.result() for future in futures]


class _NotStartedError(Exception):
    """An action skipped because another one had failed."""
