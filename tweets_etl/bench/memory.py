"""Peak memory of the driver JVM and of the Python workers, read from /proc (Linux)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Dict, Optional

_WORKER_MARKERS = (b"pyspark.daemon", b"pyspark.worker")


def _status_kib(pid: int, field: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _python_workers():
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if any(marker in cmdline for marker in _WORKER_MARKERS):
            yield int(entry.name)


class PeakMemory:
    """Samples RSS while work runs: the JVM's own high-water mark, and the largest Python worker seen."""

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
            for pid in _python_workers():
                peak = _status_kib(pid, "VmHWM") or 0
                self.worker_peak_kib = max(self.worker_peak_kib, peak)
            self._stop.wait(self.interval)

    def snapshot(self) -> Dict[str, float]:
        jvm = _status_kib(self.jvm_pid, "VmHWM") or 0
        return {
            "driver_jvm_peak_mib": round(jvm / 1024, 1),
            "python_worker_peak_mib": round(self.worker_peak_kib / 1024, 1),
        }
