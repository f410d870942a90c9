"""The benchmark's Python-worker memory counts the workers under its JVM, and no other Spark's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tweets_etl.bench.memory import PeakMemory, descendants

# A stand-in for a PySpark worker: "pyspark.daemon" in its command line, and some memory in use.
WORKER = """
import sys, time
block = b"x" * (int(sys.argv[2]) << 20)
print("ready", flush=True)
time.sleep(120)
"""
# What starts it: nothing in these command lines looks like a worker.
SPAWN = """
import subprocess, sys
subprocess.run([sys.executable, *sys.argv[1:]])
"""


def test_only_workers_under_the_jvm_are_measured(tmp_path):
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    spawn = tmp_path / "spawn.py"
    spawn.write_text(SPAWN)
    marker = "pyspark." + "daemon"
    # The "JVM" starts a process that starts a 40 MiB worker: a grandchild, as PySpark's workers are.
    jvm = subprocess.Popen(
        [sys.executable, str(spawn), str(spawn), str(worker), marker, "40"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    # Another Spark's worker on the same machine, three times as large.
    other = subprocess.Popen([sys.executable, str(worker), marker, "150"], stdout=subprocess.PIPE)
    try:
        assert jvm.stdout.readline() == b"ready\n" and other.stdout.readline() == b"ready\n"
        assert other.pid not in descendants(jvm.pid) and len(descendants(jvm.pid)) == 2

        with PeakMemory(jvm.pid, interval=0.05) as memory:
            time.sleep(0.5)

        assert 40 <= memory.snapshot()["python_worker_peak_mib"] < 100
    finally:
        os.killpg(jvm.pid, signal.SIGKILL)
        other.kill()
        jvm.wait()
        other.wait()
