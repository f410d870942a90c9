"""conf/oozie against the official Oozie XSDs, and `make oozie-deploy` staging exactly what they reference."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tweets_etl.config import PIPELINE_STAGES, load_config
from tweets_etl.errors import TweetsEtlError
from tweets_etl.ops import oozie

REPO = Path(__file__).resolve().parents[3]
OOZIE_CONF = REPO / "conf" / "oozie"
SCHEMAS = REPO.parent / "shared" / "schemas" / "oozie"
WF = "{uri:oozie:workflow:1.0}"
SPARK = "{uri:oozie:spark-action:1.0}"
SHELL = "{uri:oozie:shell-action:1.0}"


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """Workflow, shell and spark action schemas together; each includes oozie-common from its folder."""
    etree = pytest.importorskip("lxml.etree")
    if not SCHEMAS.is_dir():
        pytest.skip(f"Oozie XSDs not found at {SCHEMAS}")
    imports = {
        "uri:oozie:workflow:1.0": "oozie-workflow-1.0.xsd",
        "uri:oozie:shell-action:1.0": "shell-action-1.0.xsd",
        "uri:oozie:spark-action:1.0": "spark-action-1.0.xsd",
        "uri:oozie:coordinator:0.5": "oozie-coordinator-0.5.xsd",
    }
    lines = [
        f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMAS / f).as_uri()}"/>'
        for ns, f in imports.items()
    ]
    wrapper = tmp_path_factory.mktemp("xsd") / "all.xsd"
    wrapper.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">' + "".join(lines) + "</xs:schema>"
    )
    return etree.XMLSchema(etree.parse(str(wrapper)))


def validate(schema, path: Path) -> None:
    from lxml import etree

    document = etree.parse(str(path))
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)


def test_workflow_is_valid_oozie(schema):
    validate(schema, OOZIE_CONF / "workflow.xml")


def test_coordinator_is_valid_oozie(schema):
    validate(schema, OOZIE_CONF / "coordinator.xml")


def test_the_validation_sees_inside_spark_actions(schema, tmp_path):
    broken = tmp_path / "workflow.xml"
    broken.write_text(re.sub(r"<jar>.*?</jar>", "", (OOZIE_CONF / "workflow.xml").read_text(), count=1))

    with pytest.raises(AssertionError, match="jar"):
        validate(schema, broken)


def test_workflow_lands_then_runs_every_stage_in_order_and_every_error_goes_to_the_kill_node():
    from lxml import etree

    root = etree.parse(str(OOZIE_CONF / "workflow.xml")).getroot()
    actions = {action.get("name"): action for action in root.iter(f"{WF}action")}
    assert list(actions) == ["land", *PIPELINE_STAGES]
    chain = [action.find(f"{WF}ok").get("to") for action in actions.values()]
    assert chain == [*PIPELINE_STAGES, "end"]
    assert {action.find(f"{WF}error").get("to") for action in actions.values()} == {"fail"}
    kill = root.find(f"{WF}kill[@name='fail']/{WF}message").text
    assert "${wf:errorMessage(wf:lastErrorNode())}" in kill

    land = actions["land"].find(f"{SHELL}shell")
    assert land.find(f"{SHELL}exec").text == "land_to_hdfs.sh"
    for stage in PIPELINE_STAGES:
        spark = actions[stage].find(f"{SPARK}spark")
        assert spark.find(f"{SPARK}jar").text == f"${{appPath}}/jobs/{stage}.py"
        assert (REPO / "jobs" / f"{stage}.py").is_file()
        assert spark.find(f"{SPARK}mode").text == "cluster"
        args = [arg.text for arg in spark.findall(f"{SPARK}arg")]
        # Every stage reads the same day's folder, so it finds the same batch.
        assert args[args.index("--input") + 1] == "${nameNode}${rawDir}/landed_date=${batchDate}"


@pytest.fixture
def dist(tmp_path) -> Path:
    """A stand-in for `make package` output: the names matter here, not the contents."""
    dist = tmp_path / "dist"
    (dist / "jobs").mkdir(parents=True)
    for stage in ("pipeline", *PIPELINE_STAGES):
        (dist / "jobs" / f"{stage}.py").write_text("")
    (dist / "tweets_etl.zip").write_bytes(b"zip")
    (dist / "executor-env.tar.gz").write_bytes(b"tar")
    return dist


def referenced_app_paths(text: str):
    return sorted(set(re.findall(r"\$\{appPath\}/([^\s,#<\"]+)", text)))


def test_deploy_stages_every_file_the_workflow_and_spark_opts_reference(dist, tmp_path):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))

    app = oozie.deploy_files(config, dist=dist, app_dir="/user/etl/apps/tweets-etl", out=tmp_path / "out")

    properties = (tmp_path / "out" / "job.properties").read_text()
    wanted = referenced_app_paths((OOZIE_CONF / "workflow.xml").read_text() + properties)
    assert "dist/executor-env.tar.gz" in wanted and "scripts/land_to_hdfs.sh" in wanted
    missing = [path for path in wanted if not (app / path).exists()]
    assert missing == []
    assert (app / "workflow.xml").is_file() and (app / "coordinator.xml").is_file()


def test_job_properties_carry_the_submit_settings_of_the_env(dist, tmp_path):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))

    oozie.deploy_files(config, dist=dist, app_dir="/user/etl/apps/tweets-etl", out=tmp_path / "out")

    properties = dict(
        line.split("=", 1)
        for line in (tmp_path / "out" / "job.properties").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert properties["appPath"] == "${nameNode}/user/etl/apps/tweets-etl"
    assert properties["tweetsEtlEnv"] == "cloudera"
    assert properties["queueName"] == config.spark.conf["spark.yarn.queue"]
    opts = properties["sparkOpts"]
    # The archive is each Spark action's <archive> (see test_oozie_spark_opts): Oozie breaks its "#" here.
    assert "--archives" not in opts
    assert "--py-files ${appPath}/dist/tweets_etl.zip" in opts
    assert (
        "--files ${appPath}/conf/base.yaml,${appPath}/conf/cloudera.yaml,${appPath}/conf/taxonomy.yaml"
        in opts
    )
    assert "--conf spark.pyspark.python=./environment/bin/python" in opts
    assert "--conf spark.executor.memory=4g" in opts
    assert "--master" not in opts and "--deploy-mode" not in opts and "javax.jdo" not in opts
    day = (tmp_path / "out" / "day.properties").read_text()
    assert "oozie.wf.application.path=${appPath}" in day and "oozie.coord.application.path" not in day


def coordinator_start(out: Path) -> str:
    [line] = [
        line for line in (out / "job.properties").read_text().splitlines() if line.startswith("startTime=")
    ]
    return line.split("=", 1)[1]


@pytest.mark.parametrize(
    "now, first",
    [
        # Deployed during the day: the first run is tomorrow's 02:00, never a day in the past.
        (datetime(2025, 3, 10, 14, 30, tzinfo=timezone.utc), "2025-03-11T02:00Z"),
        (datetime(2025, 3, 10, 1, 59, tzinfo=timezone.utc), "2025-03-10T02:00Z"),
        (datetime(2025, 3, 10, 2, 0, tzinfo=timezone.utc), "2025-03-11T02:00Z"),
        (datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc), "2026-01-01T02:00Z"),
    ],
)
def test_the_coordinator_starts_at_the_next_0200_utc_after_the_deploy(dist, tmp_path, now, first):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))

    oozie.deploy_files(config, dist=dist, app_dir="/apps/x", out=tmp_path / "out", now=now)

    assert coordinator_start(tmp_path / "out") == first


def test_a_deploy_now_schedules_no_past_day(dist, tmp_path):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))
    before = datetime.now(timezone.utc)

    oozie.deploy_files(config, dist=dist, app_dir="/apps/x", out=tmp_path / "out")

    start = datetime.strptime(coordinator_start(tmp_path / "out"), "%Y-%m-%dT%H:%MZ").replace(
        tzinfo=timezone.utc
    )
    assert before < start <= before + timedelta(days=1)


def test_a_start_date_in_job_properties_is_a_deliberate_backfill_and_stays(tmp_path):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))
    template = (
        (OOZIE_CONF / "job.properties").read_text().replace("startTime=02:00Z", "startTime=2024-05-01T02:00Z")
    )

    properties = oozie.render_properties(template, config=config, app_dir="/apps/x")

    assert "\nstartTime=2024-05-01T02:00Z\n" in properties


@pytest.mark.parametrize("value", ["2am", "24:00Z", "02:00", "2024-05-01"])
def test_a_start_time_oozie_cannot_read_is_refused(value):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))
    template = (OOZIE_CONF / "job.properties").read_text().replace("startTime=02:00Z", f"startTime={value}")

    with pytest.raises(TweetsEtlError, match=f"startTime={value}; give a UTC time of day"):
        oozie.render_properties(template, config=config, app_dir="/apps/x")


def test_deploy_refuses_a_config_file_whose_name_oozie_would_mangle(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    shutil.copy(conf / "taxonomy.yaml", conf / "taxonomy#v2.yaml")
    config = load_config(
        env="cloudera", environ={"TWEETS_ETL__TAXONOMY_FILE": "taxonomy#v2.yaml"}, conf_dir=str(conf)
    )

    with pytest.raises(TweetsEtlError, match=r"spark-opts cannot carry --files .*taxonomy#v2.yaml.*%23"):
        oozie.spark_opts(config)


def test_deploy_refuses_without_make_package(tmp_path):
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))

    with pytest.raises(Exception, match="run `make package` first"):
        oozie.deploy_files(config, dist=tmp_path / "nothing", app_dir="/apps/x", out=tmp_path / "out")


FAKE_HDFS = """#!/usr/bin/env bash
# Hadoop FsShell's -mkdir -p and -put -f onto a local folder, for the make target test.
set -eu
echo "$*" >> "$FAKE_HDFS_ROOT.calls"
case "$1" in
  -mkdir) mkdir -p "$FAKE_HDFS_ROOT${@: -1}" ;;
  -put) shift; [ "$1" = -f ] && shift; dest="${@: -1}"; cp -r "${@:1:$#-1}" "$FAKE_HDFS_ROOT$dest" ;;
  *) exit 2 ;;
esac
"""


def test_make_oozie_deploy_puts_the_app_with_the_hdfs_command(dist, tmp_path):
    hdfs = tmp_path / "hdfs"
    hdfs.write_text(FAKE_HDFS)
    hdfs.chmod(0o755)
    root = tmp_path / "hdfs-root"
    env = {**os.environ, "FAKE_HDFS_ROOT": str(root)}

    variables = [f"DIST={dist}", f"HDFS_CMD={hdfs}", "OOZIE_APP_DIR=/user/etl/apps/tweets-etl"]
    result = subprocess.run(
        ["make", "--no-print-directory", "oozie-deploy", "ENV=cloudera", *variables],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    deployed = root / "user" / "etl" / "apps" / "tweets-etl"
    for path in ("workflow.xml", "coordinator.xml", "jobs/ingest.py", "dist/executor-env.tar.gz"):
        assert (deployed / path).is_file(), path
    assert (deployed / "conf" / "cloudera.yaml").is_file() and (
        deployed / "scripts" / "land_to_hdfs.sh"
    ).is_file()
    calls = Path(f"{root}.calls").read_text().splitlines()
    assert calls[0] == "-mkdir -p /user/etl/apps/tweets-etl"
    assert all(call.startswith("-put -f ") for call in calls[1:])
    assert f"-config {dist}/oozie/job.properties -run" in result.stdout
    assert "oozie: the coordinator's first run is 20" in result.stderr
