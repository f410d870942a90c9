"""Read back what a submitted job wrote: a local Spark session on the job's own Derby metastore.

Run after the job ended (embedded Derby allows one JVM at a time). Prints JSON: per table its row count
and an order-independent fingerprint of its contents, plus the etl_runs rows.

    python read_tables.py --var-dir VAR [--env standalone]
"""

import argparse
import json
import sys
from typing import Dict, List, Optional

# Run ids and timestamps differ on every run by design; these tables are compared by their run rows.
RUN_TABLES = ("etl_runs", "dq_results")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--env", default="standalone")
    args = parser.parse_args(argv)

    from tweets_etl.config import load_config
    from tweets_etl.spark import build_spark

    config = load_config(
        env=args.env,
        var_dir=args.var_dir,
        overrides={"spark.master": "local[1]", "spark.shuffle_partitions": 2},
        environ={},
    )
    spark = build_spark(config, app_name="read-tables")
    database = config.warehouse.database
    tables: Dict[str, Dict[str, str]] = {}
    for row in spark.sql(f"SHOW TABLES IN {database}").collect():
        name = row["tableName"]
        if row["isTemporary"] or name in RUN_TABLES:
            continue
        stats = spark.sql(
            f"SELECT count(*) AS n, CAST(sum(CAST(xxhash64(*) AS DECIMAL(38, 0))) AS STRING) AS fp "
            f"FROM {database}.{name}"
        ).first()
        tables[name] = {"rows": stats["n"], "fingerprint": stats["fp"]}
    runs = [
        row.asDict()
        for row in spark.sql(
            f"SELECT batch_id, status, message FROM {database}.etl_runs ORDER BY started_at"
        ).collect()
    ]
    print(json.dumps({"tables": tables, "etl_runs": runs}))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
