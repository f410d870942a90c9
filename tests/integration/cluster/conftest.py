"""A real Spark standalone cluster on 127.0.0.1 and the packaged artefacts, once per test session.

The master and worker come from the pip-installed pyspark (``spark-class``), bound to loopback, and are
stopped at the end of the session whatever happened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from tests.integration.cluster.standalone import (
    VENV_BIN,
    Cluster,
    alive_workers,
    clean_env,
    make,
    master_state,
    wait_for,
)
from tests.integration.helpers import ReservedPorts


@pytest.fixture(scope="session")
def requires_java() -> None:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("no Java: the standalone cluster needs a JDK (apt-get install openjdk-17-jre-headless)")
    if not (VENV_BIN / "spark-class").is_file():
        pytest.skip(f"no spark-class next to {sys.executable}: install pyspark (make install)")


@pytest.fixture(scope="session")
def dist(tmp_path_factory, requires_java) -> Path:
    """`make package` once per session, with this venv's base Python: the same Python as the driver."""
    out = tmp_path_factory.mktemp("dist")
    python = os.path.realpath(sys.executable)  # the base interpreter of this venv: same Python as the driver
    result = make("package", f"DIST={out}", f"PACKAGE_PYTHON={python}", env=clean_env())
    assert result.returncode == 0, f"make package failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, requires_java) -> Cluster:
    """A master and a one-core worker on 127.0.0.1, stopped at the end of the session whatever happened."""
    root = tmp_path_factory.mktemp("standalone")
    # Held until each process starts (Spark silently moves a taken port up by one: the URL would lie).
    reserved = ReservedPorts(4)
    master_port, master_ui, worker_port, worker_ui = reserved.ports
    ports = {"master": (master_port, master_ui), "worker": (worker_port, worker_ui)}
    url = f"spark://127.0.0.1:{master_port}"
    spark_class = str(VENV_BIN / "spark-class")
    master = ["--host", "127.0.0.1", "--port", str(master_port), "--webui-port", str(master_ui)]
    worker = ["--host", "127.0.0.1", "--port", str(worker_port), "--webui-port", str(worker_ui)]
    worker += ["--cores", "1", "--memory", "1g", "--work-dir", str(root / "work")]
    commands = {
        "master": [spark_class, "org.apache.spark.deploy.master.Master", *master],
        "worker": [spark_class, "org.apache.spark.deploy.worker.Worker", url, *worker],
    }
    logs = {name: root / f"{name}.log" for name in commands}
    processes: List[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            reserved.release(*ports[name])
            with logs[name].open("wb") as log:
                processes.append(
                    subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=clean_env(), cwd=root)
                )
            if name == "master":
                wait_for(lambda: master_state(master_ui) is not None, processes, logs, "master web UI")
        wait_for(lambda: alive_workers(master_ui) >= 1, processes, logs, "worker registration")
        yield Cluster(master_url=url, work_dir=root / "work", logs=logs)
    finally:
        reserved.release()
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
