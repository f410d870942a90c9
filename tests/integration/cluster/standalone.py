"""Helpers for the standalone cluster test: a clean environment, make, waiting for Spark.

The cluster processes get an environment scrubbed of the developer's Python settings, so executors can
only use what the archive brings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
# The developer's interpreter settings must not leak into the cluster: executors get the archive only.
SCRUBBED = (
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "PYSPARK_PYTHON",
    "PYSPARK_DRIVER_PYTHON",
    "SPARK_HOME",
    "SPARK_CONF_DIR",
)
START_TIMEOUT = 90


@dataclass(frozen=True)
class Cluster:
    master_url: str
    work_dir: Path
    logs: Dict[str, Path]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def clean_env(**extra: str) -> Dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SCRUBBED}
    env.update(SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=str(spark_home()), **extra)
    return env


def make(*args: str, env: Dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a make target in the repo the way a person would; output is kept for assertions."""
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def master_state(ui_port: int):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def alive_workers(ui_port: int) -> int:
    state = master_state(ui_port) or {}
    return sum(1 for worker in state.get("workers", []) if worker.get("state") == "ALIVE")


def wait_for(ready, processes, logs, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if ready():
            return
        for process, (name, log) in zip(processes, logs.items()):
            if process.poll() is not None:
                pytest.fail(f"spark {name} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    tails = "\n".join(f"--- {name}\n{log.read_text()[-2000:]}" for name, log in logs.items())
    pytest.fail(f"timed out after {START_TIMEOUT}s waiting for {what}\n{tails}")
