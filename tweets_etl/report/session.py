"""Opening the warehouse for publishing: a Spark session, and a clear sentence when there is nothing to show."""

from __future__ import annotations

from tweets_etl.config import Config
from tweets_etl.errors import TweetsEtlError


class NoWarehouseError(TweetsEtlError):
    """The configured database has no star schema yet."""


def require_star_schema(spark, config: Config) -> None:
    """Fail with one sentence when the database has no fct_tweets (the pipeline has not run here)."""
    database = config.warehouse.database
    if not spark.catalog.tableExists(f"{database}.fct_tweets"):
        raise NoWarehouseError(
            f"no star schema in database {database} under {config.var_path}: run "
            f"`tweets-etl run --var-dir {config.var_path}` first (the bundled sample works)"
        )


def open_session(config: Config, *, app_name: str):
    """A Spark session on this config's warehouse (build_spark refuses a metastore in use elsewhere)."""
    from tweets_etl.spark import build_spark

    return build_spark(config, app_name=app_name)
