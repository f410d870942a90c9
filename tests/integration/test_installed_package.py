"""tweets-etl installed from a wheel, as on a collector box: no repo, run from another folder (cron)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("setup.py", "pyproject.toml", "README.md", "MANIFEST.in", "tweets_etl", "conf")


def run(*command: str, cwd: Path, env: Optional[dict] = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A source distribution made from a copy of the repo, built into a wheel, installed into a folder."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.is_file():
            shutil.copy2(path, source / name)
    run(sys.executable, "setup.py", "-q", "sdist", "-d", str(work / "sdist"), cwd=source)
    [sdist] = (work / "sdist").glob("*.tar.gz")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    run(*pip, "wheel", "--no-deps", "-w", str(work / "wheel"), str(sdist), cwd=work)
    [wheel] = (work / "wheel").glob("*.whl")
    run(*pip, "install", "--no-deps", "--target", str(work / "site"), str(wheel), cwd=work)
    return work / "site"


@pytest.mark.slow
def test_an_installed_package_finds_its_configuration_away_from_the_repo(installed, tmp_path):
    """setup.py shipped no conf/, so an installed tweets-etl run from $HOME could not find base.yaml."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TWEETS_ETL")},
        "PYTHONPATH": str(installed),
    }
    probe = (
        "import json, tweets_etl; from tweets_etl.config import load_config;"
        "from tweets_etl.taxonomy import load_taxonomy;"
        "config = load_config(env='cloudera');"
        "print(json.dumps({'package': tweets_etl.__file__, 'conf_dir': config.conf_dir,"
        " 'master': config.spark.master, 'taxonomy': bool(load_taxonomy(config.taxonomy_path))}))"
    )

    help_text = run(str(installed / "bin" / "tweets-etl"), "--help", cwd=tmp_path, env=env)
    loaded = json.loads(run(sys.executable, "-c", probe, cwd=tmp_path, env=env))

    assert help_text.startswith("usage: tweets-etl ")
    assert loaded == {
        "package": str(installed / "tweets_etl" / "__init__.py"),
        "conf_dir": str(installed / "tweets_etl" / "conf"),
        "master": "yarn",
        "taxonomy": True,
    }
    shipped = sorted(
        p.relative_to(installed / "tweets_etl" / "conf").as_posix()
        for p in (installed / "tweets_etl" / "conf").rglob("*")
        if p.is_file()
    )
    expected = sorted([p.name for p in (REPO / "conf").glob("*.yaml")] + ["spark/log4j2.properties"])
    assert shipped == expected
