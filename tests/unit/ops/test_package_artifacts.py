"""The fast parts of `make package`: requirements from setup.py, the --py-files zip, jobs, fingerprints.

Building the venv and the archive for real is the cluster test's job (tests/integration/cluster).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tweets_etl.errors import ConfigError, TweetsEtlError
from tweets_etl.ops import package

REPO = Path(__file__).resolve().parents[3]
INFO = {
    "version": "3.11.7",
    "implementation": "CPython",
    "machine": "x86_64",
    "executable": "/usr/bin/python3",
}


def test_executor_requirements_are_the_pipeline_extra_without_the_collector_or_shipper():
    requirements = package.executor_requirements(REPO / "setup.py")
    names = {req.split(">")[0].split("<")[0].split("=")[0].lower() for req in requirements}

    assert {"pyyaml", "vadersentiment", "pandas", "numpy", "pyarrow"} <= names
    assert not names & {"tweepy", "paramiko", "pyspark", "pytest"}


def write_setup(folder: Path, pipeline: list) -> Path:
    setup = folder / "setup.py"
    setup.write_text(
        "from setuptools import setup\n"
        f"setup(name='x', install_requires=['pyyaml'], extras_require={{'pipeline': {pipeline!r}}})\n"
    )
    return setup


def test_an_extra_that_setup_py_lacks_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no extra 'nope'"):
        package.setup_requirements(write_setup(tmp_path, ["pandas"]), ["nope"])


def test_pyspark_in_the_executor_extra_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="executors get pyspark from the cluster's Spark"):
        package.executor_requirements(write_setup(tmp_path, ["pandas", "pyspark==3.5.1"]))


def test_code_zip_is_importable_byte_identical_across_builds_and_cache_free(tmp_path):
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    package.build_code_zip(REPO / "tweets_etl", first)
    package.build_code_zip(REPO / "tweets_etl", second)

    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert "tweets_etl/__init__.py" in names and "tweets_etl/ops/submit.py" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import tweets_etl.config as c; print(c.__file__)"
    result = subprocess.run([sys.executable, "-I", "-c", probe, str(first)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{first}/tweets_etl/config.py"


def test_copy_jobs_mirrors_the_entry_points_and_drops_stale_ones(tmp_path):
    out = tmp_path / "jobs"
    out.mkdir()
    (out / "removed_job.py").write_text("")

    jobs = package.copy_jobs(REPO / "jobs", out)

    assert {"pipeline", "ingest", "stage", "enrich", "model", "check"} <= set(jobs)
    assert sorted(path.stem for path in out.iterdir()) == sorted(jobs)


def test_copy_jobs_refuses_an_empty_jobs_folder(tmp_path):
    (tmp_path / "jobs").mkdir()

    with pytest.raises(TweetsEtlError, match="has no job entry points"):
        package.copy_jobs(tmp_path / "jobs", tmp_path / "out")


def test_the_fingerprint_changes_with_requirements_python_and_prefix():
    base = package.archive_fingerprint(["pandas<3"], INFO, python_prefix=None)

    assert base == package.archive_fingerprint(["pandas<3"], dict(INFO), python_prefix=None)
    assert base != package.archive_fingerprint(["pandas<2"], INFO, python_prefix=None)
    assert base != package.archive_fingerprint(
        ["pandas<3"], {**INFO, "version": "3.9.18"}, python_prefix=None
    )
    assert base != package.archive_fingerprint(["pandas<3"], INFO, python_prefix="/usr")


def test_an_archive_is_reused_only_when_its_recorded_fingerprint_and_size_match(tmp_path):
    (tmp_path / package.ENV_DIR / "bin").mkdir(parents=True)
    (tmp_path / package.ENV_DIR / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / package.ARCHIVE).write_bytes(b"12345")
    record = {"fingerprint": "abc", "archive": {"bytes": 5}}
    (tmp_path / package.INFO_FILE).write_text(json.dumps(record))

    assert package.archive_is_current(tmp_path, "abc")
    assert not package.archive_is_current(tmp_path, "other")
    (tmp_path / package.ARCHIVE).write_bytes(b"123")  # a truncated copy is not reused
    assert not package.archive_is_current(tmp_path, "abc")


def test_code_only_package_refreshes_the_zip_and_jobs(tmp_path):
    package.package(tmp_path, python=sys.executable, code_only=True)

    assert (tmp_path / package.CODE_ZIP).is_file()
    assert (tmp_path / "jobs" / "pipeline.py").read_text() == (REPO / "jobs" / "pipeline.py").read_text()
    assert not (tmp_path / package.ARCHIVE).exists()


def test_a_missing_build_python_is_one_sentence():
    with pytest.raises(TweetsEtlError, match="set PACKAGE_PYTHON to the Python the cluster nodes have"):
        package.python_info("/nonexistent/python3.9")


def test_the_dev_extra_brings_setuptools_which_reading_setup_py_needs():
    dev = package.setup_requirements(REPO / "setup.py", ["dev"])

    assert [req for req in dev if req.startswith("setuptools")], dev


def test_reading_setup_py_without_setuptools_says_how_to_get_it(tmp_path):
    """A venv of Python 3.12+ has no setuptools; here a venv made without pip has none either."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from tweets_etl.ops import package; from tweets_etl.errors import TweetsEtlError\n"
        "try: package.executor_requirements(package.REPO / 'setup.py')\n"
        "except TweetsEtlError as error: print(error)"
    )

    result = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-I", "-c", probe, str(REPO)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"reading the requirements in {REPO / 'setup.py'} needs setuptools")
    assert "run `make install`" in result.stdout


def test_an_archive_whose_venv_is_gone_is_rebuilt(tmp_path):
    """Client mode's driver runs dist/executor-env/bin/python; make package restores it when it is gone."""
    (tmp_path / package.ARCHIVE).write_bytes(b"12345")
    (tmp_path / package.INFO_FILE).write_text(json.dumps({"fingerprint": "abc", "archive": {"bytes": 5}}))

    assert not package.archive_is_current(tmp_path, "abc")


def _concurrently(writer, reader, *, writers: int = 2, rounds: int = 40) -> list:
    """Run ``writer`` ``rounds`` times in each of ``writers`` threads while ``reader`` runs in a loop; every
    exception either raised, by name."""
    import threading

    errors: list = []
    done = threading.Event()

    def read():
        while not done.is_set():
            try:
                reader()
            except Exception as error:
                errors.append(f"reader: {type(error).__name__}: {error}")

    def write():
        for _ in range(rounds):
            try:
                writer()
            except Exception as error:
                errors.append(f"writer: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=write) for _ in range(writers)]
    watcher = threading.Thread(target=read)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    return errors


def test_two_submits_refreshing_the_jobs_never_hide_a_job_from_a_running_spark_submit(tmp_path):
    """copy_jobs deleted and recreated dist/jobs on every make submit: a second submit at the same time
    found no pipeline.py, or failed itself."""
    out = tmp_path / "jobs"
    package.copy_jobs(REPO / "jobs", out)
    expected = (REPO / "jobs" / "pipeline.py").read_bytes()

    def reader():
        assert (out / "pipeline.py").read_bytes() == expected

    errors = _concurrently(lambda: package.copy_jobs(REPO / "jobs", out), reader)

    assert errors == []
    assert sorted(path.name for path in out.iterdir()) == sorted(
        path.name for path in (REPO / "jobs").glob("*.py")
    )


def test_two_submits_rebuilding_the_code_zip_never_leave_a_broken_or_missing_zip(tmp_path):
    """Both builds wrote the same tweets_etl.zip.part, and one renamed it away under the other. Here the
    code changes between builds too, so the zip is really rewritten while it is read."""
    import itertools
    import shutil

    sources = []
    for name in ("a", "b"):
        shutil.copytree(
            REPO / "tweets_etl", tmp_path / name / "tweets_etl", ignore=shutil.ignore_patterns("__pycache__")
        )
        sources.append(tmp_path / name / "tweets_etl")
    (sources[1] / "changed.py").write_text("CHANGED = True\n")
    output = tmp_path / "dist" / package.CODE_ZIP
    versions = set()
    for source in sources:
        package.build_code_zip(source, output)
        versions.add(output.read_bytes())
    turns = itertools.cycle(sources)

    def reader():
        assert output.read_bytes() in versions

    errors = _concurrently(lambda: package.build_code_zip(next(turns), output), reader, rounds=15)

    assert errors == [] and len(versions) == 2
    assert sorted(path.name for path in output.parent.iterdir()) == [package.CODE_ZIP]


def test_a_changed_job_replaces_the_old_copy_and_keeps_its_mode(tmp_path):
    source, out = tmp_path / "jobs", tmp_path / "dist" / "jobs"
    source.mkdir()
    (source / "pipeline.py").write_text("print(1)\n")
    package.copy_jobs(source, out)
    (source / "pipeline.py").write_text("print(2)\n")
    (source / "pipeline.py").chmod(0o755)

    package.copy_jobs(source, out)

    assert (out / "pipeline.py").read_text() == "print(2)\n"
    assert (out / "pipeline.py").stat().st_mode & 0o777 == 0o755
    assert sorted(path.name for path in out.iterdir()) == ["pipeline.py"]
