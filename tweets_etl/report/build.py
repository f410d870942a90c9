"""`tweets-etl report` end to end: refresh the marts, aggregate, render, write two files atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from tweets_etl.config import Config
from tweets_etl.report.page import render_dashboard
from tweets_etl.report.queries import ReportOptions, dashboard_data, to_json_ready
from tweets_etl.report.session import require_star_schema
from tweets_etl.sentiment import thresholds_for
from tweets_etl.sentiment.base import DEFAULT_THRESHOLDS, Thresholds

HTML_NAME = "dashboard.html"
JSON_NAME = "dashboard.json"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    json: Path
    data: Dict[str, Any]


def build_report(
    spark, config: Config, out_dir: Path, options: Optional[ReportOptions] = None
) -> ReportFiles:
    """Write ``dashboard.html`` and ``dashboard.json`` for the configured database into ``out_dir``."""
    from tweets_etl.io.warehouse import Warehouse

    require_star_schema(spark, config)
    # Refreshes the mart views (CREATE OR REPLACE), so a warehouse loaded by an older version gets
    # today's definitions; tables that exist are only checked, never rewritten.
    Warehouse(spark, config.warehouse.database, config.warehouse.table_format).ensure()
    data = to_json_ready(dashboard_data(spark, config.warehouse.database, options or ReportOptions()))
    return write_report(data, out_dir, thresholds_for(config.sentiment.backend))


def write_report(
    data: Dict[str, Any], out_dir: Path, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> ReportFiles:
    """Render and write both files; a reader never sees a half-written file (write, then rename).
    The page quotes ``thresholds``, those of the configured sentiment backend.

    Both texts are made, and both written to temporary files, before either is renamed into place:
    a page that cannot be rendered or a full disk leaves the previous pair as it was, never a new
    dashboard.json beside an old dashboard.html.
    """
    html = render_dashboard(data, thresholds)
    numbers = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / HTML_NAME, out_dir / JSON_NAME
    _write_together({json_path: numbers, html_path: html})
    return ReportFiles(html_path, json_path, data)


def _write_together(texts: Dict[Path, str]) -> None:
    temporaries: Dict[Path, str] = {}
    try:
        for path, text in texts.items():
            handle, temporaries[path] = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".part", dir=path.parent
            )
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.chmod(temporaries[path], 0o644)
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)
