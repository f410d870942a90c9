"""Spark's floor on the benchmark's raw files, measured in a JVM of its own.

The floor is the least Spark can do to touch the data: read the raw pages with the explicit schema,
explode the tweets, write Parquet. It parses the whole page, as the pipeline does: Spark prunes a
``from_json`` schema to the fields used only when the call has no options, and the floor passes the
pipeline's. It is measured in a fresh JVM, after one warm-up run, because in the pipeline's JVM it
is not Spark's best: after pipeline runs the same floor takes 20-40% longer (1M tweets on 2 cores:
16.7-18.3 s alone, 21-22 s after a 250k pipeline run, 22-24 s after a 1M one), with no more time
in garbage collection. The JIT compiler's type profiles, polluted by everything the pipeline ran, are
the cause (the README shows the flags that undo it). A floor that slow would flatter the ratio.

``python -m tweets_etl.bench.floor RAW_DIR OUT_DIR --repeat N`` prints one line of JSON; the
benchmark starts it before its own session (the embedded metastore allows one JVM at a time).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Dict, List

from tweets_etl.config import load_config
from tweets_etl.errors import TweetsEtlError
from tweets_etl.logs import setup_logging
from tweets_etl.schemas import CORRUPT_RECORD, JSON_OPTIONS, RAW_PAGE
from tweets_etl.spark import build_spark, plain_encoded_columns_conf


class FloorError(TweetsEtlError):
    """The floor could not be measured: no raw files, or its own process failed."""


def floor_seconds(spark, raw_dir: Path, out: Path, *, spark_defaults: bool = False) -> float:
    """One floor run. It uses the session's Parquet settings, so the tweets' own ``text``,
    ``created_at`` and ids are written plain as in the pipeline: a stricter floor than Spark as
    shipped. ``spark_defaults`` lifts those settings for one more, informative run."""
    began = time.monotonic()
    with _parquet_defaults(spark) if spark_defaults else nullcontext():
        floor_tweets(spark, raw_dir).write.mode("overwrite").parquet(str(out))
    return time.monotonic() - began


def floor_tweets(spark, raw_dir: Path):
    """The floor's DataFrame: every tweet of every raw page, with the tweet's own fields. It reads the
    raw files the pipeline finds in ``raw_dir`` (not their manifests), as the pipeline does."""
    from pyspark.sql import functions as F

    from tweets_etl.io.raw import find_raw_files

    paths = [file.path for file in find_raw_files([str(raw_dir)], spark)]
    pages = spark.read.text(paths).select(F.from_json("value", RAW_PAGE, JSON_OPTIONS).alias("page"))
    # The pipeline's corrupt-record column is not part of the floor's work.
    return pages.select(F.explode("page.data").alias("tweet")).select("tweet.*").drop(CORRUPT_RECORD)


@contextmanager
def _parquet_defaults(spark):
    settings = plain_encoded_columns_conf()
    for key in settings:
        spark.conf.unset(key)
    try:
        yield
    finally:
        for key, value in settings.items():
            spark.conf.set(key, value)


def measure(spark, raw_dir: Path, out: Path, repeat: int) -> Dict[str, object]:
    """A warm-up run, then ``repeat`` pairs of runs: the floor, and the floor with Spark's defaults."""
    warmup = floor_seconds(spark, raw_dir, out)
    runs: Dict[str, List[float]] = {"floor_s": [], "floor_spark_defaults_s": []}
    for _ in range(repeat):
        runs["floor_s"].append(round(floor_seconds(spark, raw_dir, out), 1))
        runs["floor_spark_defaults_s"].append(
            round(floor_seconds(spark, raw_dir, out, spark_defaults=True), 1)
        )
    return {"warmup_s": round(warmup, 1), **runs}


def measure_in_own_jvm(
    raw_dir: Path, out: Path, *, repeat: int, master: str, var_dir: str
) -> Dict[str, object]:
    """Run :func:`measure` in a new Python process, and so a new JVM; return what it measured."""
    command = [sys.executable, "-m", "tweets_etl.bench.floor", str(raw_dir), str(out)]
    command += ["--repeat", str(repeat), "--master", master, "--var-dir", var_dir]
    finished = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if finished.returncode != 0:
        raise FloorError(f"the floor's own process failed (exit {finished.returncode}); its error is above")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tweets_etl.bench.floor", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("raw_dir", type=Path, help="folder of raw files")
    parser.add_argument("out_dir", type=Path, help="where the Parquet goes (overwritten)")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs after the warm-up (default 3)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--var-dir", default="var", help="var dir whose config and metastore folder to use")
    args = parser.parse_args(argv)
    setup_logging(-1)
    if not args.raw_dir.is_dir():
        print(f"floor: error: no raw files: {args.raw_dir} is not a folder", file=sys.stderr)
        return 1
    config = load_config(var_dir=args.var_dir, overrides={"spark.master": args.master})
    spark = build_spark(config, app_name="tweets-etl-bench-floor")
    try:
        print(json.dumps(measure(spark, args.raw_dir, args.out_dir, args.repeat)), flush=True)
    except TweetsEtlError as error:  # a folder without raw files
        print(f"floor: error: {error}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
