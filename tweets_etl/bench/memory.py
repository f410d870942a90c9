"""Peak memory of the driver JVM and of its Python workers, read from /proc (Linux)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, List, Optional

_WORKER_MARKERS = (b"pyspark.daemon", b"pyspark.worker")


def _status_kib(pid: int, field: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _parents() -> Dict[int, int]:
    """Every process's parent, from /proc/PID/stat."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so read after the last ")".
        parents[int(entry.name)] = int(stat[stat.rfind(")") + 1 :].split()[1])
    return parents


def descendants(pid: int) -> List[int]:
    """The processes started by ``pid``, by their children, and so on."""
    children: Dict[int, List[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _python_workers(jvm_pid: int):
    """PySpark's daemon and workers under this JVM; another Spark's on the same machine are not ours."""
    for pid in descendants(jvm_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if any(marker in cmdline for marker in _WORKER_MARKERS):
            yield pid


class PeakMemory:
    """Samples RSS while work runs: the JVM's own high-water mark, and the largest Python worker seen
    among the JVM's descendants (PySpark's daemon is the JVM's child; its workers are the daemon's)."""

    def __init__(self, jvm_pid: int, interval: float = 0.25) -> None:
        self.jvm_pid = jvm_pid
        self.interval = interval
        self.worker_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in _python_workers(self.jvm_pid):
                peak = _status_kib(pid, "VmHWM") or 0
                self.worker_peak_kib = max(self.worker_peak_kib, peak)
            self._stop.wait(self.interval)

    def snapshot(self) -> Dict[str, float]:
        jvm = _status_kib(self.jvm_pid, "VmHWM") or 0
        return {
            "driver_jvm_peak_mib": round(jvm / 1024, 1),
            "python_worker_peak_mib": round(self.worker_peak_kib / 1024, 1),
        }
