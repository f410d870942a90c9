"""Config precedence, validation and error messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from tweets_etl.cli import parse_overrides
from tweets_etl.config import Config, identifier, load_config
from tweets_etl.errors import ConfigError

CONF = str(Path(__file__).resolve().parents[2] / "conf")


def test_precedence_base_env_file_environment_override():
    config = load_config(env="cloudera", conf_dir=CONF, environ={})
    assert config.spark.master == "yarn" and config.spark.app_name == "tweets-etl"
    config = load_config(
        env="cloudera",
        conf_dir=CONF,
        environ={"TWEETS_ETL__SPARK__SHUFFLE_PARTITIONS": "12", "TWEETS_ETL__SPARK__MASTER": "local[1]"},
        overrides={"spark.master": "local[2]"},
    )
    assert config.spark.shuffle_partitions == 12
    assert config.spark.master == "local[2]"


def test_var_dir_from_argument_then_environment(tmp_path):
    assert load_config(conf_dir=CONF, environ={"TWEETS_ETL_VAR_DIR": str(tmp_path)}).var_path == tmp_path
    assert load_config(conf_dir=CONF, var_dir="/x/y", environ={"TWEETS_ETL_VAR_DIR": "/z"}).var_dir == "/x/y"


def test_config_is_frozen():
    config = load_config(conf_dir=CONF, environ={})
    with pytest.raises(AttributeError):
        config.spark.master = "yarn"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"spark.mastr": "yarn"}, "did you mean spark.master"),
        ({"spark.shuffle_partitions": "many"}, "spark.shuffle_partitions must be a whole number"),
        (
            {"warehouse.database": "chat-gpt"},
            "warehouse.database is 'chat-gpt', which is not a valid Hive identifier",
        ),
        ({"warehouse.table_format": "csv"}, "choose one of: parquet, orc"),
        ({"collect.page_size": 500}, "the X API accepts 10 to 100"),
        ({"pipeline.stages": "ingest,load"}, "pipeline.stages is 'load'"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(conf_dir=CONF, overrides=overrides, environ={})


def test_unknown_environment_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"no config for --env prod.*known: .*cloudera.*local"):
        load_config(env="prod", conf_dir=CONF, environ={})


@pytest.mark.parametrize("name", ["tweets; DROP TABLE x", "1abc", "", "a" * 129, None])
def test_identifiers_are_validated(name):
    with pytest.raises(ConfigError):
        identifier(name, key="warehouse.database")


def test_a_local_run_gets_the_throughput_collector_and_a_cluster_keeps_its_own():
    from tweets_etl.spark import LOCAL_GC_OPTION, session_conf

    local = session_conf(load_config(conf_dir=CONF, var_dir="/v", environ={}))
    cluster = session_conf(load_config(env="cloudera", conf_dir=CONF, environ={}))

    assert local["spark.driver.extraJavaOptions"].startswith("-Dderby.system.home=/v/metastore")
    assert local["spark.driver.extraJavaOptions"].endswith(LOCAL_GC_OPTION)
    assert LOCAL_GC_OPTION not in cluster.get("spark.driver.extraJavaOptions", "")


def test_a_local_driver_listens_on_loopback_unless_configured_otherwise():
    """Its RPC and block manager have no authentication: every command (run, report, sql, serve)
    kept them off the machine's address."""
    from tweets_etl.spark import session_conf

    loopback = {"spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1"}
    local = session_conf(load_config(conf_dir=CONF, var_dir="/v", environ={}))
    edge = session_conf(_local_config_with_spark_conf({"spark.driver.host": "edge.example"}))
    cluster = session_conf(load_config(env="cloudera", conf_dir=CONF, environ={}))

    assert {key: local[key] for key in loopback} == loopback
    assert edge["spark.driver.host"] == "edge.example" and edge["spark.driver.bindAddress"] == "127.0.0.1"
    assert not [key for key in cluster if key in loopback]


def test_spark_log_settings_come_from_the_configs_own_folder(tmp_path):
    """An installed package has no repo conf/ beside it: its log settings are in its own copy."""
    import shutil

    from tweets_etl.spark import session_conf

    shutil.copytree(CONF, tmp_path / "conf")
    options = session_conf(load_config(conf_dir=str(tmp_path / "conf"), var_dir="/v", environ={}))

    log4j = tmp_path / "conf" / "spark" / "log4j2.properties"
    assert f"-Dlog4j.configurationFile=file:{log4j.resolve()}" in options["spark.driver.extraJavaOptions"]


def test_the_embedded_metastore_prunes_partitions_in_spark_when_derby_cannot():
    """Derby's direct SQL failed on date partitions in a real local metastore (it cast raw_records'
    batch ids to dates), and every stage that read a batch's days failed with it."""
    from tweets_etl.spark import session_conf

    local = session_conf(load_config(conf_dir=CONF, var_dir="/v", environ={}))
    cluster = session_conf(load_config(env="cloudera", conf_dir=CONF, environ={}))

    fallbacks = ("FallbackOnException", "FastFallback")
    assert all(local[f"spark.sql.hive.metastorePartitionPruning{name}"] == "true" for name in fallbacks)
    assert not [key for key in cluster if key.startswith("spark.sql.hive.metastorePartitionPruning")]


def _local_config_with_spark_conf(settings: dict):
    """The local configuration, with ``settings`` under spark.conf as an environment file puts them."""
    return load_config(conf_dir=CONF, var_dir="/v", environ={}, overrides={"spark.conf": settings})


def test_spark_settings_from_the_environment_file_reach_the_session():
    from tweets_etl.spark import session_conf

    config = _local_config_with_spark_conf({"spark.sql.parquet.compression.codec": "zstd"})

    assert session_conf(config)["spark.sql.parquet.compression.codec"] == "zstd"


@pytest.mark.parametrize(
    "key, value",
    [("spark.sql.sources.partitionOverwriteMode", "static"), ("spark.sql.session.timeZone", "Europe/Paris")],
)
def test_an_environment_file_cannot_change_what_correctness_needs(key, value):
    from tweets_etl.spark import session_conf

    with pytest.raises(ConfigError, match=f"{key} is '{value}'"):
        session_conf(_local_config_with_spark_conf({key: value}))


def test_an_environment_file_may_repeat_a_required_setting():
    from tweets_etl.spark import session_conf

    key = "spark.sql.sources.partitionOverwriteMode"

    assert session_conf(_local_config_with_spark_conf({key: "DYNAMIC"}))[key] == "dynamic"


def test_jvm_options_from_configuration_are_added_to_the_local_ones():
    from tweets_etl.spark import LOCAL_GC_OPTION, session_conf

    config = _local_config_with_spark_conf({"spark.driver.extraJavaOptions": "-Xss4m"})
    options = session_conf(config)["spark.driver.extraJavaOptions"].split()

    assert options[0] == "-Dderby.system.home=/v/metastore"
    assert options[-2:] == [LOCAL_GC_OPTION, "-Xss4m"]


def test_only_near_unique_columns_lose_their_dictionary_and_every_one_exists():
    from tweets_etl.spark import plain_encoded_columns_conf
    from tweets_etl.tables import NEAR_UNIQUE_COLUMNS, TABLES

    columns = {name for table in TABLES.values() for name in table.columns}
    assert {path.split(".")[0] for path in NEAR_UNIQUE_COLUMNS} <= columns  # no stale names
    conf = plain_encoded_columns_conf()
    assert conf["parquet.enable.dictionary#tweet_id"] == "false"
    assert "parquet.enable.dictionary#lang" not in conf


@pytest.mark.parametrize(
    "value, size",
    [("10485760b", 10485760), ("10MB", 10 * 2**20), ("512k", 512 * 2**10), ("1g", 2**30), ("-1", -1)],
)
def test_spark_size_settings_read_as_bytes(value, size):
    from tweets_etl.spark import byte_size

    assert byte_size(value) == size


@pytest.mark.spark
def test_the_broadcast_threshold_comes_from_the_session(spark):
    from tweets_etl.spark import broadcast_threshold_bytes

    before = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")
    try:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
        assert broadcast_threshold_bytes(spark) == -1
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "4MB")
        assert broadcast_threshold_bytes(spark) == 4 * 2**20
    finally:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", before)


def test_a_spark_setting_keeps_its_dotted_case_sensitive_name_from_every_override():
    """spark.conf keys hold dots and capitals; an override used to split them into nested sections,
    which became one stringified 'spark' entry and lost the setting."""
    config = load_config(
        env="cloudera",
        conf_dir=CONF,
        environ={
            "TWEETS_ETL__SPARK__CONF__spark.yarn.maxAppAttempts": "2",
            # The form a shell can export: __ between the parts of the Spark key, its case kept.
            "TWEETS_ETL__SPARK__CONF__spark__kerberos__principal": "etl@EXAMPLE.COM",
        },
        overrides={"spark.conf.spark.executor.memory": "8g"},
    )

    assert config.spark.conf["spark.yarn.maxAppAttempts"] == "2"
    assert config.spark.conf["spark.kerberos.principal"] == "etl@EXAMPLE.COM"
    assert config.spark.conf["spark.executor.memory"] == "8g"
    assert "spark" not in config.spark.conf
    assert config.spark.conf["spark.executor.cores"] == "2"  # conf/cloudera.yaml's entries stay


def test_an_override_below_a_single_value_is_refused_by_name():
    with pytest.raises(ConfigError, match=r"TWEETS_ETL__SPARK__MASTER__X: spark.master is a single value"):
        load_config(conf_dir=CONF, environ={"TWEETS_ETL__SPARK__MASTER__X": "1"})
    with pytest.raises(ConfigError, match=r"unknown config key sprak; did you mean spark\?"):
        load_config(conf_dir=CONF, environ={}, overrides={"sprak.master": "yarn"})


@pytest.mark.parametrize(
    "key, text",
    [
        ("collect.query", "#chatgpt lang:en"),  # YAML reads a leading # as a comment: None
        ("collect.query", "chatgpt: good or bad"),  # and ': ' as a mapping
        ("ship.user", "no"),  # and no as false
        ("ship.host", "2001:db8::1"),
        ("ship.remote_dir", "0755"),  # YAML 1.1 reads an octal number: 493
    ],
)
def test_text_settings_take_an_override_verbatim(key, text):
    section, name = key.split(".")
    variable = f"TWEETS_ETL__{section.upper()}__{name.upper()}"

    from_environment = load_config(conf_dir=CONF, environ={variable: text})
    from_set = load_config(conf_dir=CONF, environ={}, overrides=parse_overrides([f"{key}={text}"]))

    assert getattr(getattr(from_environment, section), name) == text
    assert getattr(getattr(from_set, section), name) == text


def test_other_settings_read_an_override_as_yaml():
    config = load_config(
        conf_dir=CONF,
        environ={
            "TWEETS_ETL__PIPELINE__FAIL_ON_GATE": "false",
            "TWEETS_ETL__SHIP__BACKOFF_SECONDS": "0.5",
            "TWEETS_ETL__PIPELINE__STAGES": "[ingest, stage]",
            "TWEETS_ETL__PIPELINE__INPUTS": "hdfs:///raw/a #1,/data/b: c",
            "TWEETS_ETL__SPARK__CONF__spark.sql.adaptive.enabled": "true",
        },
        overrides=parse_overrides(["spark.shuffle_partitions=4", "collect.archive=yes"]),
    )

    assert config.pipeline.fail_on_gate is False and config.collect.archive is True
    assert config.ship.backoff_seconds == 0.5 and config.spark.shuffle_partitions == 4
    assert config.pipeline.stages == ("ingest", "stage")
    assert config.pipeline.inputs == ("hdfs:///raw/a #1", "/data/b: c")
    assert config.spark.conf["spark.sql.adaptive.enabled"] == "true"  # Spark's spelling, not Python's True


def test_a_cluster_mode_config_outside_spark_submit_is_refused_before_any_jvm(tmp_path, monkeypatch, capsys):
    # pyspark would pass deployMode=cluster to its own gateway, which dies with JAVA_GATEWAY_EXITED.
    from tweets_etl.cli import main

    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)

    code = main(["run", "--env", "cloudera", "--var-dir", str(tmp_path / "var")])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0, err
    assert "spark.submit.deployMode: cluster" in err and "make submit ENV=cloudera" in err
    assert not (tmp_path / "var" / "metastore").exists()


def test_base_yaml_and_the_code_defaults_agree_key_for_key(repo_root):
    """conf/base.yaml documents every setting with its default; the dataclasses hold the same defaults
    for code that builds a Config (or a CollectRequest, a SampleSpec) without the file. Neither may drift."""
    base = yaml.safe_load((repo_root / "conf" / "base.yaml").read_text(encoding="utf-8"))
    code = dataclasses.asdict(Config())
    sections = {name: value for name, value in code.items() if isinstance(value, dict)}

    assert set(base) == set(code) - {"env", "conf_dir"}
    for section, defaults in sections.items():
        written = {
            key: tuple(value) if isinstance(value, list) else value for key, value in base[section].items()
        }
        assert written == defaults, section
    assert {key: base[key] for key in set(base) - set(sections)} == {
        key: code[key] for key in set(base) - set(sections)
    }
