"""Hive tables: DDL from the data dictionary, partition overwrites, and stage-then-swap rewrites.

Writes go through ``insertInto`` with dynamic partition overwrite, so a batch replaces exactly the
partitions its data touches and leaves the rest of a table alone. A table that must be rewritten
from itself (a dimension merged with its new members) is first written to ``<table>__next``, then
swapped in: Spark cannot overwrite a table it is reading in the same plan. A swap a run did not
finish is finished by the next one (see :meth:`Warehouse.finish_interrupted_swaps`).
"""

from __future__ import annotations

import logging
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.config import identifier
from tweets_etl.errors import TweetsEtlError
from tweets_etl.marts import MARTS, sql_string
from tweets_etl.tables import RAW_VIEWS, TABLES, Table, View

log = logging.getLogger(__name__)
FINGERPRINT_PROPERTY = "tweets_etl.fingerprint"
# Set on a table's ``__next`` copy once the copy is whole: from then on it, not the table, is the truth.
SWAP_READY_PROPERTY = "tweets_etl.swap_ready"
_STAGING_SUFFIX = "__next"
# The views ensure() creates: raw_records read two ways, then the marts.
WAREHOUSE_VIEWS = (*RAW_VIEWS, *MARTS)


class SchemaDriftError(TweetsEtlError):
    """A table in Hive, or a DataFrame about to be written, does not match the data dictionary."""


def create_table_sql(db: str, table: Table, table_format: str, name: Optional[str] = None) -> str:
    columns = ",\n  ".join(
        f"`{field.name}` {field.dataType.simpleString()}"
        f" COMMENT {sql_string(field.metadata.get('comment', ''))}"
        for field in table.schema.fields
    )
    partition = f"\nPARTITIONED BY ({table.partition_by})" if table.partition_by else ""
    return (
        f"CREATE TABLE IF NOT EXISTS {db}.{name or table.name} (\n  {columns}\n)\n"
        f"USING {table_format}{partition}\nCOMMENT {sql_string(table.comment)}"
    )


def create_view_sql(db: str, view: View) -> str:
    """Create ``view`` in ``db``, or replace it with this definition, comment included."""
    head = f"CREATE OR REPLACE VIEW {db}.{view.name} COMMENT {sql_string(view.comment)} AS"
    return f"{head}\n{view.sql.format(db=db)}"


def _shape(schema: T.StructType) -> List[tuple]:
    """Names and types, ignoring nullability and comments (Spark relaxes nullability on write)."""
    return [(field.name, field.dataType.simpleString()) for field in schema.fields]


class Warehouse:
    """The pipeline's Hive database and every table in it."""

    def __init__(self, spark: SparkSession, database: str, table_format: str = "parquet") -> None:
        self.spark = spark
        self.db = identifier(database, key="warehouse.database")
        self.format = table_format

    def name(self, table: str) -> str:
        return f"{self.db}.{identifier(table, key='table name')}"

    def ensure(self, tables: Iterable[Table] = (), views: Optional[Sequence[View]] = None) -> None:
        """Create the database and the given tables (default: all) if missing, and create or refresh
        the given views (default: :data:`WAREHOUSE_VIEWS`)."""
        self.spark.sql(
            f"CREATE DATABASE IF NOT EXISTS {self.db} COMMENT 'What people say about ChatGPT on X'"
        )
        for table in list(tables) or list(TABLES.values()):
            if self.exists(table.name):
                self._check_drift(table)
            else:
                self.spark.sql(create_table_sql(self.db, table, self.format))
        for view in WAREHOUSE_VIEWS if views is None else views:
            self.spark.sql(create_view_sql(self.db, view))
        self.finish_interrupted_swaps()

    def finish_interrupted_swaps(self) -> List[str]:
        """Finish, or undo, every swap an earlier run left half done; the names of the tables finished.

        Overwriting an unpartitioned table deletes its files before writing the new ones, so a run
        that dies there leaves the table empty, and the next run would rebuild a dimension from its
        own batch alone. The whole copy is still in ``<table>__next``, marked ready: the swap is
        finished from it. A copy not marked ready died while being written, before the table was
        touched: it is dropped.
        """
        finished = []
        for row in self.spark.sql(f"SHOW TABLES IN {self.db} LIKE '*{_STAGING_SUFFIX}'").collect():
            staging = row["tableName"]
            table = staging[: -len(_STAGING_SUFFIX)]
            if table in TABLES and self._is_swap_ready(staging):
                log.warning("finishing the swap of %s that an earlier run left half done", self.name(table))
                self._copy_back(TABLES[table])
                finished.append(table)
            else:
                self.spark.sql(f"DROP TABLE IF EXISTS {self.name(staging)}")
        return finished

    def _is_swap_ready(self, staging: str) -> bool:
        return self._properties(staging).get(SWAP_READY_PROPERTY) == "true"

    def _properties(self, table: str) -> Dict[str, str]:
        return {row[0]: row[1] for row in self.spark.sql(f"SHOW TBLPROPERTIES {self.name(table)}").collect()}

    def exists(self, table: str) -> bool:
        return self.spark.catalog.tableExists(f"{self.db}.{table}")

    def _check_drift(self, table: Table) -> None:
        stored = self.spark.table(self.name(table.name)).schema
        if _shape(stored) != _shape(table.schema):
            missing = sorted(set(table.columns) - set(stored.fieldNames()))
            raise SchemaDriftError(
                f"table {self.name(table.name)} was created by another version of tweets-etl "
                f"(columns differ{': missing ' + ', '.join(missing) if missing else ''}); drop it "
                "(it is rebuilt from raw files) or set warehouse.database to a new database"
            )

    def read(self, table: Table) -> DataFrame:
        return self.spark.table(self.name(table.name))

    def read_partitions(self, table: Table, values: Sequence[object]) -> DataFrame:
        """Rows of ``table`` whose partition value is one of ``values`` (a few days: a short list).

        A literal list prunes partitions when the query is planned, from the metastore alone: no
        Spark job has to compute the values again for every query that reads the table.
        """
        return self.read(table).where(F.col(table.partition_by).isin(list(values)))

    def has_partitions(self, table: Table, values: Sequence[object]) -> bool:
        """Whether ``table`` already holds any of these partition values (metadata only, no data read)."""
        existing = {
            row[0].split("=", 1)[1]
            for row in self.spark.sql(f"SHOW PARTITIONS {self.name(table.name)}").collect()
        }
        return bool(existing & {str(value) for value in values})

    def conform(self, df: DataFrame, table: Table) -> DataFrame:
        """Columns in the table's order; refuse anything that would change the table's shape."""
        missing = [name for name in table.columns if name not in df.columns]
        extra = [name for name in df.columns if name not in table.columns]
        if missing or extra:
            raise SchemaDriftError(
                f"{table.name}: DataFrame columns differ (missing {missing}, unexpected {extra})"
            )
        ordered = df.select(*table.columns)
        if _shape(ordered.schema) != _shape(table.schema):
            diffs = [
                f"{a[0]} {a[1]} != {b[1]}"
                for a, b in zip(_shape(ordered.schema), _shape(table.schema))
                if a != b
            ]
            raise SchemaDriftError(
                f"{table.name}: column types differ from the dictionary: {'; '.join(diffs)}"
            )
        return ordered

    def overwrite_partitions(self, df: DataFrame, table: Table) -> None:
        """Replace exactly the partitions present in ``df`` (the whole table when unpartitioned)."""
        self.conform(df, table).write.insertInto(self.name(table.name), overwrite=True)

    def append(self, df: DataFrame, table: Table) -> None:
        self.conform(df, table).write.insertInto(self.name(table.name), overwrite=False)

    def replace_if_changed(
        self, build: Callable[[Optional[DataFrame]], DataFrame], table: Table, fingerprint: str
    ) -> bool:
        """Rebuild a reference table (see :meth:`rebuild`) only when what it is built from changed;
        True if it was written.

        The fingerprint of its content is kept as a table property, so unchanged reference data
        (calendar, taxonomy, sentiment bands) costs one metadata look-up per run, not a write.
        """
        name = self.name(table.name)
        if self._properties(table.name).get(FINGERPRINT_PROPERTY) == fingerprint:
            return False
        self.rebuild(table, build)
        self.spark.sql(
            f"ALTER TABLE {name} SET TBLPROPERTIES ('{FINGERPRINT_PROPERTY}' = {sql_string(fingerprint)})"
        )
        return True

    def rebuild(self, table: Table, build: Callable[[Optional[DataFrame]], DataFrame]) -> None:
        """Rewrite ``table`` as ``build(its current rows)``. An empty table is built from ``None``
        and written directly: with nothing to read, there is nothing to stage and swap."""
        current = self.read(table)
        if current.isEmpty():
            self.overwrite_partitions(build(None), table)
        else:
            self.swap_in(build(current), table)

    def swap_in(self, df: DataFrame, table: Table) -> None:
        """Rewrite ``table`` (or the partitions in ``df``) from a plan that reads the table itself.

        The copy is marked ready only once it is whole, and only then is the table overwritten
        from it: whenever a run dies, either the table or a ready copy holds every row.
        """
        staging = self.name(f"{table.name}{_STAGING_SUFFIX}")
        self.spark.sql(f"DROP TABLE IF EXISTS {staging}")
        self.spark.sql(create_table_sql(self.db, table, self.format, name=f"{table.name}{_STAGING_SUFFIX}"))
        self.conform(df, table).write.insertInto(staging, overwrite=True)
        self.spark.sql(f"ALTER TABLE {staging} SET TBLPROPERTIES ('{SWAP_READY_PROPERTY}' = 'true')")
        self._copy_back(table)

    def _copy_back(self, table: Table) -> None:
        """Overwrite ``table`` (the partitions its ready copy holds) from the copy, then drop the copy."""
        staging = self.name(f"{table.name}{_STAGING_SUFFIX}")
        self.spark.table(staging).write.insertInto(self.name(table.name), overwrite=True)
        self.spark.sql(f"DROP TABLE IF EXISTS {staging}")

    def count(self, table: Table) -> int:
        return self.read(table).count()
