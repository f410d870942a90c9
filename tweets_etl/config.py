"""One typed, frozen configuration: conf/base.yaml, then conf/<env>.yaml, then environment variables.

Precedence, lowest first: ``conf/base.yaml`` < ``conf/<env>.yaml`` < ``TWEETS_ETL__<SECTION>__<KEY>``
environment variables < explicit overrides from the command line. Secrets never live here: tokens,
passwords and key passphrases are read from the environment by the code that needs them.

An override is text: a text field takes it verbatim, any other field reads it as YAML (``true``, ``4``,
``[a, b]``). Its key names a field, or an entry of a mapping such as ``spark.conf.spark.executor.memory``.

Bad values fail fast with a :class:`ConfigError` that names the key and says how to fix it.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union, get_args, get_origin, get_type_hints

import yaml

from tweets_etl.collect.fields import MAX_PAGE_SIZE, MIN_PAGE_SIZE
from tweets_etl.errors import ConfigError

ENV_PREFIX = "TWEETS_ETL__"
VAR_DIR_ENV = "TWEETS_ETL_VAR_DIR"
CONF_DIR_ENV = "TWEETS_ETL_CONF_DIR"
ENV_NAME_ENV = "TWEETS_ETL_ENV"

# Hive identifiers become part of SQL text; only this shape is ever interpolated.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
PIPELINE_STAGES = ("ingest", "stage", "enrich", "model", "check")


@dataclass(frozen=True)
class SparkConfig:
    master: str = "local[*]"
    app_name: str = "tweets-etl"
    shuffle_partitions: int = 8
    log_level: str = "WARN"
    conf: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WarehouseConfig:
    database: str = "chatgpt_tweets"
    table_format: str = "parquet"
    # embedded: Derby metastore and warehouse folder under the var dir (a laptop).
    # cluster: whatever hive-site.xml the cluster puts on Spark's classpath.
    metastore: str = "embedded"


# The defaults below are the only copy in code: SampleSpec takes its tweets and seed from
# PipelineConfig; CollectRequest, build_request and RetryPolicy theirs from CollectConfig.
@dataclass(frozen=True)
class PipelineConfig:
    inputs: Tuple[str, ...] = ()
    stages: Tuple[str, ...] = PIPELINE_STAGES
    sample_tweets: int = 3000
    sample_seed: int = 20221130
    fail_on_gate: bool = True


@dataclass(frozen=True)
class CollectConfig:
    query: str = '(chatgpt OR "chat gpt" OR #chatgpt) lang:en'
    include_retweets: bool = True
    max_tweets: int = 1000
    page_size: int = 100
    archive: bool = False
    rotate_bytes: int = 64 * 1024 * 1024
    max_rate_limit_wait_seconds: int = 905
    max_retries: int = 6


@dataclass(frozen=True)
class ShipConfig:
    transport: str = "local"
    host: Optional[str] = None
    port: int = 22
    user: Optional[str] = None
    identity_file: Optional[str] = None
    known_hosts: str = "~/.ssh/known_hosts"
    trust_new_host: bool = False
    remote_dir: str = "landing"  # with the local transport: VarLayout.landing, which `run` reads
    create_remote_dir: bool = False
    timeout_seconds: int = 30
    keepalive_seconds: int = 15
    retries: int = 4
    backoff_seconds: float = 2.0


@dataclass(frozen=True)
class SentimentConfig:
    backend: str = "vader"
    model_path: Optional[str] = None
    batch_size: int = 64


@dataclass(frozen=True)
class ServeConfig:
    port: int = 10000
    host: str = "127.0.0.1"


@dataclass(frozen=True)
class VarLayout:
    """What lives under VAR_DIR, the one folder for all runtime data: each folder's name is written here
    only, and the code reaches it through ``config.dirs`` (a typo is then an AttributeError, not a new
    folder). All of it is runtime data: `make clean-var` deletes VAR_DIR as a whole.

    Tweets go raw (collect, import) -> landing (ship, which then moves what it sent to shipped) ->
    loaded (run, once the batch is in the tables: their files in warehouse, their definitions in
    metastore). A few are written by shell or make rather than Python (logs, notebooks, the cron
    locks): they are named here all the same, and tests/unit/test_var_layout.py checks that scripts/
    and mk/ use these names.
    """

    root: Path

    @property
    def raw(self) -> Path:
        """Raw files (each finished one with its ``.manifest.json``) that `collect` and `import` write
        and `ship` sends; `run` with no input refuses the sample while files wait here."""
        return self.root / "raw"

    @property
    def shipped(self) -> Path:
        """Raw files, with their manifests, that `ship` moved out of raw once they arrived verified at
        the target: an archive, never deleted by the tool."""
        return self.root / "shipped"

    @property
    def landing(self) -> Path:
        """Where `ship` delivers with the local transport by default (``ship.remote_dir: landing`` is
        relative to VAR_DIR), and what `run` loads when given no input (see landing.py)."""
        return self.root / "landing"

    @property
    def loaded(self) -> Path:
        """``loaded/<batch id>/``: landing's files after `run` loaded their batch through its last stage,
        moved here so the next run sees only new files; `run --input` on one runs that batch again."""
        return self.root / "loaded"

    @property
    def recovered(self) -> Path:
        """The readable lines of damaged gzip inputs (``<hash of the path>/NAME.recovered``), which the
        pipeline writes and Spark reads in their place (io/raw.py)."""
        return self.root / "recovered"

    @property
    def rejects(self) -> Path:
        """Rows `import` could not turn into tweets, one JSON line each with the reason
        (``import-<UTC time>-<id>.jsonl``)."""
        return self.root / "rejects"

    @property
    def collect_state(self) -> Path:
        """``state/collect/<query id>.json`` (with its ``.lock`` and ``.spool.jsonl``): where `collect`
        resumes a query, written and read by `collect` only."""
        return self.root / "state" / "collect"

    @property
    def sample(self) -> Path:
        """The bundled sample's generated raw pages and their marker: `sample`, or `run` with no input
        and nothing delivered, writes them, and `run` reads them."""
        return self.root / "sample"

    @property
    def reports(self) -> Path:
        """`report`'s dashboard.html and dashboard.json, unless ``--out`` says otherwise."""
        return self.root / "reports"

    @property
    def locks(self) -> Path:
        """Lock files: `ship`'s ``ship-command.lock`` (ship/lock.py) and scripts/cron_run.sh's
        ``NAME.lock``, which must share this folder (ship/lock.py says why their names differ)."""
        return self.root / "locks"

    @property
    def logs(self) -> Path:
        """Run logs of scripts/cron_run.sh: ``logs/cron/NAME/NAME-<UTC time>.log`` and ``latest.log``."""
        return self.root / "logs"

    @property
    def notebooks(self) -> Path:
        """The executed copy of notebooks/explore.ipynb, with its plots, that `make notebook` writes."""
        return self.root / "notebooks"

    @property
    def bench(self) -> Path:
        """`make bench`: its generated inputs (``data/``, cached), the floor's Parquet output
        (``floor-parquet/``) and ``results.json``."""
        return self.root / "bench"

    @property
    def metastore(self) -> Path:
        """The embedded Derby metastore's home (``derby.system.home``, with derby.log), which
        build_spark creates; unused with ``warehouse.metastore: cluster``."""
        return self.root / "metastore"

    @property
    def metastore_db(self) -> Path:
        """Derby's database in the metastore home: the tables' definitions. While a JVM has it open,
        Derby locks ``dbex.lck`` in it, which metastore.py checks before Spark starts."""
        return self.metastore / "metastore_db"

    @property
    def warehouse(self) -> Path:
        """The tables' files with the embedded metastore (``spark.sql.warehouse.dir``): one folder per
        database and table, written by the pipeline's stages; a cluster's metastore keeps them elsewhere."""
        return self.root / "warehouse"


@dataclass(frozen=True)
class Config:
    env: str = "local"
    var_dir: str = "var"
    conf_dir: str = "conf"
    taxonomy_file: str = "taxonomy.yaml"
    spark: SparkConfig = field(default_factory=SparkConfig)
    warehouse: WarehouseConfig = field(default_factory=WarehouseConfig)
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    collect: CollectConfig = field(default_factory=CollectConfig)
    ship: ShipConfig = field(default_factory=ShipConfig)
    sentiment: SentimentConfig = field(default_factory=SentimentConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)

    # Everything a run writes lives below var_dir, so a run can be pointed anywhere.
    @property
    def var_path(self) -> Path:
        return Path(self.var_dir).expanduser().resolve()

    @property
    def dirs(self) -> VarLayout:
        """The folders below var_dir, by what they hold."""
        return VarLayout(self.var_path)

    @property
    def taxonomy_path(self) -> Path:
        path = Path(self.taxonomy_file).expanduser()
        return path if path.is_absolute() else Path(self.conf_dir) / path


def find_conf_dir(explicit: Optional[str] = None) -> Path:
    """Find base.yaml: explicit, $TWEETS_ETL_CONF_DIR, ./conf, . (spark-submit --files), the source
    checkout's conf/, and last the copy of it an installed package carries (tweets_etl/conf, see setup.py).
    """
    candidates = [explicit, os.environ.get(CONF_DIR_ENV), "conf", "."]
    package = Path(__file__).resolve().parent
    candidates += [str(package.parent / "conf"), str(package / "conf")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "base.yaml").is_file():
            return Path(candidate).resolve()
    if explicit:
        raise ConfigError(f"no base.yaml in --conf-dir {explicit}; point it at the project's conf/ folder")
    raise ConfigError("cannot find conf/base.yaml; run from the project folder or set TWEETS_ETL_CONF_DIR")


def load_config(
    env: Optional[str] = None,
    var_dir: Optional[str] = None,
    conf_dir: Optional[str] = None,
    overrides: Optional[Mapping[str, Any]] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> Config:
    """Build the one Config for this process.

    ``overrides`` maps dotted keys (``"spark.master"``) to values and wins over everything else.
    """
    environ = os.environ if environ is None else environ
    env = env or environ.get(ENV_NAME_ENV) or "local"
    if not _IDENTIFIER.match(env):
        raise ConfigError(f"--env {env!r} is not a valid environment name; use letters, digits and _")
    directory = find_conf_dir(conf_dir or environ.get(CONF_DIR_ENV))
    data: Dict[str, Any] = {}
    _deep_merge(data, _read_yaml(directory / "base.yaml"))
    env_file = directory / f"{env}.yaml"
    if not env_file.is_file():
        known = sorted(p.stem for p in directory.glob("*.yaml") if p.stem not in ("base", "taxonomy"))
        raise ConfigError(f"no config for --env {env}: {env_file} is missing (known: {', '.join(known)})")
    _deep_merge(data, _read_yaml(env_file))
    for name, raw in sorted(environ.items()):
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            parts = name[len(ENV_PREFIX) :].split("__")
            _override(data, parts, raw, source=name, fold_case=True)
    for key, value in (overrides or {}).items():
        if value is not None:
            _override(data, key.split("."), value, source=f"--set {key}", fold_case=False)
    data["env"] = env
    data["conf_dir"] = str(directory)
    data["var_dir"] = var_dir or environ.get(VAR_DIR_ENV) or data.get("var_dir") or "var"
    config = _build(Config, data, prefix="")
    validate(config)
    return config


def validate(config: Config) -> None:
    """Fail fast on values that would break later, naming the key and the fix."""
    identifier(config.warehouse.database, key="warehouse.database")
    _one_of(config.warehouse.table_format, ("parquet", "orc"), "warehouse.table_format")
    _one_of(config.warehouse.metastore, ("embedded", "cluster"), "warehouse.metastore")
    _one_of(config.ship.transport, ("local", "sftp"), "ship.transport")
    _one_of(config.sentiment.backend, ("vader", "transformer"), "sentiment.backend")
    if not config.pipeline.stages:
        raise ConfigError(
            f"pipeline.stages is empty; list the stages to run from {', '.join(PIPELINE_STAGES)}"
        )
    for stage in config.pipeline.stages:
        _one_of(stage, PIPELINE_STAGES, "pipeline.stages")
    _at_least(config.spark.shuffle_partitions, 1, "spark.shuffle_partitions")
    _at_least(config.pipeline.sample_tweets, 1, "pipeline.sample_tweets")
    _at_least(config.collect.max_tweets, 1, "collect.max_tweets")
    if not MIN_PAGE_SIZE <= config.collect.page_size <= MAX_PAGE_SIZE:
        raise ConfigError(
            f"collect.page_size is {config.collect.page_size}; "
            f"the X API accepts {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"
        )
    if not 1 <= config.ship.port <= 65535 or not 1 <= config.serve.port <= 65535:
        raise ConfigError("ship.port and serve.port must be TCP ports between 1 and 65535")


def identifier(value: str, *, key: str) -> str:
    """Return ``value`` if it is safe to use as a Hive database, table or column name."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ConfigError(
            f"{key} is {value!r}, which is not a valid Hive identifier; "
            "use letters, digits and underscores, starting with a letter or underscore"
        )
    return value


def _one_of(value: str, allowed: Tuple[str, ...], key: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{key} is {value!r}; choose one of: {', '.join(allowed)}")


def _at_least(value: int, minimum: int, key: str) -> None:
    if value < minimum:
        raise ConfigError(f"{key} is {value}; it must be at least {minimum}")


def _read_yaml(path: Path) -> Dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where} is not valid YAML; fix the syntax there") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a mapping of sections (spark:, warehouse:, ...)")
    return loaded


def _deep_merge(into: Dict[str, Any], update: Mapping[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _override(data: Dict[str, Any], parts: List[str], value: Any, *, source: str, fold_case: bool) -> None:
    """Set one override: ``parts`` is its key split at the dots (``--set``) or at ``__`` (variables)."""
    path, kind = _override_target(parts, source=source, fold_case=fold_case)
    if isinstance(value, str):
        value = _from_text(value, kind)
    node = data
    for index, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{source}: {'.'.join(path[: index + 1])} is a single value, not a section")
        node = child
    node[path[-1]] = value


def _override_target(parts: List[str], *, source: str, fold_case: bool) -> Tuple[List[str], Any]:
    """Where an override goes in the config's data, and the type of the field it sets there.

    Sections and keys are matched to the Config fields, case-insensitively for environment variables
    (their names are upper case by habit). Once the key reaches a mapping (``spark.conf``), the rest of
    it is one entry of that mapping, dots and case kept: ``spark.conf.spark.yarn.maxAppAttempts`` and
    ``TWEETS_ETL__SPARK__CONF__spark__yarn__maxAppAttempts`` both set ``spark.yarn.maxAppAttempts``.
    A name that is no field is kept as given, for ``_build`` to name as unknown.
    """
    kind: Any = Config
    path: List[str] = []
    for index, part in enumerate(parts):
        if dataclasses.is_dataclass(kind):
            name = part.lower() if fold_case else part
            hints = get_type_hints(kind)
            if name not in hints:
                return [*path, name, *parts[index + 1 :]], None
            path.append(name)
            kind = hints[name]
        elif get_origin(_required(kind)) in (dict, Dict):
            return [*path, ".".join(parts[index:])], get_args(_required(kind))[1]
        else:
            raise ConfigError(f"{source}: {'.'.join(path)} is a single value, not a section")
    return path, kind


def _from_text(text: str, kind: Any) -> Any:
    """An override's text, read as the field it sets needs it.

    Text fields take it verbatim: a query such as ``#chatgpt lang:en`` or ``chatgpt: good or bad``, a
    user named ``no``, a Spark setting. Lists of text take ``[a, b]`` or ``a,b``. Everything else (true,
    4, 2.5, ``{key: value}``) is read as YAML, as the config files are.
    """
    required = _required(kind)
    if kind is None or required is str:
        return text
    text_list = get_origin(required) in (tuple, Tuple) and get_args(required)[0] is str
    if text_list and not text.lstrip().startswith("["):
        return text
    if not text.strip():
        return ""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _required(kind: Any) -> Any:
    """``X`` for ``Optional[X]``, else ``kind`` itself."""
    if get_origin(kind) is Union:
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return options[0] if len(options) == 1 else kind
    return kind


def _build(cls: type, data: Any, *, prefix: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'} must be a mapping, not {type(data).__name__}")
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [key for key in data if key not in names]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"; did you mean {prefix}{close[0]}?" if close else f"; known keys: {', '.join(names)}"
        raise ConfigError(f"unknown config key {prefix}{key}{hint}")
    values = {key: _coerce(hints[key], value, f"{prefix}{key}") for key, value in data.items()}
    return cls(**values)


def _coerce(kind: Any, value: Any, key: str) -> Any:
    origin = get_origin(kind)
    if dataclasses.is_dataclass(kind):
        return _build(kind, value or {}, prefix=f"{key}.")
    if origin is Union:
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return None if value is None else _coerce(options[0], value, key)
    if origin in (tuple, Tuple):
        items = [value] if isinstance(value, str) else value
        if isinstance(value, str) and "," in value:
            items = [item.strip() for item in value.split(",") if item.strip()]
        if not isinstance(items, (list, tuple)):
            raise ConfigError(f"{key} must be a list, not {value!r}")
        return tuple(_coerce(get_args(kind)[0], item, key) for item in items)
    if origin in (dict, Dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{key} must be a mapping of names to values, not {value!r}")
        return {str(k): str(v) for k, v in value.items()}
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise ConfigError(f"{key} must be a whole number, not {value!r}")
        return int(value)
    if kind is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} must be a number, not {value!r}") from None
    if kind is str:
        if value is None or isinstance(value, (dict, list)):
            raise ConfigError(f"{key} must be a text value, not {value!r}")
        return str(value)
    return value
