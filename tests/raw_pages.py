"""Reading back the raw files the collector and the importers write, in tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Dict, List


def read_pages(out_dir: Path) -> List[Dict[str, Any]]:
    """Every page of every raw file (``*.jsonl.gz``) in ``out_dir``, in file then line order."""
    pages = []
    for path in sorted(Path(out_dir).glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            pages.extend(json.loads(line) for line in handle)
    return pages
