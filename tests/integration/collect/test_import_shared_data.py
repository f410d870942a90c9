"""`tweets-etl import` on the real exports in ../shared/data: every row accounted for."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from collections import Counter

import pytest

from tests.raw_pages import read_pages
from tweets_etl.cli import main
from tweets_etl.collect.importers.common import SYNTHETIC_ID_BASE
from tweets_etl.rawfiles import read_manifest


@pytest.fixture
def cli(tmp_path, repo_root):
    def run(*args: str) -> int:
        return main(
            ["import", "--var-dir", str(tmp_path / "var"), "--conf-dir", str(repo_root / "conf"), *args]
        )

    return run


def test_kaggle_csvs_every_row_becomes_a_tweet_with_its_place(cli, shared_data, tmp_path, capsys):
    folder = shared_data / "chatgpt_tweets_csv"
    expected = Counter()
    for path in folder.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        expected.update((row["Tweet"], row["Date"][:10] + "T" + row["Date"][11:19] + ".000Z") for row in rows)

    assert cli("--format", "csv", "--preset", "kaggle", str(folder)) == 0

    out = capsys.readouterr().out
    assert f"total: {sum(expected.values())} row(s) read, {sum(expected.values())} tweet(s) written" in out
    raw = tmp_path / "var" / "raw"
    pages = read_pages(raw)
    tweets = [t for page in pages for t in page["data"]]
    assert Counter((t["text"], t["created_at"]) for t in tweets) == expected
    assert all(t["id"].isdigit() and int(t["id"]) >= SYNTHETIC_ID_BASE for t in tweets)
    assert len({t["id"] for t in tweets}) == len(tweets)
    assert max(len(page["data"]) for page in pages) == 100
    for page in pages:
        places = {p["id"]: p for p in page["includes"]["places"]}
        for tweet in page["data"]:
            assert "author_id" not in tweet
            if "geo" in tweet:
                assert places[tweet["geo"]["place_id"]]["country"]
    manifests = [read_manifest(path) for path in raw.glob("*.jsonl.gz")]
    assert sum(m["tweets"] for m in manifests) == len(tweets)
    assert {m["imported_from"] for m in manifests} == {p.name for p in folder.glob("*.csv")}


def test_reimporting_a_csv_gives_the_same_ids(cli, shared_data, tmp_path):
    source = shared_data / "chatgpt_tweets_csv" / "Oceania.csv"
    assert cli("--format", "csv", "--preset", "kaggle", str(source), "--out", str(tmp_path / "one")) == 0
    assert (
        cli(
            "--format",
            "csv",
            "--columns",
            "text=Tweet,created_at=Date,city=City,country=Country",
            str(source),
            "--out",
            str(tmp_path / "two"),
        )
        == 0
    )

    first = [t["id"] for p in read_pages(tmp_path / "one") for t in p["data"]]
    second = [t["id"] for p in read_pages(tmp_path / "two") for t in p["data"]]
    assert first == second and len(first) == 315


def test_v1_examples_keep_full_text_retweets_quotes_places_and_source(cli, shared_data, tmp_path):
    source = shared_data / "x_api_v1_1" / "original_format_examples.json"
    originals = {json.loads(line)["id_str"]: json.loads(line) for line in source.read_text().splitlines()}

    assert cli("--format", "v1", str(source)) == 0

    (page,) = read_pages(tmp_path / "var" / "raw")
    tweets = {t["id"]: t for t in page["data"]}
    assert set(tweets) == set(originals)
    extended = tweets["867474613139156993"]
    assert extended["text"] == originals["867474613139156993"]["extended_tweet"]["full_text"]
    assert len(extended["text"]) > 140
    retweet = tweets["867478524235366400"]
    assert retweet["referenced_tweets"] == [{"type": "retweeted", "id": "861651727614746624"}]
    included = {t["id"]: t for t in page["includes"]["tweets"]}
    assert (
        included["861651727614746624"]["text"] == originals["867478524235366400"]["retweeted_status"]["text"]
    )
    assert tweets["872836479608733696"]["referenced_tweets"] == [
        {"type": "quoted", "id": "872836379595620353"}
    ]
    assert {t["source"] for t in tweets.values()} == {"Twitter Web Client", "Twitter for iPhone"}
    assert tweets["887453193294282752"]["created_at"] == "2017-07-18T23:25:04.000Z"
    places = {p["id"] for p in page["includes"]["places"]}
    assert {t["geo"]["place_id"] for t in tweets.values() if "geo" in t} <= places
    assert page["__twarc"]["imported_from"] == "original_format_examples.json"


def test_broken_v1_payloads_are_reported_not_crashing(cli, shared_data, tmp_path, capsys):
    folder = shared_data / "x_api_v1_1" / "broken_and_unsupported_payloads"

    assert cli("--format", "v1", str(folder)) == 0

    out = capsys.readouterr().out
    assert (
        "activity_streams_missing_field.json: 1 row(s) read, 0 tweet(s) written in 0 page(s), 1 rejected"
        in out
    )
    assert "rejected activity_streams_unsupported: 1 (e.g. line 1)" in out
    assert "total: 26 row(s) read, 25 tweet(s) written" in out
    pages = read_pages(tmp_path / "var" / "raw")
    by_file = {p["__twarc"]["imported_from"]: p for p in pages}
    assert "author_id" not in by_file["original_format_missing_user.json"]["data"][0]
    rejects_file = next((tmp_path / "var" / "rejects").glob("import-*.jsonl"))
    (reject,) = [json.loads(line) for line in rejects_file.read_text().splitlines()]
    assert reject["source"] == "activity_streams_missing_field.json" and reject["record"]["verb"] == "post"


def test_twarc2_pages_pass_through_unchanged_and_a_truncated_line_is_rejected(
    cli, shared_data, tmp_path, capsys
):
    folder = shared_data / "x_api_v2_pages"

    assert cli("--format", "twarc2", str(folder)) == 0

    out = capsys.readouterr().out
    assert (
        "streaming_output_with_error.jsonl: 8 row(s) read, 7 tweet(s) written in 7 page(s), 1 rejected" in out
    )
    assert "empty.json: 0 row(s) read" in out
    pages = read_pages(tmp_path / "var" / "raw")
    kpop = json.loads((folder / "kpop.jsonl").read_text())
    (imported,) = [p for p in pages if p["__twarc"]["imported_from"] == "kpop.jsonl"]
    assert {k: v for k, v in imported.items() if k != "__twarc"} == {
        k: v for k, v in kpop.items() if k != "__twarc"
    }
    assert {k: imported["__twarc"][k] for k in kpop["__twarc"]} == kpop["__twarc"]
    stream = [p for p in pages if p["__twarc"]["imported_from"] == "streaming_output_with_error.jsonl"]
    assert all(isinstance(p["data"], list) and len(p["data"]) == 1 for p in stream)


def cut_gzip(content: bytes, keep: float = 0.5) -> bytes:
    """The gzip of ``content`` cut off part-way, as an interrupted download or copy leaves it."""
    whole = gzip.compress(content)
    return whole[: int(len(whole) * keep)]


def whole_lines_in(cut: bytes) -> int:
    return zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")


def test_a_truncated_gzip_of_real_pages_keeps_its_whole_pages_and_the_import_goes_on(
    cli, shared_data, tmp_path, capsys
):
    folder = shared_data / "x_api_v2_pages"
    # Small pages first, so the cut falls after several whole pages and before the big ones.
    sources = sorted(
        (p for p in folder.glob("*.jsonl") if p.name != "streaming_output_with_error.jsonl"),
        key=lambda p: p.stat().st_size,
    )
    content = b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in sources)
    damaged = tmp_path / "pages.jsonl.gz"
    damaged.write_bytes(cut_gzip(content))
    kept = whole_lines_in(damaged.read_bytes())
    assert 0 < kept < len(content.splitlines())

    assert cli("--format", "twarc2", str(damaged), str(folder / "kpop.jsonl")) == 0

    out = capsys.readouterr().out
    assert f"pages.jsonl.gz: {kept + 1} row(s) read" in out and ", 1 rejected" in out
    assert f"  rejected unreadable_file: 1 (e.g. from line {kept + 1})" in out
    assert "kpop.jsonl: 1 row(s) read, 100 tweet(s) written in 1 page(s), 0 rejected" in out
    pages = read_pages(tmp_path / "var" / "raw")
    imported = [p for p in pages if p["__twarc"]["imported_from"] == "pages.jsonl.gz"]
    originals = [json.loads(line) for line in content.splitlines()[:kept]]
    strip = lambda page: {k: v for k, v in page.items() if k != "__twarc"}  # noqa: E731
    assert [strip(p) for p in imported] == [strip(p) for p in originals]
    rejects_file = next((tmp_path / "var" / "rejects").glob("import-*.jsonl"))
    (reject,) = [json.loads(line) for line in rejects_file.read_text().splitlines()]
    assert reject["reason"] == "unreadable_file" and "EOFError" in reject["record"]


def test_v1_a_truncated_gzip_and_a_latin1_byte_cost_only_what_they_damaged(
    cli, shared_data, tmp_path, capsys
):
    sample = shared_data / "x_api_v1_1" / "broken_and_unsupported_payloads" / "public_api_sample.json"
    damaged = tmp_path / "sample.json.gz"
    damaged.write_bytes(cut_gzip(sample.read_bytes()))
    kept = whole_lines_in(damaged.read_bytes())
    examples = (shared_data / "x_api_v1_1" / "original_format_examples.json").read_bytes().splitlines()
    examples[3] = examples[3].replace(b'"text":"', b'"text":"caf\xe9 ', 1)
    latin1 = tmp_path / "examples.json"
    latin1.write_bytes(b"\n".join(examples) + b"\n")
    assert b"\xe9" in examples[3] and 0 < kept < 20

    assert cli("--format", "v1", str(damaged), str(latin1)) == 0

    out = capsys.readouterr().out
    assert f"sample.json.gz: {kept + 1} row(s) read, {kept} tweet(s) written in 1 page(s), 1 rejected" in out
    assert f"  rejected unreadable_file: 1 (e.g. from line {kept + 1})" in out
    assert "examples.json: 25 row(s) read, 24 tweet(s) written in 1 page(s), 1 rejected" in out
    assert "  rejected not_utf8: 1 (e.g. line 4)" in out
    assert f"total: {kept + 1 + 25} row(s) read, {kept + 24} tweet(s) written" in out


def test_csv_a_truncated_gzip_keeps_every_whole_row(cli, shared_data, tmp_path, capsys):
    source = shared_data / "chatgpt_tweets_csv" / "Oceania.csv"
    damaged = tmp_path / "Oceania.csv.gz"
    damaged.write_bytes(cut_gzip(source.read_bytes()))
    kept_lines = whole_lines_in(damaged.read_bytes())
    reader = csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline=""))
    next(reader)
    # A quoted tweet spans lines: a row is whole when its last line is.
    whole_rows = [row[1] for row in reader if reader.line_num <= kept_lines]

    assert cli("--format", "csv", "--preset", "kaggle", str(damaged)) == 0

    out = capsys.readouterr().out
    assert f"Oceania.csv.gz: {len(whole_rows) + 1} row(s) read, {len(whole_rows)} tweet(s) written" in out
    assert "  rejected unreadable_file: 1 (e.g. from line" in out
    tweets = [t for p in read_pages(tmp_path / "var" / "raw") for t in p["data"]]
    assert [t["text"] for t in tweets] == [text.replace("\r\n", "\n") for text in whole_rows]


def test_v1_an_integer_id_above_2_53_without_id_str_is_rejected(cli, shared_data, tmp_path, capsys):
    source = (
        shared_data / "x_api_v1_1" / "broken_and_unsupported_payloads" / "original_format_missing_field.json"
    )
    record = json.loads(source.read_text())
    # The file has both; its integer id is already the JavaScript-rounded one, 40 away from the real id.
    assert record["id"] != int(record["id_str"]) and float(record["id"]) == float(record["id_str"])
    without_str = tmp_path / "javascript_export.json"
    without_str.write_text(json.dumps({k: v for k, v in record.items() if k != "id_str"}) + "\n")

    assert cli("--format", "v1", str(source), str(without_str)) == 0

    out = capsys.readouterr().out
    assert "original_format_missing_field.json: 1 row(s) read, 1 tweet(s) written" in out
    assert "javascript_export.json: 1 row(s) read, 0 tweet(s) written in 0 page(s), 1 rejected" in out
    assert "  rejected id_unsafe_integer: 1 (e.g. line 1)" in out
    (page,) = read_pages(tmp_path / "var" / "raw")
    assert page["data"][0]["id"] == record["id_str"], "id_str wins over the rounded integer"


def test_a_refreshed_kaggle_export_keeps_its_synthetic_ids(cli, shared_data, tmp_path):
    source = shared_data / "chatgpt_tweets_csv" / "Oceania.csv"
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    # The same tweets exported again later: the places (from user profiles) changed or are gone.
    refreshed = tmp_path / "Oceania-refreshed.csv"
    with open(refreshed, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [rows[0]] + [[date, text, "", "Australia"] for date, text, *_ in rows[1:]]
        )

    assert cli("--format", "csv", "--preset", "kaggle", str(source), "--out", str(tmp_path / "one")) == 0
    assert cli("--format", "csv", "--preset", "kaggle", str(refreshed), "--out", str(tmp_path / "two")) == 0

    first = [t["id"] for p in read_pages(tmp_path / "one") for t in p["data"]]
    second = [t["id"] for p in read_pages(tmp_path / "two") for t in p["data"]]
    assert first == second and len(set(first)) == 315


def test_import_cli_errors_are_one_sentence(cli, tmp_path, capsys):
    assert cli("--format", "csv", "--preset", "nope", str(tmp_path)) == 2
    assert "unknown --preset 'nope'; known presets: kaggle" in capsys.readouterr().err
    assert cli("--format", "v1", str(tmp_path / "missing.json")) == 1
    assert f"input {tmp_path / 'missing.json'} does not exist" in capsys.readouterr().err


def test_v1_files_given_as_twarc2_are_rejected_and_the_summary_says_use_format_v1(
    cli, shared_data, tmp_path, capsys
):
    examples = shared_data / "x_api_v1_1" / "original_format_examples.json"
    sample = shared_data / "x_api_v1_1" / "broken_and_unsupported_payloads" / "public_api_sample.json"

    assert cli("--format", "twarc2", str(examples), str(sample)) == 1

    out = capsys.readouterr().out
    assert (
        "original_format_examples.json: 25 row(s) read, 0 tweet(s) written in 0 page(s), 25 rejected" in out
    )
    assert "public_api_sample.json: 20 row(s) read, 0 tweet(s) written in 0 page(s), 20 rejected" in out
    assert out.count("; X API v1.1 tweets, not v2: import them with --format v1") == 2
    assert not list((tmp_path / "var" / "raw").glob("*.jsonl.gz")), "nothing of them reaches a page"


def test_a_folder_import_names_the_subfolder_and_the_other_file_it_skipped(cli, shared_data, capsys):
    folder = shared_data / "x_api_v1_1"

    assert cli("--format", "v1", str(folder)) == 0

    out = capsys.readouterr().out
    assert (
        f"note: {folder}: skipped 1 subfolder (broken_and_unsupported_payloads/) and 1 file of another kind "
        "(UPSTREAM_LICENSE); name them to import them"
    ) in out
    assert "total: 25 row(s) read, 25 tweet(s) written" in out
