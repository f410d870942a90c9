"""A spark-submit entry point for the cluster test: which Python and packages did the executors run?

Each executor task reports its interpreter, its sys.prefix and where it imported each package from;
``--require NAME`` makes every task import NAME, so a package missing from the archive fails the job.
Also runs one pandas_udf, the path the enrich stage depends on (Arrow on both sides).
"""

import argparse
import importlib
import json
import os
import sys
from typing import Dict, Iterator, List, Optional

PACKAGES = (
    "vaderSentiment",
    "pandas",
    "pyarrow",
    "numpy",
    "yaml",
    "pyspark",
    "tweets_etl",
    "tweepy",
    "paramiko",
)


def where_from() -> Dict[str, object]:
    report: Dict[str, object] = {"executable": sys.executable, "prefix": sys.prefix, "cwd": os.getcwd()}
    for name in PACKAGES:
        try:
            report[name] = getattr(importlib.import_module(name), "__file__", None) or "namespace"
        except ImportError:
            report[name] = None
    return report


def executor_report(required: List[str]):
    def report(_: Iterator[int]) -> Iterator[Dict[str, object]]:
        for name in required:
            importlib.import_module(name)
        yield where_from()

    return report


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--require", action="append", default=[])
    parser.add_argument("--env")
    parser.add_argument("--var-dir")
    args = parser.parse_args(argv)

    import pandas as pd
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.getOrCreate()
    executors = (
        spark.sparkContext.parallelize(range(2), 2).mapPartitions(executor_report(args.require)).collect()
    )

    @F.pandas_udf("string")
    def interpreter(values: pd.Series) -> pd.Series:
        return values.map(lambda _: sys.prefix)

    udf_prefixes = sorted({row[0] for row in spark.range(4).select(interpreter(F.col("id"))).collect()})
    result = {"driver": where_from(), "executors": executors, "pandas_udf_prefixes": udf_prefixes}
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
