"""The collector box has no Java: importing the collect package must not pull in pyspark."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib, pkgutil, sys
import tweets_etl.collect as package
names = [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
names += ["tweets_etl.commands.collect", "tweets_etl.commands.import_"]
for name in names:
    importlib.import_module(name)
print(len(names))
print(",".join(sorted(m for m in sys.modules if m == "pyspark" or m.startswith("pyspark."))))
"""


def test_collect_modules_do_not_import_pyspark(repo_root):
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=repo_root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    count, loaded = [*result.stdout.split("\n"), ""][:2]
    assert int(count) >= 10, "every module of the collect package is imported"
    assert loaded == "", f"pyspark was imported: {loaded}"
