"""A batch and one run over it: what every stage reads, and what the run records.

A batch is a set of raw files. Its id is a fingerprint of their names and sizes, in name order, so
running the same files again is the same batch: every stage then rewrites exactly what it wrote before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Dict, List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl.config import Config
from tweets_etl.io.raw import RawInputs
from tweets_etl.io.warehouse import Warehouse
from tweets_etl.quality import CheckResult
from tweets_etl.tables import RAW_RECORDS


@dataclass
class RunResult:
    """What a run did; becomes one row of etl_runs and the summary printed at the end."""

    run_id: str
    batch_id: str
    env: str
    stages: List[str]
    input_files: List[str]
    started_at: datetime
    finished_at: Optional[datetime] = None
    status: str = "running"
    message: Optional[str] = None
    counts: Dict[str, int] = field(default_factory=dict)
    rejects_by_reason: Dict[str, int] = field(default_factory=dict)
    stage_seconds: Dict[str, float] = field(default_factory=dict)
    checks: List[CheckResult] = field(default_factory=list)
    is_reconciled: Optional[bool] = None


@dataclass
class BatchContext:
    spark: SparkSession
    config: Config
    warehouse: Warehouse
    raw: RawInputs
    result: RunResult
    _batch_dates: Optional[List[date]] = field(default=None, init=False, repr=False)

    @property
    def batch_id(self) -> str:
        return self.result.batch_id

    def batch_records(self) -> DataFrame:
        return self.warehouse.read(RAW_RECORDS).where(F.col("batch_id") == self.batch_id)

    def batch_dates(self) -> List[date]:
        """The created_date partitions this batch touches, in order (one value per day: a short list).

        Read from raw_records once, when a stage after ingest first asks, and kept for the run:
        every later read of a batch's partitions then prunes them from this list.
        """
        if self._batch_dates is None:
            accepted = self.batch_records().where(F.col("reject_reason").isNull())
            days = accepted.select("created_date").distinct().collect()
            self._batch_dates = sorted(row[0] for row in days if row[0] is not None)
        return self._batch_dates
