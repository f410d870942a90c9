"""The local landing folder `run` reads when given no inputs: what waits in it, and where a batch's
files go once the batch is loaded.

`ship` keeps delivering into VAR_DIR/landing. If loaded files stayed there, every run would make one
batch of everything ever delivered: a full reload, and one more copy of every record in raw_records,
each time. So a batch's files move to VAR_DIR/loaded/<batch id>/ when its last stage has run, as
`land_to_hdfs.sh` moves landed files aside: the next run sees only what arrived since. The names
and sizes stay the same, so `run --input VAR_DIR/loaded/<batch id>` is the same batch again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from tweets_etl.rawfiles import manifest_path


def holds_files(folder: Path) -> bool:
    """Whether anything was delivered into ``folder``, at any depth: the pipeline reads its subfolders
    too, so files there must not be passed over for the sample. Hidden or _-prefixed files and folders
    (uploads in flight) are skipped, as find_raw_files skips them."""
    for _, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith((".", "_"))]
        if any(not name.startswith((".", "_")) for name in files):
            return True
    return False


def move_loaded(paths: Sequence[str], landing: Path, loaded: Path) -> Path:
    """Move a loaded batch's raw files, with their manifests, from ``landing`` to ``loaded``, keeping
    their paths below it. Only these files move: one that arrived during the run waits for the next."""
    for path in map(Path, paths):
        target = loaded / path.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        if manifest_path(path).is_file():
            os.replace(manifest_path(path), manifest_path(target))
    return loaded
