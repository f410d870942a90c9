"""`make submit`: spark-submit one job with the cluster settings of an environment's config.

The command comes from the Config alone (``build_command`` is pure, so tests pin it down), following
Spark's Python packaging guide:

- ``--archives dist/executor-env.tar.gz#environment`` and ``spark.pyspark.python=./environment/bin/python``:
  executors (and, in YARN cluster mode, the driver in the application master) run the archive's Python.
- Client mode: the driver runs here, so ``spark.pyspark.driver.python`` is a local interpreter with the
  same packages (PYSPARK_DRIVER_PYTHON, else ``dist/executor-env/bin/python``, which must then exist).
  Cluster mode: PYSPARK_DRIVER_PYTHON and PYSPARK_PYTHON are removed from spark-submit's environment,
  since YARN would hand the edge node's paths to the application master.
- ``--py-files dist/tweets_etl.zip``, ``--files conf/base.yaml,conf/ENV.yaml``: the job finds its config
  in the container's working directory (see ``find_conf_dir``).
- master, deploy mode, queue, Kerberos principal/keytab and every ``spark.*`` setting come from
  ``spark.master`` and ``spark.conf`` of ``conf/ENV.yaml``; the embedded Derby settings appear only for
  ``warehouse.metastore: embedded``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, TextIO, Tuple

from tweets_etl.config import ENV_PREFIX, PIPELINE_STAGES, Config, load_config
from tweets_etl.errors import ConfigError, TweetsEtlError
from tweets_etl.ops import package
from tweets_etl.spark import session_conf

# The pipeline, each of its stages, and the BI views (created where the cluster's HiveServer2 sees them).
JOBS = ("pipeline", *PIPELINE_STAGES, "views")
ARCHIVE_ALIAS = "environment"
ARCHIVE_PYTHON = f"./{ARCHIVE_ALIAS}/bin/python"
# spark.* settings spark-submit has flags for; the command uses the flags, so it reads like the docs.
FLAG_SETTINGS = (
    "spark.submit.deployMode",
    "spark.yarn.queue",
    "spark.kerberos.principal",
    "spark.kerberos.keytab",
)
# The cluster's Spark client, looked for on PATH in this order: CDP's Spark 3 parcel installs spark3-submit,
# and its spark-submit may be Spark 2's.
SPARK_SUBMITS = ("spark3-submit", "spark-submit")
# Interpreter variables spark-submit would forward to a YARN application master in cluster mode.
DRIVER_ENV_VARS = ("PYSPARK_DRIVER_PYTHON", "PYSPARK_PYTHON")
_APPLICATION_ID = re.compile(r"\bapplication_\d+_\d+\b")
_APP_ERROR = re.compile(r"\berror: (.+)$")
_PYTHON_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b:?.*$")


class SubmitError(TweetsEtlError):
    """spark-submit ran and the job failed; the message names the job, the reason and where the logs are."""


@dataclass(frozen=True)
class SubmitOptions:
    """What one `make submit` asks for beyond the config."""

    job: str = "pipeline"
    dist: Path = Path("dist")
    script: Optional[Path] = None
    job_args: Tuple[str, ...] = ()
    deploy_mode: Optional[str] = None
    queue: Optional[str] = None
    principal: Optional[str] = None
    keytab: Optional[str] = None
    driver_python: Optional[str] = None


@dataclass(frozen=True)
class SubmitCommand:
    """The exact spark-submit argv plus the environment changes it runs with."""

    argv: Tuple[str, ...]
    master: str
    deploy_mode: str
    script: Path
    env_set: Dict[str, str] = field(default_factory=dict)
    env_unset: Tuple[str, ...] = ()

    def shell(self) -> str:
        """The command as one line a person can paste into a shell."""
        prefix: List[str] = []
        if self.env_set or self.env_unset:
            prefix = ["env"]
            for name in self.env_unset:
                prefix += ["-u", name]
            prefix += [f"{name}={value}" for name, value in sorted(self.env_set.items())]
        return shlex.join([*prefix, *self.argv])

    def environment(self, base: Mapping[str, str]) -> Dict[str, str]:
        env = {name: value for name, value in base.items() if name not in self.env_unset}
        env.update(self.env_set)
        return env


def cluster_manager(master: str) -> str:
    """yarn, standalone or k8s; a local master is refused, since there is nothing to submit to."""
    if master == "yarn":
        return "yarn"
    if master.startswith("spark://"):
        return "standalone"
    if master.startswith("k8s://"):
        return "k8s"
    raise ConfigError(
        f"spark.master is {master!r}: make submit needs a cluster (yarn, spark://host:port); "
        "on one machine run the pipeline with `make run` or `tweets-etl run`"
    )


def build_command(
    config: Config,
    options: SubmitOptions,
    *,
    spark_submit: str = "spark-submit",
    environ: Optional[Mapping[str, str]] = None,
) -> SubmitCommand:
    """The spark-submit invocation for ``options.job`` under ``config``; no files are touched."""
    environ = os.environ if environ is None else environ
    if options.script is None and options.job not in JOBS:
        raise ConfigError(f"JOB={options.job} is not a job; choose one of: {', '.join(JOBS)}")
    master = config.spark.master
    manager = cluster_manager(master)
    # Non-spark.* settings (hive.*) would only be dropped by spark-submit; the job sets them itself.
    conf = {key: value for key, value in session_conf(config).items() if key.startswith("spark.")}
    flags = _flag_settings(conf, options, env=config.env, manager=manager)
    deploy_mode = flags["--deploy-mode"]
    env_set, env_unset = _interpreter_settings(
        conf, options, environ, deploy_mode=deploy_mode, manager=manager
    )
    job_args = ["--env", config.env]
    if deploy_mode == "client":
        env_set["TWEETS_ETL_CONF_DIR"] = config.conf_dir
        # The driver runs here, so a local var dir means something; on a cluster node it would not.
        job_args += ["--var-dir", str(config.var_path)]
    if manager == "yarn":
        # A failed batch is re-run by the scheduler on purpose; a silent second attempt only doubles the wait.
        conf.setdefault("spark.yarn.maxAppAttempts", "1")

    dist = options.dist
    script = options.script or dist / package.JOBS_DIR / f"{options.job}.py"
    argv: List[str] = [spark_submit, "--master", master]
    argv += ["--deploy-mode", deploy_mode, "--name", f"{config.spark.app_name}-{Path(script).stem}"]
    for flag in ("--queue", "--principal", "--keytab"):
        if flags.get(flag):
            argv += [flag, flags[flag]]
    argv += ["--archives", f"{dist / package.ARCHIVE}#{ARCHIVE_ALIAS}"]
    argv += ["--py-files", str(dist / package.CODE_ZIP)]
    argv += ["--files", ",".join(_display(path) for path in config_files(config))]
    for key, value in sorted(conf.items()):
        argv += ["--conf", f"{key}={value}"]
    argv += [str(script), *job_args, *options.job_args]
    return SubmitCommand(
        argv=tuple(argv),
        master=master,
        deploy_mode=deploy_mode,
        script=Path(script),
        env_set=env_set,
        env_unset=env_unset,
    )


def _flag_settings(conf: Dict[str, str], options: SubmitOptions, *, env: str, manager: str) -> Dict[str, str]:
    """Take the settings spark-submit has flags for out of ``conf``; options given for this submit win."""
    taken = {key: conf.pop(key, None) for key in FLAG_SETTINGS}
    deploy_mode = options.deploy_mode or taken["spark.submit.deployMode"] or "client"
    if deploy_mode not in ("client", "cluster"):
        raise ConfigError(f"deploy mode {deploy_mode!r} is neither client nor cluster")
    if manager == "standalone" and deploy_mode == "cluster":
        raise ConfigError(
            "Python applications cannot use cluster deploy mode on a Spark standalone cluster; set "
            f"spark.conf.spark.submit.deployMode: client in conf/{env}.yaml"
        )
    principal = options.principal or taken["spark.kerberos.principal"]
    keytab = options.keytab or taken["spark.kerberos.keytab"]
    if bool(principal) != bool(keytab):
        raise ConfigError(
            "Kerberos needs both a principal and a keytab: set spark.kerberos.principal and "
            "spark.kerberos.keytab in spark.conf (or PRINCIPAL= and KEYTAB= for make submit)"
        )
    queue = options.queue or taken["spark.yarn.queue"]
    flags = {"--deploy-mode": deploy_mode, "--principal": principal, "--keytab": keytab}
    flags["--queue"] = queue if manager == "yarn" else None
    return {flag: value for flag, value in flags.items() if value}


def _interpreter_settings(
    conf: Dict[str, str],
    options: SubmitOptions,
    environ: Mapping[str, str],
    *,
    deploy_mode: str,
    manager: str,
) -> Tuple[Dict[str, str], Tuple[str, ...]]:
    """Which Python the driver and executors run; returns the environment variables to set and unset."""
    conf.setdefault("spark.pyspark.python", ARCHIVE_PYTHON)
    if deploy_mode == "client":
        conf.setdefault("spark.pyspark.driver.python", driver_python(options, environ))
        return {}, ()
    if manager == "yarn":
        conf.setdefault("spark.yarn.appMasterEnv.PYSPARK_PYTHON", ARCHIVE_PYTHON)
        # Config overrides in this shell must reach the driver, which runs in the application master.
        for name, value in environ.items():
            if name.startswith(ENV_PREFIX):
                conf.setdefault(f"spark.yarn.appMasterEnv.{name}", value)
    return {}, tuple(name for name in DRIVER_ENV_VARS if name in environ)


def config_files(config: Config) -> List[Path]:
    """base.yaml, ENV.yaml and the taxonomy, shipped with --files into each container's working dir."""
    conf_dir = Path(config.conf_dir)
    files = [conf_dir / "base.yaml", conf_dir / f"{config.env}.yaml"]
    taxonomy = config.taxonomy_path
    # --files flattens paths, so only a taxonomy that sits directly in the conf dir keeps its relative name.
    if taxonomy.is_file() and taxonomy.parent.resolve() == conf_dir.resolve():
        files.append(taxonomy)
    return files


def driver_python(options: SubmitOptions, environ: Mapping[str, str]) -> str:
    """Client mode's driver interpreter: asked for, PYSPARK_DRIVER_PYTHON, else the packaged venv.

    Never a bare python3 behind the user's back: the driver needs the archive's packages too (pandas and
    pyarrow for the pandas UDFs). check_artifacts refuses a packaged venv that is missing.
    """
    if options.driver_python:
        return options.driver_python
    if environ.get("PYSPARK_DRIVER_PYTHON"):
        return environ["PYSPARK_DRIVER_PYTHON"]
    return str(packaged_driver_python(options).absolute())


def packaged_driver_python(options: SubmitOptions) -> Path:
    return options.dist / package.ENV_DIR / "bin" / "python"


def resolve_spark_submit(environ: Mapping[str, str], *, master: str) -> Tuple[str, Dict[str, str]]:
    """$SPARK_SUBMIT; else the cluster's Spark client on PATH (spark3-submit, then spark-submit); else,
    except for YARN, the spark-submit pip's pyspark installed beside this Python, with SPARK_HOME set.

    YARN gets no pip pyspark: it lacks the cluster's Hadoop and Hive settings and Spark defaults, so a job
    would run against the wrong metastore or not at all.
    """
    if environ.get("SPARK_SUBMIT"):
        return environ["SPARK_SUBMIT"], {}
    for name in SPARK_SUBMITS:
        found = shutil.which(name, path=environ.get("PATH"))
        if found and not _is_pip_pyspark(Path(found)):
            return name, {}
    if master == "yarn":
        raise ConfigError(
            "found no spark3-submit or spark-submit of the cluster's Spark on PATH, and --master yarn needs "
            "it (pip's pyspark knows nothing of the cluster's Hadoop and Hive settings): put the Spark "
            "client's bin/ on PATH or set SPARK_SUBMIT (SPARK_SUBMIT=spark3-submit with CDP's Spark 3 parcel)"
        )
    beside = Path(sys.executable).parent / "spark-submit"
    if beside.is_file():
        extra = {}
        if not environ.get("SPARK_HOME"):
            import importlib.util

            spec = importlib.util.find_spec("pyspark")
            if spec and spec.origin:
                extra["SPARK_HOME"] = str(Path(spec.origin).parent)
        return str(beside), extra
    return "spark-submit", {}


def _is_pip_pyspark(spark_submit: Path) -> bool:
    """pip's pyspark puts spark-submit beside the venv's Python, with its find_spark_home.py."""
    folder = spark_submit.resolve().parent
    return folder == Path(sys.executable).parent.resolve() or (folder / "find_spark_home.py").is_file()


def check_artifacts(command: SubmitCommand, options: SubmitOptions) -> None:
    """Refuse to submit what cannot work: missing dist files, a stale archive, an unreadable keytab."""
    dist = options.dist
    for path in (dist / package.CODE_ZIP, dist / package.ARCHIVE, command.script):
        if not path.is_file():
            raise TweetsEtlError(f"{path} is missing: run `make package` first")
    built = package.read_info(dist).get("requirements")
    if built is not None and built != package.executor_requirements(package.REPO / "setup.py"):
        raise TweetsEtlError(
            f"{dist / package.ARCHIVE} was built for other requirements than setup.py now lists; "
            "run `make package` to rebuild it"
        )
    driver = _conf_value(command, "spark.pyspark.driver.python")
    packaged = packaged_driver_python(options)
    if command.deploy_mode == "client" and driver == str(packaged.absolute()) and not packaged.exists():
        raise TweetsEtlError(
            f"client mode runs the driver here with {packaged}, which is missing: run `make package` to "
            "rebuild it, or set PYSPARK_DRIVER_PYTHON to a Python with the pipeline extra's packages"
        )
    if "--keytab" in command.argv:
        keytab = command.argv[command.argv.index("--keytab") + 1]
        if not os.access(keytab, os.R_OK):
            raise TweetsEtlError(f"keytab {keytab} is not readable by this user; check the path and mode")


def _conf_value(command: SubmitCommand, key: str) -> Optional[str]:
    """The value a ``--conf key=value`` of the command gives ``key``, or None."""
    argv = list(command.argv)
    found = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--conf"]
    values = [setting.split("=", 1)[1] for setting in found if setting.startswith(f"{key}=")]
    return values[-1] if values else None


def run(command: SubmitCommand, *, job: str) -> int:
    """Run spark-submit, streaming its output; a failure raises SubmitError with the job and the reason."""
    tail: Deque[str] = deque(maxlen=400)
    try:
        process = subprocess.Popen(
            list(command.argv),
            env=command.environment(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except OSError as error:
        raise TweetsEtlError(
            f"cannot start {command.argv[0]}: {error.strerror}; install Spark or point SPARK_SUBMIT at it"
        ) from None
    # In client mode spark-submit prints the driver's Python output (our errors) on stdout and its own
    # log on stderr: both pass through unchanged, and both feed the tail the failure reason comes from.
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, sys.stdout, tail), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, sys.stderr, tail), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.wait()
        return 130
    for pump in pumps:
        pump.join()
    if code != 0:
        raise SubmitError(failure_message(job, command.master, code, tail))
    return 0


def _pump(source: Optional[IO[str]], target: TextIO, tail: Deque[str]) -> None:
    assert source is not None
    for line in source:
        target.write(line)
        target.flush()
        tail.append(line.rstrip("\n"))


def failure_message(job: str, master: str, code: int, lines: Iterable[str]) -> str:
    """One sentence: which job failed, why (the job's own error line when there is one), where the logs are."""
    lines = [line.strip() for line in lines if line.strip()]
    app_ids = [match.group(0) for line in lines for match in _APPLICATION_ID.finditer(line)]
    reason = (
        _last(match.group(1) for match in map(_APP_ERROR.search, lines) if match)
        or _last(line for line in lines if _PYTHON_EXCEPTION.match(line))
        or _last(line for line in lines if " ERROR " in f" {line} ")
        or (lines[-1] if lines else "no output")
    )
    message = f"job {job} failed on {master} (spark-submit exit {code}): {reason[:500]}"
    if app_ids:
        message += f"; full logs: yarn logs -applicationId {app_ids[-1]}"
    return message


def _last(values: Iterable[str]) -> Optional[str]:
    found = None
    for value in values:
        found = value
    return found


def _display(path: Path) -> str:
    """Paths under the working directory stay relative, so a printed command reads like the Makefile."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _say(message: str) -> None:
    print(f"submit: {message}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="submit",
        description="spark-submit one tweets-etl job with the master, deploy mode, queue, sizing and "
        "Kerberos settings of conf/ENV.yaml, shipping dist/ (see `make package`).",
        epilog="Anything after -- goes to the job, which takes the options of `tweets-etl run` (--input, "
        "--stages, --sample, --set), e.g. -- --input hdfs:///data/tweets_etl/raw/landed_date=2024-05-01",
    )
    parser.add_argument(
        "--env", help="config environment: conf/ENV.yaml (default: $TWEETS_ETL_ENV, else local)"
    )
    parser.add_argument(
        "--var-dir",
        help="runtime data folder, for client mode only (default: $TWEETS_ETL_VAR_DIR, else the config's "
        "var_dir: var)",
    )
    parser.add_argument(
        "--conf-dir",
        help="folder with base.yaml and ENV.yaml (default: $TWEETS_ETL_CONF_DIR, else the first of ./conf, "
        ". and the package's own conf/ that holds base.yaml)",
    )
    parser.add_argument("--job", default="pipeline", help=f"one of {', '.join(JOBS)} (default: pipeline)")
    parser.add_argument("--script", type=Path, help="submit this entry point instead of dist/jobs/JOB.py")
    parser.add_argument(
        "--dist", type=Path, default=Path("dist"), help="what make package built (default: dist)"
    )
    parser.add_argument("--deploy-mode", choices=("client", "cluster"), help="override the config's")
    parser.add_argument("--queue", help="YARN queue (overrides spark.yarn.queue)")
    parser.add_argument("--principal", help="Kerberos principal (overrides spark.kerberos.principal)")
    parser.add_argument("--keytab", help="Kerberos keytab (overrides spark.kerberos.keytab)")
    parser.add_argument(
        "--driver-python",
        help="client mode: the driver's Python (default: $PYSPARK_DRIVER_PYTHON, else "
        "DIST/executor-env/bin/python, which make package builds)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the exact command and exit")
    parser.add_argument("job_args", nargs=argparse.REMAINDER, help="arguments for the job, after --")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    job_args = tuple(args.job_args[1:] if args.job_args[:1] == ["--"] else args.job_args)
    try:
        config = load_config(env=args.env, var_dir=args.var_dir, conf_dir=args.conf_dir)
        options = SubmitOptions(
            job=args.job,
            dist=args.dist,
            script=args.script,
            job_args=job_args,
            deploy_mode=args.deploy_mode,
            queue=args.queue,
            principal=args.principal,
            keytab=args.keytab,
            driver_python=args.driver_python,
        )
        try:
            spark_submit, spark_env = resolve_spark_submit(os.environ, master=config.spark.master)
        except ConfigError as error:
            if not args.dry_run:
                raise
            _say(f"warning: {error}")
            spark_submit, spark_env = "spark-submit", {}
        command = build_command(config, options, spark_submit=spark_submit)
        command = dataclasses.replace(command, env_set={**spark_env, **command.env_set})
        if args.dry_run:
            print(command.shell())
            return 0
        check_artifacts(command, options)
        _say(command.shell())
        return run(command, job=command.script.stem)
    except TweetsEtlError as error:
        print(f"submit: error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
