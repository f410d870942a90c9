"""Real twarc2 pages and deliberately broken input: every record accounted for, nothing crashes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.integration.helpers import count_raw
from tweets_etl.pipeline import run_pipeline

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_every_real_x_api_page_is_accounted_for(spark, pipeline_config, shared_data):
    pages = shared_data / "x_api_v2_pages"
    files = sorted(p for p in pages.iterdir() if p.suffix in (".jsonl", ".json"))
    assert any(p.stat().st_size == 0 for p in files), "expected the zero-byte empty.json"
    accepted, rejects = count_raw(files)

    result = run_pipeline(spark, pipeline_config, inputs=[str(pages)])

    assert result.is_reconciled and result.status == "succeeded"
    assert result.counts["raw_records"] == len(accepted) + rejects
    assert result.counts["staged"] == len(set(accepted))
    # The filtered-stream file's last line is cut off on purpose: quarantined, not a crash.
    assert result.rejects_by_reason == {"malformed_json": 1}
    db = pipeline_config.warehouse.database
    stream = spark.sql(
        f"SELECT COUNT(*) FROM {db}.raw_tweets WHERE source_file = 'streaming_output_with_error.jsonl'"
    )
    assert stream.first()[0] == 7
    places = spark.sql(f"SELECT COUNT(*) FROM {db}.dim_locations WHERE location_source = 'place'").first()[0]
    assert places > 0


def _gzip_lines(path: Path, lines) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)
    return path


def test_broken_input_is_quarantined_with_reasons(spark, pipeline_config, tmp_path):
    stamp = {"retrieved_at": "2023-01-02T00:00:00+00:00"}
    good = {"id": "1610000000000000001", "text": "ChatGPT ok", "created_at": "2023-01-01T00:00:00.000Z"}
    wrong_type = dict(good, id="1610000000000000002", public_metrics={"like_count": "many"})
    extra = dict(good, id="1610000000000000003", brand_new_field={"nested": [1, 2]})
    lines = [
        json.dumps({"data": [good, wrong_type], "__twarc": stamp, "unknown_top_level": True}),
        json.dumps({"data": [extra, {"text": "no id"}], "__twarc": stamp}),
        json.dumps({"errors": [{"title": "Authorization Error", "detail": "protected"}]}),
        '{"data": [{"id": "1610000000000000009", "text": "cut',
        "",
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "mixed.jsonl").write_text("\r\n".join(lines), encoding="utf-8")
    whole = _gzip_lines(
        tmp_path / "whole.jsonl.gz",
        [json.dumps({"data": [dict(good, id=str(1610000000000000100 + i))]}) for i in range(50)],
    )
    truncated = tmp_path / "in" / "truncated.jsonl.gz"
    truncated.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])

    result = run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")])

    assert result.is_reconciled
    reasons = result.rejects_by_reason
    assert reasons == {
        "errors_only": 1,
        "malformed_json": 1,
        "missing_id": 1,
        "unreadable_file": 1,
        "wrong_type": 1,
    }
    db = pipeline_config.warehouse.database
    staged = {row[0] for row in spark.sql(f"SELECT tweet_id FROM {db}.stg_tweets").collect()}
    assert {"1610000000000000001", "1610000000000000003"} <= staged
    recovered = [t for t in staged if t.startswith("16100000000000001")]
    assert 0 < len(recovered) < 50, "the complete lines before the damage are loaded, the rest is not"
    detail = spark.sql(f"SELECT reject_detail FROM {db}.raw_rejects WHERE reject_reason = 'unreadable_file'")
    assert "gzip stream broken after" in detail.first()[0]
