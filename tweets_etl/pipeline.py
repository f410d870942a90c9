"""The batch pipeline: ingest -> stage -> enrich -> model -> check, each stage reading what the last wrote.

Running the same files again is the same batch (see tweets_etl.batch): every stage rewrites exactly
what it wrote before, and the tables end up with the same contents. Stages can also run alone
(``--stages``, ``jobs/*.py``): they find their batch by the same fingerprint.

Every run whose input files are found leaves one row in etl_runs, failed or not (unless etl_runs
itself cannot be written, e.g. the metastore is down: a warning says so). A run whose inputs cannot
be found or listed has no files, so no batch id: it stops with an InputError and leaves no row.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Callable, List, Optional, Sequence

from pyspark.sql import SparkSession

from tweets_etl.batch import BatchContext, RunResult
from tweets_etl.config import PIPELINE_STAGES, Config
from tweets_etl.errors import InputError, QualityGateError, TweetsEtlError, describe
from tweets_etl.io.raw import RawFile, batch_fingerprint, find_raw_files, prepare_inputs
from tweets_etl.io.warehouse import Warehouse
from tweets_etl.stages import STAGES
from tweets_etl.tables import ETL_RUNS, RAW_RECORDS
from tweets_etl.taxonomy import check_with_java, load_taxonomy

log = logging.getLogger(__name__)


def batch_id_for(files: Sequence[RawFile]) -> str:
    return f"b{batch_fingerprint(files)[:16]}"


def resolve_inputs(config: Config, inputs: Sequence[str], spark: SparkSession) -> List[RawFile]:
    """The raw files of explicit inputs, else of pipeline.inputs from config, else of the landing
    folder (remote folders are listed through ``spark``'s Hadoop FileSystem)."""
    chosen = list(inputs) or list(config.pipeline.inputs) or [str(config.dirs.landing)]
    return find_raw_files(chosen, spark)


def run_pipeline(
    spark: SparkSession,
    config: Config,
    *,
    inputs: Sequence[str],
    stages: Sequence[str] = PIPELINE_STAGES,
    on_stage: Optional[Callable[[str], None]] = None,
) -> RunResult:
    """Run the given stages for the batch made of ``inputs`` and record the run in etl_runs."""
    # Inputs that cannot be found stop the run here: without files there is no batch to record.
    files = resolve_inputs(config, inputs, spark)
    result = RunResult(
        run_id=uuid.uuid4().hex[:12],
        batch_id=batch_id_for(files),
        env=config.env,
        stages=[stage for stage in PIPELINE_STAGES if stage in stages],
        input_files=[file.name for file in files],
        started_at=_now(),
    )
    warehouse = Warehouse(spark, config.warehouse.database, config.warehouse.table_format)
    try:
        warehouse.ensure()
        raw = prepare_inputs(files, recovery_dir=config.dirs.recovered)
        context = BatchContext(spark, config, warehouse, raw, result)
        if result.stages and "ingest" not in result.stages:
            _require_ingested(warehouse, result.batch_id)
        if {"enrich", "model"} & set(result.stages):
            # A taxonomy mistake stops the run before anything is written, not in enrich.
            check_with_java(load_taxonomy(config.taxonomy_path), spark)
        for stage in result.stages:
            if on_stage:
                on_stage(stage)
            began = time.monotonic()
            spark.sparkContext.setJobGroup(stage, f"tweets-etl {stage} {result.batch_id}")
            _run_stage(stage, context)
            result.stage_seconds[stage] = round(time.monotonic() - began, 2)
        result.status = "succeeded"
        failed = [check for check in result.checks if not check.passed]
        if failed and config.pipeline.fail_on_gate:
            result.status = "failed"
            result.message = "data-quality gates failed: " + ", ".join(check.check_name for check in failed)
    except TweetsEtlError as error:
        result.status, result.message = "failed", str(error)
        raise
    except Exception as error:
        result.status, result.message = "failed", describe(error, limit=500)
        raise
    finally:
        if result.status == "running":
            result.status = "failed"
            result.message = result.message or "interrupted"
        result.finished_at = _now()
        _record_run(spark, warehouse, result)
    if result.status == "failed":
        raise QualityGateError(result.message or "the run failed")
    return result


def _require_ingested(warehouse: Warehouse, batch_id: str) -> None:
    """Refuse to run later stages for a batch ingest never loaded: they would find no records, do
    nothing and pass every gate, which reads as success."""
    if not warehouse.has_partitions(RAW_RECORDS, [batch_id]):
        raise InputError(
            f"batch {batch_id} was never ingested: these input files are not the files of a loaded batch; "
            "run the ingest stage for them first, or give the files the batch was made of"
        )


class StageError(TweetsEtlError):
    """A stage failed for a reason that is not the user's input; the message names the stage."""


def _run_stage(name: str, context: BatchContext) -> None:
    try:
        STAGES[name](context)
    except TweetsEtlError as error:
        raise type(error)(f"stage {name}: {error}") from error
    except Exception as error:
        log.debug("stage %s failed", name, exc_info=True)
        raise StageError(f"stage {name} failed: {describe(error, limit=400)}") from error


def _record_run(spark: SparkSession, warehouse: Warehouse, result: RunResult) -> None:
    row = {
        "run_id": result.run_id,
        "batch_id": result.batch_id,
        "env": result.env,
        "status": result.status,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "stages": result.stages,
        "input_files": result.input_files,
        "counts": result.counts,
        "rejects_by_reason": result.rejects_by_reason,
        "stage_seconds": result.stage_seconds,
        "is_reconciled": result.is_reconciled,
        "message": result.message,
    }
    try:
        frame = spark.createDataFrame([row], ETL_RUNS.schema)
        warehouse.append(frame, ETL_RUNS)
    except Exception:  # recording must never hide the run's own outcome
        log.warning("could not record the run in etl_runs", exc_info=True)


def _now() -> datetime:
    # Aware, so PySpark converts it as UTC whatever the machine's local time zone is.
    return datetime.now(timezone.utc)
