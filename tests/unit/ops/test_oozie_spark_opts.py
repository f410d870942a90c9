"""What Oozie's Spark action does with the sparkOpts and the <file>/<archive> elements `make oozie-deploy` writes.

Oozie's spark sharelib turns ``<spark-opts>`` into spark-submit arguments in two steps, ported here from
apache/oozie (sharelib/spark/src/main/java/org/apache/oozie/action/hadoop/):

1. ``SparkOptionsSplitter.splitSparkOpts`` splits the string. Three versions are in use: Oozie 4.x split on
   whitespace outside double quotes and dropped every quote (``SparkMain.splitSparkOpts``); Oozie 5 splits
   at each ``--option`` and unquotes a value only when the whole of ``key="value"`` is quoted (the key
   ``[a-zA-Z0-9.]+``), and later also when the whole value is quoted. sparkOpts must split the same way
   under all three.
2. ``SparkArgsExtractor.extract`` takes every ``--files`` and ``--archives`` entry out of the options and
   rebuilds it with Hadoop's ``new Path(entry).toUri()`` (``addUserDefined``); ``<file>``/``<archive>``
   elements go through ``new URI(entry)`` instead (``JavaActionExecutor.addToCache``). Both run here in
   a JVM against Hadoop's own Path class from the pyspark install.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tweets_etl.config import PIPELINE_STAGES, load_config
from tweets_etl.errors import TweetsEtlError
from tweets_etl.ops import oozie
from tweets_etl.ops.submit import SubmitOptions, build_command

REPO = Path(__file__).resolve().parents[3]
WORKFLOW = REPO / "conf" / "oozie" / "workflow.xml"
WF = "{uri:oozie:workflow:1.0}"
SPARK = "{uri:oozie:spark-action:1.0}"
SHELL = "{uri:oozie:shell-action:1.0}"

# --- SparkOptionsSplitter, Oozie 5 (regular expressions are Java's: ASCII \w and \s) -----------------------
_OPTION_KEY_PREFIX = re.compile(r"\s*--[a-zA-Z0-9.]+[\-a-zA-Z0-9.]*[=]?", re.ASCII)
# The first Oozie 5 version: the key is required.
_QUOTES_AT_ENDS_5_0 = re.compile(r'[a-zA-Z0-9.]+=".+"', re.ASCII)
_QUOTES_IN_BETWEEN_5_0 = re.compile(r'[a-zA-Z0-9.]+=.*(\w\s+"\w+[\s+\w]*"|"\w+[\s+\w]*"\s+\w)+.*', re.ASCII)
# apache/oozie master: the key is optional, and three quotes mean "quotes in between".
_QUOTES_AT_ENDS_LATER = re.compile(r'([a-zA-Z0-9.]+=)?".+"', re.ASCII)
_QUOTES_IN_BETWEEN_LATER = re.compile(r'([a-zA-Z0-9.]+=)?".*".*"', re.ASCII)


def _split_at_option_keys(spark_opts: str, at_ends: re.Pattern, in_between: re.Pattern) -> List[str]:
    def unquote(value: str) -> str:
        # String.matches is a whole-string match; replaceAll drops every quote.
        if at_ends.fullmatch(value) and not in_between.fullmatch(value):
            return value.replace('"', "")
        return value

    result: List[str] = []
    start = 0
    for match in _OPTION_KEY_PREFIX.finditer(spark_opts):
        if start > 0:
            value = spark_opts[start : match.start()].strip()
            if value:
                result.append(unquote(value))
        option = match.group(0).strip()
        if option.endswith("="):
            option = option.replace("=", "")
        result.append(option)
        start = match.end()
    rest = spark_opts[start:].strip()
    if rest:
        result.append(unquote(rest))
    return result


def split_oozie_4(spark_opts: str) -> List[str]:
    """Oozie 4.x SparkMain.splitSparkOpts: whitespace separates, double quotes group and are removed."""
    result: List[str] = []
    word: List[str] = []
    inside_quote = False
    for char in spark_opts:
        if char == '"':
            inside_quote = not inside_quote
        elif char.isspace() and not inside_quote:
            if word:
                result.append("".join(word))
                word = []
        else:
            word.append(char)
    if word:
        result.append("".join(word))
    return result


SPLITTERS = {
    "oozie-4": split_oozie_4,
    "oozie-5.0": lambda opts: _split_at_option_keys(opts, _QUOTES_AT_ENDS_5_0, _QUOTES_IN_BETWEEN_5_0),
    "oozie-5-later": lambda opts: _split_at_option_keys(
        opts, _QUOTES_AT_ENDS_LATER, _QUOTES_IN_BETWEEN_LATER
    ),
}


def user_files_and_archives(options: List[str]) -> Tuple[List[str], List[str]]:
    """SparkArgsExtractor.extract: the --files and --archives entries it takes out of the split options."""
    found: Dict[str, List[str]] = {"--files": [], "--archives": []}
    index = 0
    while index < len(options):
        option = options[index]
        for flag, entries in found.items():
            if option.startswith(flag):
                if "=" in option:
                    value = option[option.index("=") + 1 :]
                else:
                    value = options[index + 1]
                    index += 1
                entries += [entry for entry in value.split(",") if entry]
        index += 1
    return found["--files"], found["--archives"]


# --- Hadoop's Path and java.net.URI, for real ------------------------------------------------------------
URI_CHECK = """
import java.net.URI;
import org.apache.hadoop.fs.Path;

public class UriCheck {
    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            // SparkArgsExtractor.addUserDefined (spark-opts --files/--archives)
            URI viaPath = new Path(arg).toUri();
            // JavaActionExecutor.addToCache (<file>/<archive>)
            URI viaUri = new URI(arg.trim().replace(" ", "%20"));
            System.out.println(viaPath + "\\t" + viaUri.getPath() + "\\t" + viaUri.getFragment());
        }
    }
}
"""


@pytest.fixture(scope="module")
def uri_check(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("java is absent: Hadoop's Path needs a JVM")
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyspark is not installed: its jars provide Hadoop's Path")
    jars = sorted(
        (Path(next(iter(spec.submodule_search_locations))) / "jars").glob("hadoop-client-api-*.jar")
    )
    if not jars:
        pytest.skip("pyspark has no hadoop-client-api jar")
    source = tmp_path_factory.mktemp("java") / "UriCheck.java"
    source.write_text(URI_CHECK)

    def check(entries: List[str]) -> Dict[str, Tuple[str, str, str]]:
        result = subprocess.run(
            [
                "java",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                str(jars[-1]),
                str(source),
                *entries,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        rows = [tuple(line.split("\t")) for line in result.stdout.splitlines()]
        return dict(zip(entries, rows))

    return check


@pytest.fixture(scope="module")
def properties(tmp_path_factory) -> Dict[str, str]:
    """dist/oozie/job.properties as `make oozie-deploy` writes it, with Oozie's ${...} resolved."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "jobs").mkdir()
    for stage in ("pipeline", *PIPELINE_STAGES):
        (dist / "jobs" / f"{stage}.py").write_text("")
    (dist / "tweets_etl.zip").write_bytes(b"zip")
    (dist / "executor-env.tar.gz").write_bytes(b"tar")
    out = tmp_path_factory.mktemp("out")
    config = load_config(env="cloudera", environ={}, conf_dir=str(REPO / "conf"))
    oozie.deploy_files(config, dist=dist, app_dir="/user/etl/apps/tweets-etl", out=out)
    raw = dict(
        line.split("=", 1)
        for line in (out / "job.properties").read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {key: resolve(value, raw) for key, value in raw.items()}


def resolve(text: str, values: Dict[str, str]) -> str:
    """Oozie's ${name} substitution of job properties (repeated, for values that refer to others)."""
    for _ in range(5):
        text = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)
    return text


def spark_actions():
    from lxml import etree

    root = etree.parse(str(WORKFLOW)).getroot()
    return {action.get("name"): action.find(f"{SPARK}spark") for action in root.iter(f"{WF}action")}


@pytest.mark.parametrize("version", sorted(SPLITTERS))
def test_every_files_and_archives_entry_in_spark_opts_survives_hadoops_path(properties, uri_check, version):
    files, archives = user_files_and_archives(SPLITTERS[version](properties["sparkOpts"]))
    assert files, "sparkOpts ships the config files with --files"

    seen = uri_check(files + archives)

    # Rebuilt with new Path(entry).toUri(), each entry must come out as written: a "#link" would be "%23link".
    assert {entry: seen[entry][0] for entry in files + archives} == {
        entry: entry for entry in files + archives
    }


def test_every_spark_action_gets_the_executor_archive_with_its_link_name(properties, uri_check):
    app_path = properties["appPath"]
    assert app_path.startswith("hdfs://")
    archives = {}
    for name, spark in spark_actions().items():
        if spark is not None:
            archives[name] = [
                resolve(element.text, properties) for element in spark.findall(f"{SPARK}archive")
            ]
    assert sorted(archives) == sorted(PIPELINE_STAGES)
    wanted = f"{app_path}/dist/executor-env.tar.gz#environment"
    assert set(map(tuple, archives.values())) == {(wanted,)}

    [(_, path, fragment)] = uri_check([wanted]).values()

    # The link name the executors' ./environment/bin/python (spark.pyspark.python) depends on.
    assert (path, fragment) == ("/user/etl/apps/tweets-etl/dist/executor-env.tar.gz", "environment")
    assert "--conf spark.pyspark.python=./environment/bin/python" in properties["sparkOpts"]
    assert "--archives" not in properties["sparkOpts"]


def test_hadoops_path_is_what_loses_a_link_name_in_spark_opts(uri_check):
    # The reason the archive is an <archive>: the same entry in spark-opts loses its fragment.
    entry = "hdfs://nameservice1/apps/x/dist/executor-env.tar.gz#environment"

    [(via_path, _, fragment)] = uri_check([entry]).values()

    assert via_path == "hdfs://nameservice1/apps/x/dist/executor-env.tar.gz%23environment"
    assert fragment == "environment"


def config_with(tmp_path: Path, settings: Dict[str, str]):
    """The cloudera config with more spark.conf settings, from a copy of conf/."""
    import yaml

    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    env = yaml.safe_load((conf / "cloudera.yaml").read_text())
    env["spark"]["conf"].update(settings)
    (conf / "cloudera.yaml").write_text(yaml.safe_dump(env))
    return load_config(env="cloudera", environ={}, conf_dir=str(conf))


def conf_settings(options: List[str]) -> Dict[str, str]:
    pairs = zip(options[::2], options[1::2])
    return dict(value.split("=", 1) for flag, value in pairs if flag == "--conf")


JAVA_OPTIONS = "-XX:+UseG1GC -XX:MaxGCPauseMillis=200 -Dfile.encoding=UTF-8"


@pytest.mark.parametrize("version", sorted(SPLITTERS))
def test_spark_opts_split_into_the_submit_settings_under_every_oozie_version(tmp_path, version):
    config = config_with(
        tmp_path,
        {"spark.executor.extraJavaOptions": JAVA_OPTIONS, "spark.driver.extraJavaOptions": "-Xss4m -Dx=y"},
    )
    submit = build_command(
        config, SubmitOptions(dist=Path("${appPath}") / "dist", deploy_mode="cluster"), environ={}
    )
    wanted = conf_settings(list(submit.argv[1 : submit.argv.index(str(submit.script))]))

    options = SPLITTERS[version](oozie.spark_opts(config))

    # Pairs of flag and value, every setting exactly as spark-submit gets it from `make submit`.
    assert all(flag.startswith("--") for flag in options[::2]), options
    assert conf_settings(options) == wanted
    assert wanted["spark.executor.extraJavaOptions"] == JAVA_OPTIONS
    assert options[options.index("--py-files") + 1] == "${appPath}/dist/tweets_etl.zip"
    assert options[options.index("--queue") + 1] == "default"


@pytest.mark.parametrize(
    "settings, refused",
    [
        # Oozie 5 unquotes only a key of letters, digits and dots; Oozie 4 splits the unquoted value.
        ({"spark.yarn.appMasterEnv.JAVA_OPTS": "-Xmx1g -Xss4m"}, "--conf spark.yarn.appMasterEnv.JAVA_OPTS"),
        ({"spark.executor.extraJavaOptions": '-Dname="a b"'}, "--conf spark.executor.extraJavaOptions"),
        # Oozie 5 starts an option at any "--name", even inside a value.
        ({"spark.driver.extraJavaOptions": "-Dflag=--verbose"}, "--conf spark.driver.extraJavaOptions"),
        ({"spark.yarn.queue": "root.etl team"}, "--queue root.etl team"),
    ],
)
def test_spark_opts_refuse_a_value_oozie_cannot_carry_without_showing_a_setting(tmp_path, settings, refused):
    config = config_with(tmp_path, settings)

    with pytest.raises(TweetsEtlError, match="spark-opts cannot carry") as error:
        oozie.spark_opts(config)

    assert refused in str(error.value)
    if refused.startswith("--conf"):
        assert next(iter(settings.values())) not in str(error.value)
