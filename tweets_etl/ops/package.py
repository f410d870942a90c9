"""`make package`: the artefacts spark-submit ships, following Spark's Python packaging guide.

``dist/`` (or ``--dist``) gets:

- ``tweets_etl.zip``: our code for ``--py-files``; deterministic, so the same sources give the same bytes.
- ``jobs/*.py``: the spark-submit entry points.
- ``executor-env.tar.gz``: a venv-pack archive of the executors' third-party dependencies, which are
  setup.py's ``install_requires`` plus the ``pipeline`` extra: never tweepy or paramiko. It is packed from
  a fresh venv, ``executor-env/``, which stays beside it as the driver's Python in client mode.
- ``executor-requirements.txt`` and ``package-info.json``: what went in, for which Python and platform.

The archive is a relocatable venv, not a Python: its ``bin/python`` links to the interpreter that built
it. Nodes must run the same OS and CPU architecture and have that Python (same version, at the same
prefix or at ``--python-prefix``). Build it on a box like the nodes.

pyspark is not in the archive, on purpose: the Spark that starts an executor puts its own
``$SPARK_HOME/python/lib/pyspark.zip`` (and py4j) first on the Python workers' PYTHONPATH, so a pyspark in
the archive would be shadowed anyway. That holds for YARN on Cloudera and for standalone workers started
from a pip-installed pyspark alike: pip's pyspark ships ``pyspark/python/lib/pyspark.zip`` too, which the
standalone cluster test shows (the executors' pyspark comes from the worker's SPARK_HOME). The Python
side must still match the cluster's Spark version, which is the cluster's business, not the archive's.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tweets_etl import __version__
from tweets_etl.errors import ConfigError, TweetsEtlError

REPO = Path(__file__).resolve().parents[2]
EXECUTOR_EXTRAS = ("pipeline",)
CODE_ZIP = "tweets_etl.zip"
ARCHIVE = "executor-env.tar.gz"
ENV_DIR = "executor-env"
JOBS_DIR = "jobs"
INFO_FILE = "package-info.json"
REQUIREMENTS_FILE = "executor-requirements.txt"
# Bump when the archive layout changes, so old archives are rebuilt rather than reused.
FORMAT_VERSION = 1
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def setup_requirements(setup_py: Path, extras: Sequence[str]) -> List[str]:
    """``install_requires`` plus the named extras, read from setup.py without building anything."""
    try:
        import setuptools
    except ImportError:
        # Python 3.12+ venvs come without setuptools; the dev extra installs it for these tools.
        raise TweetsEtlError(
            f"reading the requirements in {setup_py} needs setuptools, which {sys.executable} lacks; "
            "run `make install` (the dev extra has it) or `pip install setuptools`"
        ) from None

    captured: Dict[str, Any] = {}
    original = setuptools.setup
    setuptools.setup = lambda **kwargs: captured.update(kwargs)
    try:
        runpy.run_path(str(setup_py))
    finally:
        setuptools.setup = original
    if not captured:
        raise ConfigError(f"{setup_py} did not call setuptools.setup(); cannot read its requirements")
    known = captured.get("extras_require", {})
    requirements = list(captured.get("install_requires", []))
    for extra in extras:
        if extra not in known:
            raise ConfigError(f"setup.py has no extra {extra!r} (known: {', '.join(sorted(known))})")
        requirements.extend(req for req in known[extra] if req not in requirements)
    return requirements


def executor_requirements(setup_py: Path) -> List[str]:
    """What the executor archive installs; pyspark there would only be shadowed by the cluster's."""
    requirements = setup_requirements(setup_py, EXECUTOR_EXTRAS)
    spark = [req for req in requirements if re.match(r"^pyspark\b", req)]
    if spark:
        raise ConfigError(
            f"setup.py's {'/'.join(EXECUTOR_EXTRAS)} extra lists {spark[0]}; executors get pyspark from the "
            "cluster's Spark, so keep it in the local extra only"
        )
    return requirements


def build_code_zip(package_dir: Path, output: Path) -> int:
    """Zip the package for --py-files (no caches, fixed timestamps); returns the number of files."""
    files = sorted(
        path
        for path in package_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")
    )
    if not any(path.name == "__init__.py" and path.parent == package_dir for path in files):
        raise TweetsEtlError(f"{package_dir} is not a Python package (no __init__.py)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(str(path.relative_to(package_dir.parent)), date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    replace_file(output, buffer.getvalue())
    return len(files)


def copy_jobs(jobs_dir: Path, output_dir: Path) -> List[str]:
    """Mirror the spark-submit entry points into ``output_dir``, dropping ones gone from the source.

    Every `make submit` does this while other submits may be reading the folder, so it is never emptied:
    each file is replaced whole, and only stale job files are removed.
    """
    scripts = sorted(path for path in jobs_dir.glob("*.py") if not path.name.startswith("_"))
    if not scripts:
        raise TweetsEtlError(f"{jobs_dir} has no job entry points (*.py); nothing to submit")
    for script in scripts:
        replace_file(output_dir / script.name, script.read_bytes(), mode=script.stat().st_mode & 0o777)
    names = {script.name for script in scripts}
    for stale in output_dir.glob("*.py"):
        if stale.name not in names:
            stale.unlink(missing_ok=True)
    return [script.stem for script in scripts]


def replace_file(path: Path, data: bytes, *, mode: int = 0o644) -> bool:
    """Put ``data`` at ``path`` unless it is there already; returns whether the file changed.

    The bytes go to a temporary file of this process's own, renamed over ``path``: a reader (a running
    spark-submit) sees the old file or the new one whole, and two writers never share a partial file.
    """
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def python_info(python: str) -> Dict[str, str]:
    """Version, platform and real path of the interpreter that builds the archive."""
    probe = (
        "import json, platform, sys, os;"
        "print(json.dumps({'version': platform.python_version(), 'implementation': "
        "platform.python_implementation(), 'machine': platform.machine(), 'system': platform.system(), "
        "'libc': ' '.join(platform.libc_ver()), 'executable': os.path.realpath(sys.executable), "
        "'base_prefix': sys.base_prefix}))"
    )
    try:
        result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        raise TweetsEtlError(
            f"cannot run {python!r} to build the executor archive; set PACKAGE_PYTHON to the Python "
            "the cluster nodes have (e.g. /usr/bin/python3.9)"
        ) from None
    return json.loads(result.stdout)


def archive_fingerprint(
    requirements: Sequence[str], info: Dict[str, str], *, python_prefix: Optional[str]
) -> str:
    """Everything that changes the archive's contents; equal fingerprints mean the archive can be reused."""
    key = {
        "format": FORMAT_VERSION,
        "requirements": list(requirements),
        "python": {name: info[name] for name in ("version", "implementation", "machine", "executable")},
        "python_prefix": python_prefix,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def read_info(dist: Path) -> Dict[str, Any]:
    path = dist / INFO_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def archive_is_current(dist: Path, fingerprint: str) -> bool:
    """The archive matches the fingerprint, and the venv it was packed from is still there for client mode."""
    info = read_info(dist)
    archive = dist / ARCHIVE
    return (
        info.get("fingerprint") == fingerprint
        and archive.is_file()
        and archive.stat().st_size == info.get("archive", {}).get("bytes")
        and (dist / ENV_DIR / "bin" / "python").exists()
    )


def build_venv(python: str, venv_dir: Path, requirements_file: Path) -> None:
    """A fresh venv with exactly the executor requirements, checked for consistency by pip."""
    if venv_dir.exists():
        shutil.rmtree(venv_dir)
    _run([python, "-m", "venv", str(venv_dir)], what=f"create a venv with {python}")
    pip = [str(venv_dir / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run([*pip, "install", "--quiet", "-r", str(requirements_file)], what="install the executor requirements")
    _run([*pip, "check"], what="verify the executor requirements are consistent (pip check)")


def pack_venv(venv_dir: Path, output: Path, *, python_prefix: Optional[str]) -> None:
    """venv-pack the venv into a relocatable tar.gz (written beside, then renamed into place)."""
    try:
        import venv_pack
    except ImportError:
        raise TweetsEtlError(
            "venv-pack is not installed in this Python; run `make install` or `pip install venv-pack`"
        ) from None
    partial = output.with_name(output.name + ".part.tar.gz")
    venv_pack.pack(
        prefix=str(venv_dir),
        output=str(partial),
        python_prefix=python_prefix,
        force=True,
        verbose=False,
    )
    partial.replace(output)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package(
    dist: Path,
    *,
    python: str,
    python_prefix: Optional[str] = None,
    force: bool = False,
    code_only: bool = False,
    repo: Path = REPO,
) -> Dict[str, Any]:
    """Build dist/; the archive is rebuilt only when its fingerprint changed (or ``force``)."""
    dist = dist.resolve()
    count = build_code_zip(repo / "tweets_etl", dist / CODE_ZIP)
    jobs = copy_jobs(repo / JOBS_DIR, dist / JOBS_DIR)
    _say(f"{dist / CODE_ZIP}: {count} files; {dist / JOBS_DIR}: {', '.join(jobs)}")
    if code_only:
        return read_info(dist)

    requirements = executor_requirements(repo / "setup.py")
    info = python_info(python)
    fingerprint = archive_fingerprint(requirements, info, python_prefix=python_prefix)
    if not force and archive_is_current(dist, fingerprint):
        _say(f"{dist / ARCHIVE} is up to date (same requirements and Python); --force rebuilds it")
        return read_info(dist)

    started = time.monotonic()
    requirements_file = dist / REQUIREMENTS_FILE
    requirements_file.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    (dist / INFO_FILE).unlink(missing_ok=True)
    _say(f"building {dist / ENV_DIR} with Python {info['version']}: {', '.join(requirements)}")
    build_venv(python, dist / ENV_DIR, requirements_file)
    pack_venv(dist / ENV_DIR, dist / ARCHIVE, python_prefix=python_prefix)
    archive = dist / ARCHIVE
    record = {
        "tweets_etl_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "built_on": platform.node(),
        "fingerprint": fingerprint,
        "requirements": requirements,
        "python": info,
        "python_prefix": python_prefix or info["base_prefix"],
        "archive": {"path": ARCHIVE, "bytes": archive.stat().st_size, "sha256": sha256_file(archive)},
        "build_seconds": round(time.monotonic() - started, 1),
    }
    (dist / INFO_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    _say(
        f"{archive}: {record['archive']['bytes'] / 1e6:.0f} MB in {record['build_seconds']} s. Nodes need "
        f"{info['system']} {info['machine']} and Python {info['version']} at {record['python_prefix']} "
        "(rebuild with PACKAGE_PYTHON / PYTHON_PREFIX otherwise)"
    )
    return record


def _run(command: List[str], *, what: str) -> None:
    try:
        completed = subprocess.run(command)
    except OSError as error:
        raise TweetsEtlError(f"could not {what}: {error.strerror}: {command[0]}") from None
    if completed.returncode != 0:
        raise TweetsEtlError(f"could not {what} (exit {completed.returncode}; pip's message is above)")


def _say(message: str) -> None:
    print(f"package: {message}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="package",
        description="Build dist/ for spark-submit: tweets_etl.zip (--py-files), jobs/, and "
        "executor-env.tar.gz (venv-pack, --archives) with the executors' third-party dependencies.",
    )
    parser.add_argument("--dist", default="dist", help="output folder (default: dist)")
    parser.add_argument(
        "--python",
        default=os.environ.get("PACKAGE_PYTHON") or "python3",
        help="the Python the archive is built with; must match the nodes' Python "
        "(default: $PACKAGE_PYTHON, else python3)",
    )
    parser.add_argument("--python-prefix", help="where the nodes' Python lives, e.g. /usr (venv-pack)")
    parser.add_argument("--force", action="store_true", help="rebuild the archive even if it is up to date")
    parser.add_argument("--code-only", action="store_true", help="only refresh tweets_etl.zip and jobs/")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        package(
            Path(args.dist),
            python=args.python,
            python_prefix=args.python_prefix or None,
            force=args.force,
            code_only=args.code_only,
        )
    except TweetsEtlError as error:
        print(f"package: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
