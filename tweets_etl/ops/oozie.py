"""`make oozie-deploy`: stage the Oozie app folder and render its job.properties from conf/ENV.yaml.

The Spark actions get the same settings as `make submit` in YARN cluster mode (``sparkOpts``), with the
artefacts read from the app folder in HDFS instead of the local dist/, except the executor archive:
workflow.xml declares it as each action's ``<archive>`` (see ``EXECUTOR_ARCHIVE``). The staged folder
mirrors what workflow.xml references under ``${appPath}``::

    workflow.xml  coordinator.xml  jobs/*.py  dist/{tweets_etl.zip,executor-env.tar.gz}
    conf/{base.yaml,ENV.yaml[,taxonomy.yaml]}  scripts/land_to_hdfs.sh

Oozie's own ``lib/`` folder is left empty on purpose: Oozie would ship everything in it to every action.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Optional, Sequence

from tweets_etl.config import Config, load_config
from tweets_etl.errors import TweetsEtlError
from tweets_etl.ops import package
from tweets_etl.ops.submit import ARCHIVE_ALIAS, SubmitOptions, build_command, config_files

OOZIE_DIR = Path("oozie")
LAND_SCRIPT = Path("scripts") / "land_to_hdfs.sh"
APP_PATH = "${appPath}"
# Set by workflow.xml's <spark> elements or handled by Oozie's credentials, never by spark-opts.
_OWN_ELEMENTS = ("--master", "--deploy-mode", "--name", "--principal", "--keytab")
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")
# Every <spark> action of workflow.xml declares this as its <archive>; spark-opts cannot carry it. Oozie's
# SparkArgsExtractor takes spark-opts' --files and --archives entries out and rebuilds each one with
# `new Path(entry).toUri()`, which escapes "#" to "%23": the executors would get no ./environment link.
# An <archive> goes through `new URI(entry)` instead, which keeps the "#environment" fragment.
EXECUTOR_ARCHIVE = f"{APP_PATH}/dist/{package.ARCHIVE}#{ARCHIVE_ALIAS}"
# startTime in job.properties: a time of day (the next one after the deploy) or a date and time (kept).
_START_LINE = re.compile(r"^startTime=(.*)$", re.MULTILINE)
_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])Z")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z")
# Oozie 5's SparkOptionsSplitter: a key it unquotes a "value" for, and where it starts a new option.
_OOZIE_CONF_KEY = re.compile(r"[a-zA-Z0-9.]+")
_OOZIE_OPTION_START = re.compile(r"--[a-zA-Z0-9.]")


def spark_opts(config: Config) -> str:
    """The spark-submit options of `make submit` (YARN cluster mode) with paths inside the Oozie app."""
    command = build_command(
        config,
        SubmitOptions(dist=Path(APP_PATH) / "dist", deploy_mode="cluster"),
        environ={},
    )
    argv = list(command.argv)
    end = argv.index(str(command.script))
    options: List[str] = []
    index = 1
    while index < end:
        flag, value = argv[index], argv[index + 1]
        index += 2
        if flag in _OWN_ELEMENTS or (flag == "--archives" and value == EXECUTOR_ARCHIVE):
            continue
        if flag == "--files":
            value = ",".join(f"{APP_PATH}/conf/{path.name}" for path in config_files(config))
        if flag in ("--files", "--archives") and "#" in value:
            raise TweetsEtlError(
                f"spark-opts cannot carry {flag} {value}: Oozie rebuilds these entries with Hadoop's Path, "
                "which turns '#' into %23; rename the file, or make it a <file> or <archive> of the Spark "
                "actions in conf/oozie/workflow.xml"
            )
        options += _spark_opt(flag, value)
    return " ".join(options)


def render_properties(template: str, *, config: Config, app_dir: str, now: Optional[datetime] = None) -> str:
    """Fill the @...@ placeholders of conf/oozie/job.properties and date a time-of-day startTime."""
    queue = config.spark.conf.get("spark.yarn.queue", "default")
    values = {"@ENV@": config.env, "@APP_DIR@": app_dir, "@QUEUE@": queue, "@SPARK_OPTS@": spark_opts(config)}
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    left = _PLACEHOLDER.search(template)
    if left:
        raise TweetsEtlError(
            f"job.properties has a placeholder {left.group(0)} that make oozie-deploy cannot fill"
        )
    return _START_LINE.sub(lambda line: f"startTime={first_start(line.group(1), now)}", template)


def first_start(value: str, now: Optional[datetime] = None) -> str:
    """The coordinator's start: ``HH:MMZ`` becomes the next such UTC time after ``now``, so a new coordinator
    runs no past days (Oozie runs one action per day from start, even before the submission); a full
    ``yyyy-MM-ddTHH:MMZ`` is a deliberate backfill and stays."""
    value = value.strip()
    if _DATE_TIME.fullmatch(value):
        return value
    time_of_day = _TIME_OF_DAY.fullmatch(value)
    if not time_of_day:
        raise TweetsEtlError(
            f"job.properties has startTime={value}; give a UTC time of day such as 02:00Z (the first run is "
            "the next one after make oozie-deploy) or, to backfill, a date and time such as 2024-05-01T02:00Z"
        )
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    hour, minute = int(time_of_day.group(1)), int(time_of_day.group(2))
    start = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if start <= now:
        start += timedelta(days=1)
    return start.strftime("%Y-%m-%dT%H:%MZ")


def day_properties(properties: str) -> str:
    """job.properties for one workflow run: the workflow, not the coordinator, is the application."""
    return properties.replace(
        "oozie.coord.application.path=${appPath}/coordinator.xml", "oozie.wf.application.path=${appPath}"
    )


def stage_app(out: Path, *, config: Config, dist: Path, repo: Path = package.REPO) -> Path:
    """Build out/app: the folder `hdfs dfs -put` copies to the app dir (big files are hard links)."""
    needed = [dist / package.CODE_ZIP, dist / package.ARCHIVE, dist / package.JOBS_DIR, repo / LAND_SCRIPT]
    for path in needed:
        if not path.exists():
            hint = "run `make package` first" if dist in path.parents else "it belongs to the repo"
            raise TweetsEtlError(f"{path} is missing: {hint}")
    app = out / "app"
    if app.exists():
        shutil.rmtree(app)
    (app / "dist").mkdir(parents=True)
    (app / "conf").mkdir()
    (app / "scripts").mkdir()
    for name in ("workflow.xml", "coordinator.xml"):
        shutil.copy2(Path(config.conf_dir) / OOZIE_DIR / name, app / name)
    shutil.copytree(dist / package.JOBS_DIR, app / "jobs")
    for name in (package.CODE_ZIP, package.ARCHIVE):
        _link_or_copy(dist / name, app / "dist" / name)
    for path in config_files(config):
        shutil.copy2(path, app / "conf" / path.name)
    shutil.copy2(repo / LAND_SCRIPT, app / LAND_SCRIPT)
    return app


def deploy_files(
    config: Config, *, dist: Path, app_dir: str, out: Path, now: Optional[datetime] = None
) -> Path:
    """Stage the app and write out/job.properties and out/day.properties."""
    app = stage_app(out, config=config, dist=dist)
    template = (Path(config.conf_dir) / OOZIE_DIR / "job.properties").read_text(encoding="utf-8")
    properties = render_properties(template, config=config, app_dir=app_dir, now=now)
    (out / "job.properties").write_text(properties, encoding="utf-8")
    (out / "day.properties").write_text(day_properties(properties), encoding="utf-8")
    return app


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _spark_opt(flag: str, value: str) -> List[str]:
    """``flag value`` as Oozie's SparkOptionsSplitter must read it back, under every Oozie version in use.

    Oozie 4 splits spark-opts at whitespace outside double quotes and drops every quote. Oozie 5 splits at
    each ``--option`` (even one inside a value) and drops the quotes of a value only when the whole of
    ``key="value"`` is quoted, with a key of letters, digits and dots; a quoted ``"key=value"`` keeps its
    quotes there, so Spark would see a key that starts with '"'. ``--conf key="a b"`` reads as ``key=a b``
    under both; any other value with whitespace reads differently, so it is refused.
    """
    key, equals, setting = value.partition("=")
    # A --conf value may be a secret: errors name its key only.
    what = f"--conf {key}" if flag == "--conf" else f"{flag} {value}"
    if '"' in value or "\n" in value or "\r" in value or _OOZIE_OPTION_START.search(value):
        raise TweetsEtlError(
            f"spark-opts cannot carry {what}: Oozie would split it differently from spark-submit "
            "(double quotes, line breaks and '--' followed by a name cannot be in a value)"
        )
    if not any(char.isspace() for char in value):
        return [flag, value]
    if flag == "--conf" and equals and _OOZIE_CONF_KEY.fullmatch(key):
        return [flag, f'{key}="{setting}"']
    raise TweetsEtlError(
        f"spark-opts cannot carry {what}: Oozie keeps a value with spaces together only in "
        '--conf key="value" with a key of letters, digits and dots'
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="oozie", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="cloudera", help="config environment (default: cloudera)")
    parser.add_argument("--conf-dir", help="folder with base.yaml and ENV.yaml (default: ./conf)")
    parser.add_argument("--dist", type=Path, default=Path("dist"), help="what make package built")
    parser.add_argument("--app-dir", required=True, help="the app folder in HDFS, e.g. /user/etl/apps/x")
    parser.add_argument("--out", type=Path, default=Path("dist/oozie"), help="where to stage the app")
    args = parser.parse_args(argv)
    try:
        config = load_config(env=args.env, conf_dir=args.conf_dir)
        app = deploy_files(config, dist=args.dist, app_dir=args.app_dir, out=args.out)
    except TweetsEtlError as error:
        print(f"oozie: error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"oozie: staged {app} and {args.out / 'job.properties'} for {args.app_dir}", file=sys.stderr)
    start = _START_LINE.search((args.out / "job.properties").read_text(encoding="utf-8"))
    if start:
        first = datetime.strptime(start.group(1).strip(), "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        if first > datetime.now(timezone.utc):
            when = "start it before then, or deploy again, or Oozie also runs the days it missed"
        else:
            when = "a backfill: Oozie runs every day since then, oldest first"
        print(f"oozie: the coordinator's first run is {start.group(1)} (startTime); {when}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
