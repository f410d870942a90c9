"""The one SparkSession factory: Hive support, UTC, dynamic partition overwrite, conf from Config."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Dict, Optional

from tweets_etl.config import Config, VarLayout
from tweets_etl.errors import ConfigError, TweetsEtlError
from tweets_etl.metastore import require_free_metastore

# Settings every run relies on: configuration may repeat them, never change them.
REQUIRED_CONF: Dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    # A batch rewrites only the partitions it touches; the rest of a table is left alone.
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.adaptive.enabled": "true",
}
LOCAL_GC_OPTION = "-XX:+UseParallelGC"
LOCAL_DRIVER_ADDRESSES = {"spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"}
_JAVA_OPTIONS = "spark.driver.extraJavaOptions"


def session_conf(config: Config) -> Dict[str, str]:
    """All Spark settings this config implies (exposed for `make submit`, which passes them as --conf)."""
    conf = {"spark.sql.shuffle.partitions": str(config.spark.shuffle_partitions)}
    if config.warehouse.metastore == "embedded":
        conf.update(embedded_metastore_conf(config.dirs, Path(config.conf_dir)))
    if config.spark.master.startswith("local"):
        # The whole job runs in this one JVM: the throughput collector suits a batch better than
        # the default G1 (about 9% faster at 1M tweets on 2 cores, measured with make bench).
        conf[_JAVA_OPTIONS] = _joined(conf.get(_JAVA_OPTIONS), LOCAL_GC_OPTION)
        # Nothing outside this process talks to a local driver's RPC and block manager, and they
        # have no authentication: they listen on loopback, not on the machine's address.
        conf.update(LOCAL_DRIVER_ADDRESSES)
    _refuse_changes_to_required(config.spark.conf)
    extra = dict(config.spark.conf)
    # JVM options from configuration are added to the ones above, not put in their place: the
    # embedded metastore's home, the log settings and the collector must survive a -Xss4m.
    java_options = _joined(conf.get(_JAVA_OPTIONS), extra.pop(_JAVA_OPTIONS, None))
    conf.update(extra)
    if java_options:
        conf[_JAVA_OPTIONS] = java_options
    conf.update(REQUIRED_CONF)  # in the spelling Spark expects, should the file repeat one in another
    return conf


def _joined(*options: Optional[str]) -> str:
    return " ".join(str(option).strip() for option in options if option and str(option).strip())


def _refuse_changes_to_required(extra: Dict[str, object]) -> None:
    """Configuration may repeat a required setting but not change it: with static partition
    overwrite, for one, a batch would wipe every partition of a table it writes."""
    for key, required in REQUIRED_CONF.items():
        value = extra.get(key)
        if value is not None and str(value).strip().lower() != required.lower():
            raise ConfigError(
                f"spark.conf: {key} is {value!r}, but tweets-etl needs {required!r}; "
                "leave it out of spark.conf"
            )


def plain_encoded_columns_conf() -> Dict[str, str]:
    """Session settings that make Parquet skip dictionary encoding for the near-unique columns
    (NEAR_UNIQUE_COLUMNS). Every write copies the session's settings into its Hadoop conf, where
    Parquet reads them, so they are set on the session, also inside spark-submit, rather than
    added to its command line."""
    from tweets_etl.tables import NEAR_UNIQUE_COLUMNS  # here: the data dictionary imports PySpark

    return {f"parquet.enable.dictionary#{path}": "false" for path in NEAR_UNIQUE_COLUMNS}


def embedded_metastore_conf(dirs: VarLayout, conf_dir: Path) -> Dict[str, str]:
    """Derby metastore and warehouse folder under the var dir: a laptop needs nothing else. Spark's
    log settings come from the config's folder, which for an installed package is its own copy."""
    log4j = conf_dir.resolve() / "spark" / "log4j2.properties"
    java_options = f"-Dderby.system.home={dirs.metastore}"
    if log4j.is_file():
        java_options += f" -Dlog4j.configurationFile=file:{log4j}"
    return {
        "spark.sql.warehouse.dir": str(dirs.warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={dirs.metastore_db};create=true"
        ),
        "spark.driver.extraJavaOptions": java_options,
        # Derby can fail to prune a date partition column: depending on its plan, its direct SQL
        # casts partition values of other tables (raw_records' batch ids) to dates, and the JDO
        # fallback filters string keys only, so the whole query failed. Spark then lists the
        # table's partition names and prunes them itself (a few hundred days at most on a laptop).
        "spark.sql.hive.metastorePartitionPruningFallbackOnException": "true",
        "spark.sql.hive.metastorePartitionPruningFastFallback": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


_BYTE_UNITS = {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def broadcast_threshold_bytes(spark) -> int:
    """spark.sql.autoBroadcastJoinThreshold in bytes; -1 when broadcasting is switched off."""
    return byte_size(spark.conf.get("spark.sql.autoBroadcastJoinThreshold", "10m"))


def byte_size(value: str) -> int:
    """A Spark size setting ("10485760b", "10MB", "512k", "-1") in bytes; negative means -1 (off)."""
    text = value.strip().lower()
    number = text.rstrip("kmgtb")
    unit = text[len(number) :][:1] or "b"
    return int(number) * _BYTE_UNITS[unit] if int(number) >= 0 else -1


def launched_by_spark_submit() -> bool:
    """True inside spark-submit, which owns the JVM, the master and the deploy mode."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def require_java() -> None:
    if launched_by_spark_submit() or os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    raise TweetsEtlError(
        "Java was not found: install a JDK 8, 11 or 17 (e.g. apt-get install openjdk-17-jre-headless) "
        "or set JAVA_HOME"
    )


def require_spark_submit_for_cluster_mode(config: Config) -> None:
    """A driver that must run on the cluster can only be placed there by spark-submit; pyspark started
    from Python would hand the setting to its own gateway, which dies with an opaque error."""
    if launched_by_spark_submit() or config.spark.conf.get("spark.submit.deployMode") != "cluster":
        return
    raise ConfigError(
        f"conf/{config.env}.yaml runs the driver on the cluster (spark.submit.deployMode: cluster), which "
        f"only spark-submit can do: use `make submit ENV={config.env} JOB=pipeline` (or another JOB: a stage "
        "or views)"
    )


def build_spark(config: Config, *, app_name: Optional[str] = None):
    """Return the session for this run; inside spark-submit it joins the session spark-submit made."""
    require_spark_submit_for_cluster_mode(config)
    require_java()
    if not launched_by_spark_submit() and config.warehouse.metastore == "embedded":
        require_free_metastore(config)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name or config.spark.app_name).enableHiveSupport()
    if not launched_by_spark_submit():
        builder = builder.master(config.spark.master)
        # Executors on this machine must run the same interpreter and packages as the driver.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        if config.warehouse.metastore == "embedded":
            config.dirs.metastore.mkdir(parents=True, exist_ok=True)
    for key, value in session_conf(config).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(config.spark.log_level)
    for key, value in plain_encoded_columns_conf().items():
        session.conf.set(key, value)
    return session
