"""The whole pipeline into a real Hive database: contents, reconciliation, idempotency, incremental loads."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

from tests.integration.conftest import REPO, make_config
from tests.integration.helpers import count_raw, snapshot
from tweets_etl.errors import ConfigError, InputError, QualityGateError
from tweets_etl.io.warehouse import Warehouse
from tweets_etl.pipeline import run_pipeline
from tweets_etl.rawfiles import RawPageWriter
from tweets_etl.sample.generator import SampleSpec, write_sample
from tweets_etl.tables import DIM_USERS

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory) -> List[Path]:
    out = tmp_path_factory.mktemp("sample")
    return write_sample(out, SampleSpec(tweets=600, files=2, seed=7))


def table_count(spark, config, table: str, where: str = "") -> int:
    return spark.sql(f"SELECT COUNT(*) FROM {config.warehouse.database}.{table} {where}").first()[0]


def test_pipeline_loads_every_record_exactly_once(spark, pipeline_config, sample_files):
    accepted, rejects = count_raw(sample_files)
    result = run_pipeline(spark, pipeline_config, inputs=[str(sample_files[0].parent)])

    assert result.status == "succeeded" and result.is_reconciled
    assert result.counts["raw_records"] == len(accepted) + rejects
    assert result.counts["staged"] == len(set(accepted))
    assert result.counts["duplicates"] == len(accepted) - len(set(accepted)) > 0
    assert result.counts["rejects"] == rejects > 0
    assert table_count(spark, pipeline_config, "fct_tweets") == len(set(accepted))
    assert table_count(spark, pipeline_config, "raw_rejects") == rejects
    assert all(check.passed for check in result.checks)
    runs = spark.table(f"{pipeline_config.warehouse.database}.etl_runs").collect()
    assert [(run.status, run.is_reconciled) for run in runs] == [("succeeded", True)]
    recorded = spark.table(f"{pipeline_config.warehouse.database}.dq_results").collect()
    assert {(row.run_id, row.batch_id) for row in recorded} == {(result.run_id, result.batch_id)}
    assert sorted((row.check_name, row.failing_rows, row.passed) for row in recorded) == sorted(
        (check.check_name, 0, True) for check in result.checks
    )
    assert len(recorded) == len(result.checks) == len({row.check_name for row in recorded})


def test_ids_and_texts_are_stored_plain_and_repetitive_columns_as_dictionaries(
    spark, pipeline_config, sample_files
):
    import pyarrow.parquet as pq

    run_pipeline(spark, pipeline_config, inputs=[str(sample_files[0].parent)])
    table = spark.table(f"{pipeline_config.warehouse.database}.stg_tweets")
    # The file with the most rows: in a file of a row or two Parquet rightly falls back to plain
    # everywhere (a dictionary would cost more than it saves), and inputFiles() has no order.
    stored = [pq.ParquetFile(name.removeprefix("file:")).metadata for name in table.inputFiles()]
    largest = max(stored, key=lambda metadata: metadata.num_rows)
    assert largest.num_rows >= 50
    row_group = largest.row_group(0)
    encodings = {
        row_group.column(i).path_in_schema: row_group.column(i).encodings
        for i in range(row_group.num_columns)
    }

    for plain in ("tweet_id", "text", "created_at", "urls.list.element"):
        assert not any("DICTIONARY" in encoding for encoding in encodings[plain]), plain
    for repetitive in ("lang", "tweet_type", "source_file"):
        assert any("DICTIONARY" in encoding for encoding in encodings[repetitive]), repetitive


def test_star_schema_contents(spark, pipeline_config, sample_files):
    run_pipeline(spark, pipeline_config, inputs=[str(p) for p in sample_files])
    db = pipeline_config.warehouse.database
    orphans = spark.sql(
        f"SELECT COUNT(*) FROM {db}.fct_tweets f LEFT JOIN {db}.dim_users u ON f.user_key = u.user_key "
        "WHERE u.user_key IS NULL"
    ).first()[0]
    assert orphans == 0
    unknown = spark.sql(f"SELECT COUNT(*) FROM {db}.dim_users WHERE user_key = -1").first()[0]
    assert unknown == 1
    types = {row[0] for row in spark.sql(f"SELECT DISTINCT tweet_type FROM {db}.stg_tweets").collect()}
    assert types == {"original", "retweet", "quote", "reply"}
    retweet_text = spark.sql(
        f"SELECT text_source, COUNT(*) FROM {db}.stg_tweets WHERE tweet_type = 'retweet' GROUP BY 1"
    ).collect()
    assert {row[0] for row in retweet_text} == {"retweeted_tweet"}
    assert spark.sql(f"SELECT COUNT(*) FROM {db}.stg_tweets WHERE text LIKE '%&amp;%'").first()[0] == 0
    long_posts = spark.sql(f"SELECT COUNT(*) FROM {db}.stg_tweets WHERE text_source = 'note_tweet'").first()[
        0
    ]
    assert long_posts > 0
    # The tweet seen again in a later file keeps the fresher (higher) metrics, retweets too (the fact
    # leaves a retweet's counts out: they are its original's).
    repeated = spark.sql(
        f"SELECT tweet_id, MAX(like_count) AS most FROM {db}.raw_tweets GROUP BY tweet_id HAVING COUNT(*) > 1"
    )
    stale = repeated.join(spark.table(f"{db}.stg_tweets"), on="tweet_id", how="inner").where(
        "like_count IS DISTINCT FROM most"
    )
    assert repeated.count() > 0 and stale.count() == 0
    measured = spark.sql(
        f"SELECT s.tweet_type = 'retweet' AS is_retweet, f.like_count IS NULL AS no_likes, COUNT(*) "
        f"FROM {db}.fct_tweets f JOIN {db}.stg_tweets s ON f.tweet_id = s.tweet_id "
        "WHERE f.like_count IS NULL OR f.like_count = s.like_count GROUP BY 1, 2"
    ).collect()
    assert {(row[0], row[1]) for row in measured} == {(True, True), (False, False)}
    assert sum(row[2] for row in measured) == spark.table(f"{db}.fct_tweets").count()


def test_every_tweet_is_scored_and_classified(spark, pipeline_config, sample_files):
    from tweets_etl.io.warehouse import Warehouse
    from tweets_etl.summary import run_summary

    result = run_pipeline(spark, pipeline_config, inputs=[str(p) for p in sample_files])
    db = pipeline_config.warehouse.database
    unclassified = spark.sql(
        f"SELECT COUNT(*) FROM {db}.int_tweets_enriched WHERE sentiment_label IS NULL OR feedback_type IS NULL"
        " OR aspects IS NULL OR is_spam IS NULL"
    ).first()[0]
    assert unclassified == 0
    daily = spark.sql(
        f"SELECT SUM(tweets + spam_tweets_excluded), MIN(net_sentiment), MAX(net_sentiment) FROM {db}.mart_daily_sentiment"
    ).first()
    assert daily[0] == spark.table(f"{db}.fct_tweets").count()
    assert -1 <= daily[1] <= daily[2] <= 1
    aspects = {row[0] for row in spark.sql(f"SELECT aspect FROM {db}.mart_aspect_sentiment").collect()}
    assert {"coding", "availability", "accuracy", "pricing", "education"} <= aspects
    examples = spark.sql(f"SELECT DISTINCT feedback_type FROM {db}.mart_top_feedback").collect()
    assert {row[0] for row in examples} == {"complaint", "suggestion"}
    # The summary's hashtags leave spam out, as its other lines and the dashboard do.
    tagged = f"{db}.bridge_tweet_hashtags JOIN {db}.fct_tweets USING (tweet_id, created_date)"
    assert spark.sql(f"SELECT COUNT(*) FROM {tagged} WHERE is_spam").first()[0] > 0
    top = spark.sql(
        f"SELECT hashtag, COUNT(*) AS n FROM {tagged} JOIN {db}.dim_hashtags USING (hashtag_key)"
        " WHERE NOT is_spam GROUP BY hashtag ORDER BY n DESC, hashtag LIMIT 5"
    ).collect()
    summary = run_summary(result, Warehouse(spark, db))
    assert "  top hashtags (no spam): " + " · ".join(f"#{r.hashtag} {r.n:,}" for r in top) in summary


def test_rerunning_a_batch_changes_nothing(spark, pipeline_config, sample_files):
    inputs = [str(sample_files[0].parent)]
    first = run_pipeline(spark, pipeline_config, inputs=inputs)
    before = snapshot(spark, pipeline_config.warehouse.database)
    # The rerun dedupes over a window of every row (nothing may be broadcast), the first run ranked
    # only the repeated ids: both ways must give the same tables.
    threshold = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    try:
        second = run_pipeline(spark, pipeline_config, inputs=inputs)
    finally:
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", threshold)
    after = snapshot(spark, pipeline_config.warehouse.database)

    assert first.batch_id == second.batch_id
    assert before == after
    assert table_count(spark, pipeline_config, "etl_runs") == 2


def _page(tweets: List[dict], retrieved_at: str) -> dict:
    users = [{"id": "42", "username": "ada", "public_metrics": {"followers_count": 10 + len(retrieved_at)}}]
    return {"data": tweets, "includes": {"users": users}, "__twarc": {"retrieved_at": retrieved_at}}


def _tweet(tweet_id: str, created_at: str, likes: int) -> dict:
    return {
        "id": tweet_id,
        "text": f"ChatGPT test {tweet_id} #ChatGPT",
        "created_at": created_at,
        "author_id": "42",
        "lang": "en",
        "public_metrics": {"like_count": likes, "retweet_count": 0, "reply_count": 0, "quote_count": 0},
    }


def _write(directory: Path, name: str, pages: List[dict]) -> Path:
    with RawPageWriter(directory, prefix=name, producer="test") as writer:
        for page in pages:
            writer.write_page(page)
    return writer.finished[0]


def test_incremental_batch_updates_and_adds_without_duplicates(spark, pipeline_config, tmp_path):
    db = pipeline_config.warehouse.database
    day1 = [_tweet("1600000000000000001", "2022-12-06T10:00:00.000Z", 1)]
    day2 = [_tweet("1600000000000000002", "2022-12-07T10:00:00.000Z", 5)]
    first = _write(tmp_path / "b1", "b1", [_page(day1 + day2, "2022-12-08T00:00:00+00:00")])
    run_pipeline(spark, pipeline_config, inputs=[str(first)])
    untouched = Path(
        spark.sql(f"DESCRIBE FORMATTED {db}.fct_tweets").where("col_name = 'Location'").first()[1]
    )
    untouched = Path(str(untouched).replace("file:", "")) / "created_date=2022-12-07"
    files_before = sorted(p.name for p in untouched.iterdir())

    again = [_tweet("1600000000000000001", "2022-12-06T10:00:00.000Z", 9)]  # fresher metrics
    new = [_tweet("1600000000000000003", "2022-12-09T10:00:00.000Z", 2)]
    second = _write(tmp_path / "b2", "b2", [_page(again + new, "2022-12-10T00:00:00+00:00")])
    result = run_pipeline(spark, pipeline_config, inputs=[str(second)])

    likes = dict(spark.sql(f"SELECT tweet_id, like_count FROM {db}.fct_tweets").collect())
    assert likes == {"1600000000000000001": 9, "1600000000000000002": 5, "1600000000000000003": 2}
    assert result.counts["staged"] == 2 and result.is_reconciled
    followers = spark.sql(f"SELECT followers_count FROM {db}.dim_users WHERE user_id = '42'").first()[0]
    assert followers == 10 + len("2022-12-10T00:00:00+00:00")
    # Only the partitions this batch touched were rewritten.
    assert sorted(p.name for p in untouched.iterdir()) == files_before
    partitions = Counter(row[0] for row in spark.sql(f"SHOW PARTITIONS {db}.fct_tweets").collect())
    assert sorted(partitions) == [f"created_date=2022-12-0{day}" for day in (6, 7, 9)]


@pytest.fixture(scope="module")
def one_tweet_in_steps(spark, spark_var_dir, tmp_path_factory):
    """One tweet's batch in a database of its own, run in steps as an operator might: the later stages
    first (refused), then ingest, then the later stages. Shared: a full run costs the most here."""
    config = make_config(spark_var_dir, "it_one_tweet_in_steps")
    raw = _write(
        tmp_path_factory.mktemp("one-tweet"),
        "new",
        [_page([_tweet("1600000000000000009", "2022-12-06T10:00:00.000Z", 1)], "2022-12-08T00:00:00+00:00")],
    )
    later_stages = ["stage", "enrich", "model", "check"]
    refusal = None
    try:
        run_pipeline(spark, config, inputs=[str(raw)], stages=later_stages)
    except InputError as error:
        refusal = error
    refused_runs = spark.sql(f"SELECT status, message FROM {config.warehouse.database}.etl_runs").collect()
    ingested = run_pipeline(spark, config, inputs=[str(raw)], stages=["ingest"])
    later = run_pipeline(spark, config, inputs=[str(raw)], stages=later_stages)
    yield SimpleNamespace(
        config=config, raw=raw, refusal=refusal, refused_runs=refused_runs, ingested=ingested, later=later
    )
    spark.sql(f"DROP DATABASE IF EXISTS {config.warehouse.database} CASCADE")


def test_later_stages_refuse_a_batch_that_was_never_ingested(one_tweet_in_steps):
    # Without ingest they would read no records, write nothing and pass every gate: a silent success.
    steps = one_tweet_in_steps

    assert isinstance(steps.refusal, InputError)
    assert re.search(r"batch b[0-9a-f]{16} was never ingested", str(steps.refusal))
    runs = steps.refused_runs
    assert [run.status for run in runs] == ["failed"] and "never ingested" in runs[0].message
    later = steps.later
    assert later.batch_id == steps.ingested.batch_id and later.counts["staged"] == 1 and later.is_reconciled


def test_a_failed_gate_fails_the_run_and_is_recorded_unless_fail_on_gate_is_off(spark, one_tweet_in_steps):
    config, inputs = one_tweet_in_steps.config, [str(one_tweet_in_steps.raw)]
    db = config.warehouse.database
    # The author's dim_users row goes missing: the fact's user_key now points at nothing.
    warehouse = Warehouse(spark, db)
    warehouse.swap_in(warehouse.read(DIM_USERS).where("user_id IS DISTINCT FROM '42'"), DIM_USERS)
    broken = "relationship:fct_tweets.user_key->dim_users"

    with pytest.raises(QualityGateError, match=broken):
        run_pipeline(spark, config, inputs=inputs, stages=["check"])
    lenient = replace(config, pipeline=replace(config.pipeline, fail_on_gate=False))
    tolerated = run_pipeline(spark, lenient, inputs=inputs, stages=["check"])

    runs = spark.sql(
        f"SELECT run_id, status, message FROM {db}.etl_runs WHERE stages = array('check') ORDER BY started_at"
    ).collect()
    assert [(run.status, run.message) for run in runs] == [
        ("failed", f"data-quality gates failed: {broken}"),
        ("succeeded", None),
    ]
    assert runs[1].run_id == tolerated.run_id and tolerated.is_reconciled
    assert [check.check_name for check in tolerated.checks if not check.passed] == [broken]
    failed = spark.sql(
        f"SELECT run_id, check_name, failing_rows FROM {db}.dq_results WHERE NOT passed ORDER BY checked_at"
    ).collect()
    assert [tuple(row) for row in failed] == [(runs[0].run_id, broken, 1), (tolerated.run_id, broken, 1)]


def test_a_taxonomy_regex_java_refuses_stops_the_run_before_anything_is_written(
    spark, pipeline_config, sample_files, tmp_path
):
    # Python's re reads (?a) as a flag, Java's Pattern refuses it: only Java can tell.
    good = "        - (?<![a-z0-9_])(chatgpt|it) is (the best|so smart|a beast|insane)\n"
    taxonomy = (REPO / "conf" / "taxonomy.yaml").read_text(encoding="utf-8")
    assert good in taxonomy
    (tmp_path / "taxonomy.yaml").write_text(taxonomy.replace(good, good + "        - (?a)best ever\n"))
    config = replace(pipeline_config, taxonomy_file=str(tmp_path / "taxonomy.yaml"))

    with pytest.raises(ConfigError, match=r"regexes\[2\] '\(\?a\)best ever' is not a valid Java regular"):
        run_pipeline(spark, config, inputs=[str(sample_files[0].parent)])

    assert table_count(spark, config, "raw_records") == 0
    assert [row.status for row in spark.table(f"{config.warehouse.database}.etl_runs").collect()] == [
        "failed"
    ]


def test_the_summary_names_tweets_modelled_without_enrich_as_not_yet_judged(
    spark, pipeline_config, sample_files
):
    from tweets_etl.io.warehouse import Warehouse
    from tweets_etl.summary import run_summary

    result = run_pipeline(
        spark, pipeline_config, inputs=[str(sample_files[0])], stages=["ingest", "stage", "model"]
    )
    lines = run_summary(result, Warehouse(spark, pipeline_config.warehouse.database))

    sentiment = next(line for line in lines if line.startswith("  sentiment: "))
    feedback = next(line for line in lines if line.startswith("  feedback: "))
    # No positive or negative tweet: net sentiment is n/a, as on the dashboard, not +0.00.
    assert sentiment.startswith(
        "  sentiment: positive 0% · neutral 0% · negative 0% · unscored 0% · not yet judged 100% · net n/a "
    )
    assert feedback.startswith("  feedback: not yet judged ") and "unknown" not in feedback
