"""The spark-submit command `make submit` builds from conf/ENV.yaml, and how it reports a failed job."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from tweets_etl.config import load_config
from tweets_etl.errors import ConfigError, TweetsEtlError
from tweets_etl.ops import package
from tweets_etl.ops.submit import (
    SubmitCommand,
    SubmitError,
    SubmitOptions,
    build_command,
    check_artifacts,
    failure_message,
    run,
)

REPO = Path(__file__).resolve().parents[3]
# base.yaml names conf/taxonomy.yaml; it is shipped with --files whenever it exists.
TAXONOMY = ",conf/taxonomy.yaml" if (REPO / "conf" / "taxonomy.yaml").is_file() else ""


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # paths under the working directory are printed relative, like make does


def config(env: str = "cloudera", **overrides):
    return load_config(
        env=env, conf_dir=str(REPO / "conf"), var_dir="/srv/var", overrides=overrides, environ={}
    )


def confs(command: SubmitCommand) -> dict:
    argv = list(command.argv)
    return dict(argv[i + 1].split("=", 1) for i, arg in enumerate(argv) if arg == "--conf")


def test_cloudera_pipeline_command_is_exactly_what_yarn_cluster_mode_needs():
    command = build_command(config(), SubmitOptions(job="pipeline"), environ={})

    assert list(command.argv) == [
        "spark-submit",
        "--master", "yarn",
        "--deploy-mode", "cluster",
        "--name", "tweets-etl-pipeline",
        "--queue", "default",
        "--archives", "dist/executor-env.tar.gz#environment",
        "--py-files", "dist/tweets_etl.zip",
        "--files", "conf/base.yaml,conf/cloudera.yaml" + TAXONOMY,
        "--conf", "spark.driver.memory=2g",
        "--conf", "spark.executor.cores=2",
        "--conf", "spark.executor.instances=4",
        "--conf", "spark.executor.memory=4g",
        "--conf", "spark.pyspark.python=./environment/bin/python",
        "--conf", "spark.sql.adaptive.enabled=true",
        "--conf", "spark.sql.session.timeZone=UTC",
        "--conf", "spark.sql.shuffle.partitions=200",
        "--conf", "spark.sql.sources.partitionOverwriteMode=dynamic",
        "--conf", "spark.yarn.appMasterEnv.PYSPARK_PYTHON=./environment/bin/python",
        "--conf", "spark.yarn.maxAppAttempts=1",
        "dist/jobs/pipeline.py", "--env", "cloudera",
    ]  # fmt: skip
    assert command.env_set == {} and command.env_unset == ()


def test_cluster_mode_drops_the_local_interpreters_and_forwards_config_overrides():
    environ = {
        "PYSPARK_DRIVER_PYTHON": "/home/me/venv/bin/python",
        "TWEETS_ETL__PIPELINE__FAIL_ON_GATE": "false",
    }

    command = build_command(config(), SubmitOptions(job="enrich"), environ=environ)

    assert command.env_unset == ("PYSPARK_DRIVER_PYTHON",)
    assert command.shell().startswith("env -u PYSPARK_DRIVER_PYTHON spark-submit ")
    assert "spark.pyspark.driver.python" not in confs(command)
    assert confs(command)["spark.yarn.appMasterEnv.TWEETS_ETL__PIPELINE__FAIL_ON_GATE"] == "false"
    assert command.argv[-3:] == ("dist/jobs/enrich.py", "--env", "cloudera")


def test_client_mode_runs_the_driver_here_with_a_local_python_and_the_var_dir(tmp_path):
    (tmp_path / "executor-env" / "bin").mkdir(parents=True)
    (tmp_path / "executor-env" / "bin" / "python").touch()
    options = SubmitOptions(
        job="stage", dist=tmp_path, deploy_mode="client", job_args=("--input", "hdfs:///x")
    )

    command = build_command(config(), options, environ={})

    assert command.argv[command.argv.index("--deploy-mode") + 1] == "client"
    assert confs(command)["spark.pyspark.driver.python"] == str(tmp_path / "executor-env" / "bin" / "python")
    assert confs(command)["spark.pyspark.python"] == "./environment/bin/python"
    assert "spark.yarn.appMasterEnv.PYSPARK_PYTHON" not in confs(command)
    assert command.argv[-6:] == ("--env", "cloudera", "--var-dir", "/srv/var", "--input", "hdfs:///x")
    assert command.env_set == {"TWEETS_ETL_CONF_DIR": str(REPO / "conf")}


def packaged_dist(folder: Path, *, venv: bool) -> Path:
    """A dist/ as make package leaves it (with empty files), with or without executor-env/."""
    for name in (package.CODE_ZIP, package.ARCHIVE):
        (folder / name).touch()
    (folder / "jobs").mkdir()
    (folder / "jobs" / "pipeline.py").touch()
    if venv:
        (folder / package.ENV_DIR / "bin").mkdir(parents=True)
        (folder / package.ENV_DIR / "bin" / "python").touch()
    return folder


def test_client_mode_without_the_packaged_venv_is_refused_unless_a_driver_python_is_named(tmp_path):
    """The driver silently fell back on the system python3 when dist/executor-env/ was gone."""
    options = SubmitOptions(dist=packaged_dist(tmp_path, venv=False), deploy_mode="client")

    chosen = build_command(config(), options, environ={"PYSPARK_DRIVER_PYTHON": "/opt/py/bin/python3"})
    default = build_command(config(), options, environ={})

    assert confs(chosen)["spark.pyspark.driver.python"] == "/opt/py/bin/python3"
    check_artifacts(chosen, options)
    assert confs(default)["spark.pyspark.driver.python"] == str(tmp_path / "executor-env" / "bin" / "python")
    with pytest.raises(
        TweetsEtlError, match=r"executor-env/bin/python, which is missing: run `make package`"
    ):
        check_artifacts(default, options)


def test_cluster_mode_needs_no_local_driver_python(tmp_path):
    options = SubmitOptions(dist=packaged_dist(tmp_path, venv=False))

    check_artifacts(build_command(config(), options, environ={}), options)


def test_the_cluster_metastore_gets_no_derby_settings_and_the_embedded_one_does():
    cluster = confs(build_command(config(), SubmitOptions(), environ={}))
    standalone = confs(build_command(config("standalone"), SubmitOptions(), environ={}))

    assert not [key for key in cluster if "jdo" in key or "warehouse.dir" in key or "extraJavaOptions" in key]
    assert standalone["spark.hadoop.javax.jdo.option.ConnectionURL"].startswith(
        "jdbc:derby:;databaseName=/srv/var/metastore/metastore_db"
    )
    assert standalone["spark.sql.warehouse.dir"] == "/srv/var/warehouse"


def test_kerberos_from_config_becomes_principal_and_keytab_flags():
    kerberized = config(
        **{
            "spark.conf": {
                "spark.kerberos.principal": "etl@EXAMPLE.COM",
                "spark.kerberos.keytab": "/k/etl.keytab",
            }
        }
    )

    command = build_command(kerberized, SubmitOptions(), environ={})

    argv = list(command.argv)
    assert argv[argv.index("--principal") + 1] == "etl@EXAMPLE.COM"
    assert argv[argv.index("--keytab") + 1] == "/k/etl.keytab"
    assert not [key for key in confs(command) if key.startswith("spark.kerberos")]


def test_kerberos_needs_both_principal_and_keytab():
    with pytest.raises(ConfigError, match="both a principal and a keytab"):
        build_command(config(), SubmitOptions(principal="etl@EXAMPLE.COM"), environ={})


def test_queue_and_deploy_mode_can_be_overridden_per_submit():
    command = build_command(config(), SubmitOptions(queue="etl", deploy_mode="client"), environ={})

    argv = list(command.argv)
    assert argv[argv.index("--queue") + 1] == "etl"
    assert argv[argv.index("--deploy-mode") + 1] == "client"
    assert "spark.submit.deployMode" not in confs(command) and "spark.yarn.queue" not in confs(command)


@pytest.mark.parametrize(
    ("env", "options", "message"),
    [
        ("standalone", SubmitOptions(deploy_mode="cluster"), "cannot use cluster deploy mode"),
        ("local", SubmitOptions(), "make submit needs a cluster"),
        ("cloudera", SubmitOptions(job="everything"), "JOB=everything is not a job"),
    ],
)
def test_impossible_submits_are_refused_with_a_sentence(env, options, message):
    with pytest.raises(ConfigError, match=message):
        build_command(config(env), options, environ={})


def test_check_artifacts_asks_for_make_package_when_dist_is_missing(tmp_path):
    options = SubmitOptions(dist=tmp_path)
    command = build_command(config(), options, environ={})

    with pytest.raises(TweetsEtlError, match=r"tweets_etl.zip is missing: run `make package` first"):
        check_artifacts(command, options)


def test_check_artifacts_refuses_an_archive_built_for_other_requirements(tmp_path):
    for name in (package.CODE_ZIP, package.ARCHIVE):
        (tmp_path / name).touch()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "pipeline.py").touch()
    (tmp_path / package.INFO_FILE).write_text('{"requirements": ["pyyaml>=5.4"]}')
    options = SubmitOptions(dist=tmp_path)
    command = build_command(config(), options, environ={})

    with pytest.raises(TweetsEtlError, match="built for other requirements"):
        check_artifacts(command, options)


def test_failure_message_prefers_the_jobs_own_error_line_and_points_at_yarn_logs():
    lines = [
        "INFO Client: Submitted application application_1700000000000_0042",
        "Traceback (most recent call last):",
        "tweets-etl run: error: stage enrich failed: PythonException: No module named 'vaderSentiment'",
        "Exception in thread main org.apache.spark.SparkException: Application finished with failed status",
    ]

    message = failure_message("pipeline", "yarn", 1, lines)

    assert message == (
        "job pipeline failed on yarn (spark-submit exit 1): stage enrich failed: PythonException: "
        "No module named 'vaderSentiment'; full logs: yarn logs -applicationId application_1700000000000_0042"
    )


def test_failure_message_falls_back_to_the_last_exception_line():
    lines = ["some output", "ModuleNotFoundError: No module named 'tweepy'", "shutdown hook called"]

    assert failure_message("ingest", "spark://h:7077", 1, lines).endswith(
        "(spark-submit exit 1): ModuleNotFoundError: No module named 'tweepy'"
    )


def test_run_streams_both_streams_and_turns_a_failed_job_into_one_sentence(tmp_path, capfd):
    fake = tmp_path / "spark-submit"
    fake.write_text(
        "#!/bin/sh\necho 'batch b1 running'\necho 'tweets-etl run: error: stage model failed: boom'\n"
        "echo 'WARN something' >&2\nexit 3\n"
    )
    fake.chmod(0o755)
    command = build_command(config(), SubmitOptions(), spark_submit=str(fake), environ={})

    with pytest.raises(SubmitError) as failure:
        run(command, job="pipeline")

    assert str(failure.value) == "job pipeline failed on yarn (spark-submit exit 3): stage model failed: boom"
    out, err = capfd.readouterr()
    assert "batch b1 running" in out and "WARN something" in err


def test_run_returns_zero_when_the_job_succeeds(tmp_path):
    command = dataclasses.replace(build_command(config(), SubmitOptions(), environ={}), argv=("true",))

    assert run(command, job="pipeline") == 0


def test_dry_run_prints_the_command_through_make():
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "submit",
            "ENV=cloudera",
            "JOB=model",
            "DRY_RUN=1",
            "QUEUE=etl",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    assert " --master yarn --deploy-mode cluster --name tweets-etl-model --queue etl " in line
    assert line.endswith(" dist/jobs/model.py --env cloudera")


def test_the_submit_cli_says_what_is_wrong_in_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "tweets_etl.ops.submit", "--env", "local", "--dry-run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("submit: error: spark.master is 'local[*]': make submit needs a cluster")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_job_arguments_in_the_submit_help_are_options_the_job_takes():
    """The epilog suggested `-- --batch-id 2024-05-01`, which `tweets-etl run` (every job) rejects."""
    import shlex

    from tweets_etl.cli import build_parser as cli_parser
    from tweets_etl.ops.submit import build_parser

    epilog = " ".join(build_parser().epilog.split())
    example = shlex.split(epilog.split("e.g. -- ", 1)[1])

    args = cli_parser().parse_args(["run", *example])
    assert args.input == ["hdfs:///data/tweets_etl/raw/landed_date=2024-05-01"]


def executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_a_cdp_edge_node_gets_its_spark3_submit_and_yarn_never_gets_pip_pyspark(tmp_path):
    """With only spark3-submit on PATH, --master yarn used to go to the venv's pip pyspark spark-submit."""
    from tweets_etl.ops.submit import resolve_spark_submit

    cdp = tmp_path / "cdp" / "bin"
    executable(cdp, "spark3-submit")
    executable(cdp, "spark-submit")  # CDP 7.1's Spark 2
    only_spark3 = tmp_path / "spark3" / "bin"
    executable(only_spark3, "spark3-submit")
    pip_bin = tmp_path / "other-venv" / "bin"  # another venv's pip pyspark on PATH
    executable(pip_bin, "spark-submit")
    (pip_bin / "find_spark_home.py").touch()

    assert resolve_spark_submit({"PATH": str(cdp)}, master="yarn") == ("spark3-submit", {})
    assert resolve_spark_submit({"PATH": f"{only_spark3}:/usr/bin"}, master="yarn") == ("spark3-submit", {})
    assert resolve_spark_submit({"PATH": "/usr/bin", "SPARK_SUBMIT": "/opt/s/bin/x"}, master="yarn") == (
        "/opt/s/bin/x",
        {},
    )
    with pytest.raises(ConfigError, match="SPARK_SUBMIT=spark3-submit with CDP's Spark 3 parcel"):
        resolve_spark_submit({"PATH": f"{pip_bin}:{Path(sys.executable).parent}:/usr/bin"}, master="yarn")


def test_a_standalone_master_may_use_the_spark_submit_of_pip_pyspark():
    from tweets_etl.ops.submit import resolve_spark_submit

    beside = Path(sys.executable).parent / "spark-submit"
    if not beside.is_file():
        pytest.skip("this Python has no pip pyspark")
    program, env = resolve_spark_submit({"PATH": "/usr/bin:/bin"}, master="spark://127.0.0.1:7077")

    assert program == str(beside) and Path(env["SPARK_HOME"], "jars").is_dir()


def test_a_dry_run_without_a_spark_client_still_prints_the_command_and_says_what_is_missing():
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}

    result = subprocess.run(
        [sys.executable, "-m", "tweets_etl.ops.submit", "--env", "cloudera", "--dry-run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("spark-submit --master yarn ")
    assert result.stderr.startswith("submit: warning: found no spark3-submit or spark-submit")


def test_the_views_job_creates_the_bi_views_where_the_clusters_hiveserver2_sees_them():
    command = build_command(config(), SubmitOptions(job="views"))

    assert command.argv[-3:] == ("dist/jobs/views.py", "--env", "cloudera")
    assert (REPO / "jobs" / "views.py").is_file()
