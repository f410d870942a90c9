"""`python -m tweets_etl.bench` (`make bench`): the pipeline against Spark's own floor, on the same files.

- floor: read the raw files with the explicit schema, explode the tweets, write Parquet: the least
  Spark can do to touch this data;
- pipeline: ingest -> stage -> enrich -> model -> check into Hive, into a fresh database;
- incremental: a 10% batch into a warehouse holding the full set, against the same batch into an
  empty one;
- scaling: N/4 tweets against N;
- memory: peak RSS of the driver JVM (after N/4 and after N, to show it stays flat) and of the
  largest Python worker.

The floor runs first, in a JVM of its own (:mod:`tweets_etl.bench.floor` says why); everything else
in one SparkSession (local[2] by default), so every figure comes from the same machine and run. The
floor is measured once more in that session after each pipeline run, and shown beside the other.
Results go to VAR_DIR/bench/results.json and a table on stdout.

The headline ratio is the median pipeline run over the median floor run. The floor's runs were made
before the pipeline's, in another JVM, so no floor run belongs to any pipeline run: a median of
per-run ratios would depend on an arbitrary pairing. Only the floor measured in the pipeline's JVM,
right after each pipeline run, is paired with that run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

from tweets_etl.bench import data
from tweets_etl.bench.floor import floor_seconds, measure_in_own_jvm
from tweets_etl.bench.memory import PeakMemory
from tweets_etl.config import load_config
from tweets_etl.errors import TweetsEtlError
from tweets_etl.logs import setup_logging
from tweets_etl.pipeline import run_pipeline
from tweets_etl.spark import build_spark

TARGETS = {
    "pipeline_over_floor": 3.0,
    "incremental_ratio": 1.5,
    "scaling_ratio": 4.4,
    "driver_jvm_peak_mib": 2048,
}


def log(message: str) -> None:
    print(f"{datetime.now():%H:%M:%S} bench: {message}", file=sys.stderr, flush=True)


def pipeline_seconds(spark, config, raw_dir: Path, database: str, *, fresh: bool = True):
    if fresh:
        spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    run_config = load_config(
        env=config.env,
        var_dir=config.var_dir,
        conf_dir=config.conf_dir,
        overrides={"warehouse.database": database, "spark.master": config.spark.master},
    )
    began = time.monotonic()
    result = run_pipeline(spark, run_config, inputs=[str(raw_dir)])
    return time.monotonic() - began, result


RATIO_DEFINITION = (
    "pipeline_over_floor = pipeline_median_s / floor_median_s; ratio_spread = the fastest and the slowest "
    "pipeline run / floor_median_s. The floor's runs (floor_runs_s) were made in a JVM of their own before "
    "the pipeline's and pair with none of them; runs[i].floor_same_jvm_s was measured right after "
    "runs[i].pipeline_s, in its JVM, and runs[i].ratio_same_jvm is their quotient."
)


def ratios(pipeline_s: List[float], floor_s: List[float]) -> Dict[str, object]:
    """The pipeline against the floor measured in a JVM of its own: medians over medians, never
    run i over run i (the two sets of runs were made apart, so that pairing means nothing)."""
    pipeline_median = statistics.median(pipeline_s)
    floor_median = statistics.median(floor_s)
    return {
        "pipeline_median_s": pipeline_median,
        "floor_median_s": floor_median,
        "pipeline_over_floor": round(pipeline_median / floor_median, 2),
        "ratio_spread": [round(min(pipeline_s) / floor_median, 2), round(max(pipeline_s) / floor_median, 2)],
    }


def main(argv=None) -> int:
    try:
        return _run(argv)
    except TweetsEtlError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return error.exit_code


def _run(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweets_etl.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tweets", type=int, default=1_000_000, help="size of the full set (default 1,000,000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="floor/pipeline repetitions for the median")
    parser.add_argument("--seed", type=int, default=20221130)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--var-dir", default=os.environ.get("TWEETS_ETL_VAR_DIR", "var"))
    args = parser.parse_args(argv)
    setup_logging(-1)

    config = load_config(var_dir=args.var_dir, overrides={"spark.master": args.master})
    bench_dir = config.dirs.bench
    inputs = data.prepare(bench_dir / "data", args.tweets, args.seed, log=log)
    runs_text = "1 run" if args.repeat == 1 else f"{args.repeat} runs"
    log(f"floor in its own JVM: a warm-up run, then {runs_text} (and as many with Spark's defaults)")
    floors = measure_in_own_jvm(
        inputs["full"],
        bench_dir / "floor-parquet",
        repeat=args.repeat,
        master=args.master,
        var_dir=args.var_dir,
    )
    floor_runs = ", ".join(f"{seconds:.1f}" for seconds in floors["floor_s"])
    floor_median = statistics.median(floors["floor_s"])
    log(f"  floor {floor_runs} s, median {floor_median:.1f} s (warm-up {floors['warmup_s']:.1f} s)")
    spark = build_spark(config, app_name="tweets-etl-bench")
    jvm_pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    results: Dict = {"machine": _machine(args.master), "tweets": args.tweets, "repeat": args.repeat}
    try:
        with PeakMemory(jvm_pid) as memory:
            log(f"scaling: pipeline on {args.tweets // 4:,} tweets")
            quarter_seconds, _ = pipeline_seconds(spark, config, inputs["quarter"], "bench_quarter")
            results["memory_after_quarter"] = memory.snapshot()
            runs: List[Dict] = []
            for rep in range(args.repeat):
                log(f"repetition {rep + 1}/{args.repeat}: pipeline")
                seconds, result = pipeline_seconds(spark, config, inputs["full"], "bench_full")
                log(f"repetition {rep + 1}/{args.repeat}: floor in the pipeline's JVM")
                same_jvm_floor = floor_seconds(spark, inputs["full"], bench_dir / "floor-parquet")
                runs.append(
                    {
                        "pipeline_s": round(seconds, 1),
                        "stages_s": result.stage_seconds,
                        "floor_same_jvm_s": round(same_jvm_floor, 1),
                        "ratio_same_jvm": round(seconds / same_jvm_floor, 2),
                        "counts": result.counts,
                    }
                )
                log(
                    f"  pipeline {seconds:.1f} s ({seconds / floor_median:.2f}x the median floor); "
                    f"floor in the pipeline's JVM right after it {same_jvm_floor:.1f} s "
                    f"({seconds / same_jvm_floor:.2f}x)"
                )
            log("incremental: 10% batch into the full warehouse, then into an empty one")
            into_full, increment_result = pipeline_seconds(
                spark, config, inputs["increment"], "bench_full", fresh=False
            )
            into_empty, _ = pipeline_seconds(spark, config, inputs["increment"], "bench_increment_empty")
            results["memory_after_full"] = memory.snapshot()
    finally:
        spark.stop()

    headline = ratios([run["pipeline_s"] for run in runs], floors["floor_s"])
    median_pipeline = headline["pipeline_median_s"]
    staged = runs[-1]["counts"].get("staged", 0)
    results.update(
        runs=runs,
        floor_runs_s=floors["floor_s"],
        floor_warmup_s=floors["warmup_s"],
        floor_spark_defaults_runs_s=floors["floor_spark_defaults_s"],
        floor_spark_defaults_median_s=statistics.median(floors["floor_spark_defaults_s"]),
        floor_same_jvm_median_s=statistics.median(run["floor_same_jvm_s"] for run in runs),
        pipeline_over_floor_same_jvm=statistics.median(run["ratio_same_jvm"] for run in runs),
        **headline,
        ratio_definition=RATIO_DEFINITION,
        tweets_per_second=round(staged / median_pipeline),
        incremental={
            "into_full_s": round(into_full, 1),
            "into_empty_s": round(into_empty, 1),
            "stages_into_full_s": increment_result.stage_seconds,
        },
        incremental_ratio=round(into_full / into_empty, 2),
        scaling={"quarter_s": round(quarter_seconds, 1), "full_median_s": median_pipeline},
        scaling_ratio=round(median_pipeline / quarter_seconds, 2),
        finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    results["targets"] = TARGETS
    out = bench_dir / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(table(results)))
    print(f"\nresults: {out}")
    return 0


def table(r: Dict) -> List[str]:
    mem = r["memory_after_full"]
    low, high = r["ratio_spread"]
    rows = [
        ("tweets (full set)", f"{r['tweets']:,}", ""),
        (
            "floor (median)",
            f"{r['floor_median_s']:.1f} s",
            f"read + explode + write Parquet, own JVM (warm-up {r['floor_warmup_s']:.1f} s)",
        ),
        (
            "floor, Spark defaults",
            f"{r['floor_spark_defaults_median_s']:.1f} s",
            f"dictionary on every column; pipeline / it "
            f"{r['pipeline_median_s'] / r['floor_spark_defaults_median_s']:.2f}x",
        ),
        (
            "floor, pipeline's JVM",
            f"{r['floor_same_jvm_median_s']:.1f} s",
            f"right after each pipeline run; each run / its own: "
            f"median {r['pipeline_over_floor_same_jvm']:.2f}x",
        ),
        ("pipeline (median)", f"{r['pipeline_median_s']:.1f} s", f"{r['tweets_per_second']:,} tweets/s"),
        (
            "pipeline / floor",
            f"{r['pipeline_over_floor']:.2f}x",
            f"median pipeline / median floor; each run / median floor {low:.2f}-{high:.2f}x; "
            f"target <= {TARGETS['pipeline_over_floor']}",
        ),
        (
            "incremental ratio",
            f"{r['incremental_ratio']:.2f}",
            f"10% batch into full vs empty; target <= {TARGETS['incremental_ratio']}",
        ),
        ("scaling ratio", f"{r['scaling_ratio']:.2f}", f"N vs N/4; target <= {TARGETS['scaling_ratio']}"),
        (
            "driver JVM peak RSS",
            f"{mem['driver_jvm_peak_mib']:.0f} MiB",
            f"{r['memory_after_quarter']['driver_jvm_peak_mib']:.0f} MiB after N/4; target <= 2048",
        ),
        ("Python worker peak RSS", f"{mem['python_worker_peak_mib']:.0f} MiB", ""),
    ]
    stages = r["runs"][-1]["stages_s"]
    rows.append(("stages (last run)", ", ".join(f"{k} {v:.0f} s" for k, v in stages.items()), ""))
    width = max(len(name) for name, _, _ in rows)
    return [f"{name:<{width}}  {value:<14} {note}" for name, value, note in rows]


def _machine(master: str) -> Dict:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "spark_master": master,
    }


if __name__ == "__main__":
    sys.exit(main())
