"""The ``tweets-etl`` command: one entry point, one sub-command per job (see ``tweets-etl --help``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from types import ModuleType
from typing import List, Optional, Sequence

from tweets_etl import __version__
from tweets_etl.config import load_config
from tweets_etl.errors import TweetsEtlError, describe
from tweets_etl.logs import redact, setup_logging

# Each module in tweets_etl.commands registers one sub-command and says where it sorts in --help
# (ORDER). They import their heavy dependencies (pyspark, tweepy, paramiko) inside the handler, so
# --help stays instant and the collector box, which has no Java, can still run `collect` and `ship`.

DESCRIPTION = """\
What people say about ChatGPT on X: collect raw API pages, ship them to the edge node, and build a
Kimball star schema in Hive with Spark.

typical flow:
  tweets-etl collect            raw X API v2 pages -> var/raw (needs X_BEARER_TOKEN)
  tweets-etl ship               var/raw -> edge node landing folder over SFTP
  tweets-etl run                landing -> Hive: ingest, stage, enrich, model, check
  tweets-etl report             marts -> var/reports/dashboard.html
"""


def common_options() -> argparse.ArgumentParser:
    """Options every sub-command takes: where config comes from and where runtime data goes."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("common options")
    # argparse states no default here: each help says where the value comes from when the option is left out.
    group.add_argument(
        "--env",
        help="config environment: conf/ENV.yaml over conf/base.yaml (default: $TWEETS_ETL_ENV, else local)",
    )
    group.add_argument(
        "--var-dir",
        help="folder for all runtime data (default: $TWEETS_ETL_VAR_DIR, else the config's var_dir: var)",
    )
    group.add_argument(
        "--conf-dir",
        help="folder with base.yaml and ENV.yaml (default: $TWEETS_ETL_CONF_DIR, else the first of ./conf, "
        ". and the package's own conf/ that holds base.yaml)",
    )
    group.add_argument(
        "--set",
        dest="config_set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key, e.g. --set spark.shuffle_partitions=4 or "
        "--set spark.conf.spark.executor.memory=8g (repeatable)",
    )
    group.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    group.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tweets-etl", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"tweets-etl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parents = [common_options()]
    for module in command_modules():
        module.register(subparsers, parents)
    return parser


def command_modules() -> List[ModuleType]:
    import tweets_etl.commands as package

    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda module: (getattr(module, "ORDER", 100), module.__name__))


def parse_overrides(pairs: Sequence[str]) -> dict:
    """``--set`` pairs as text; load_config reads each value as the field it sets needs it."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise TweetsEtlError(f"--set {pair!r} must look like section.key=value")
        overrides[key.strip()] = value
    return overrides


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(-1 if args.quiet else args.verbose)
    try:
        config = load_config(
            env=args.env,
            var_dir=args.var_dir,
            conf_dir=args.conf_dir,
            overrides=parse_overrides(args.config_set),
        )
        return int(args.handler(args, config) or 0)
    except TweetsEtlError as error:
        # Printed, not logged, so the log filter never sees it: an error may quote a URL or a header.
        print(redact(f"tweets-etl {args.command}: error: {error}"), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"tweets-etl {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the last line of defence: one sentence, then the detail
        logging.getLogger("tweets_etl").debug("unexpected failure", exc_info=True)
        print(
            redact(
                f"tweets-etl {args.command}: unexpected error: {describe(error, limit=300)} "
                "(run again with -v for the full trace)"
            ),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
