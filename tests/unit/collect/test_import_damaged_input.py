"""Damaged inputs (a truncated .gz, a byte that is not UTF-8) never stop an import.

Each keeps what was readable before the damage, records the damage as a reject, and the next input
is imported all the same; the summary says what happened to each.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.raw_pages import read_pages
from tweets_etl.collect.importers import ImportOptions, ImportSummary, run_import, summary_lines


def truncated_gzip(content: bytes, keep: float = 0.5) -> bytes:
    """The gzip of ``content`` cut off part-way, as an interrupted download or copy leaves it."""
    whole = gzip.compress(content)
    return whole[: int(len(whole) * keep)]


def whole_lines_in(cut: bytes) -> int:
    """How many complete lines the cut-off gzip still holds (zlib decompresses what is there)."""
    return zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")


def import_files(tmp_path: Path, files: Dict[str, bytes], **options: Any) -> ImportSummary:
    sources = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        sources.append(str(tmp_path / name))
    return run_import(
        sources, ImportOptions(**options), out_dir=tmp_path / "raw", rejects_dir=tmp_path / "rejects"
    )


def rejects(summary: ImportSummary) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in summary.rejects_file.read_text(encoding="utf-8").splitlines()]


def twarc2_lines(count: int) -> bytes:
    # Lines that differ, so the gzip grows with every line and a cut falls between the first and last.
    pages = [
        {"data": [{"id": str(1600000000000000000 + n), "text": f"tweet {n} " + format(n**7, "x") * 40}]}
        for n in range(count)
    ]
    return b"".join(json.dumps(page).encode() + b"\n" for page in pages)


def v1_lines(count: int) -> bytes:
    tweets = [
        {
            "id_str": str(1600000000000000000 + n),
            "text": f"tweet {n} " + format(n**7, "x") * 40,
            "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        }
        for n in range(count)
    ]
    return b"".join(json.dumps(tweet).encode() + b"\n" for tweet in tweets)


def csv_rows(count: int) -> bytes:
    rows = "".join(
        f"2023-01-01 00:00:{n % 60:02d}+00:00,tweet {n} {format(n**7, 'x') * 40},,\n" for n in range(count)
    )
    return ("Date,Tweet,City,Country\n" + rows).encode()


@pytest.mark.parametrize(
    ("options", "content", "header_lines"),
    [
        ({"format": "twarc2"}, twarc2_lines(400), 0),
        ({"format": "v1"}, v1_lines(400), 0),
        ({"format": "csv", "preset": "kaggle"}, csv_rows(400), 1),
    ],
    ids=["twarc2", "v1", "csv"],
)
def test_a_truncated_gzip_keeps_its_whole_lines_and_the_next_input_is_imported(
    tmp_path, options, content, header_lines
):
    cut = truncated_gzip(content)
    kept = whole_lines_in(cut)
    assert 0 < kept < 400, "the cut falls between the first and the last line"
    name = "export.csv" if options["format"] == "csv" else "export.jsonl"

    summary = import_files(tmp_path, {f"cut-{name}.gz": cut, name: content}, **options)

    damaged, whole = summary.files
    assert not damaged.failed and not whole.failed
    assert damaged.tweets_written == kept - header_lines and whole.tweets_written == 400
    assert dict(damaged.rejected) == {"unreadable_file": 1}
    assert damaged.samples["unreadable_file"] == [f"from line {kept + 1}"]
    assert damaged.rows_read == damaged.tweets_written + damaged.rejected_total, "every row accounted for"
    by_input: Dict[str, List[str]] = {}
    for page in read_pages(tmp_path / "raw"):
        by_input.setdefault(page["__twarc"]["imported_from"], []).extend(t["text"] for t in page["data"])
    assert by_input[f"cut-{name}.gz"] == by_input[name][: damaged.tweets_written], "whole tweets, in order"
    (reject,) = rejects(summary)
    assert reject["source"] == f"cut-{name}.gz" and reject["reason"] == "unreadable_file"
    assert f"after {kept} complete line(s)" in reject["record"] and "EOFError" in reject["record"]
    lines = summary_lines(summary, tmp_path / "raw")
    assert f"  rejected unreadable_file: 1 (e.g. from line {kept + 1})" in lines
    assert lines[-2].startswith(f"total: {damaged.rows_read + whole.rows_read} row(s) read")


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"format": "twarc2"}, "x.jsonl.gz"),
        ({"format": "v1"}, "x.json.gz"),
        ({"format": "csv", "preset": "kaggle"}, "x.csv.gz"),
    ],
    ids=["twarc2", "v1", "csv"],
)
def test_a_gz_that_is_not_gzip_is_one_reject_not_a_crash(tmp_path, options, name):
    summary = import_files(tmp_path, {name: b"Date,Tweet,City,Country\n"}, **options)

    (stats,) = summary.files
    assert not stats.failed and stats.tweets_written == 0
    assert dict(stats.rejected) == {"unreadable_file": 1}
    assert stats.samples["unreadable_file"] == ["from line 1"]
    assert "BadGzipFile: Not a gzipped file" in rejects(summary)[0]["record"]


def test_a_v1_line_with_a_latin1_byte_is_rejected_alone(tmp_path):
    lines = v1_lines(3).splitlines(keepends=True)
    lines[1] = lines[1].replace(b"tweet 1 ", b"caf\xe9 ")

    summary = import_files(tmp_path, {"a.jsonl": b"".join(lines), "b.jsonl": v1_lines(2)}, format="v1")

    broken, following = summary.files
    assert dict(broken.rejected) == {"not_utf8": 1} and broken.samples["not_utf8"] == ["line 2"]
    assert broken.tweets_written == 2 and broken.rows_read == 3
    assert following.tweets_written == 2
    assert "\ufffd" in rejects(summary)[0]["record"], "the line is kept, its bad byte shown as U+FFFD"


def test_a_v1_json_array_that_is_not_utf8_or_is_cut_off_is_one_reject(tmp_path):
    tweet = json.loads(v1_lines(1))
    array = json.dumps([tweet, tweet]).encode()

    summary = import_files(
        tmp_path,
        {"latin1.json": array.replace(b"tweet 0", b"caf\xe9"), "cut.json.gz": truncated_gzip(array, 0.8)},
        format="v1",
    )

    latin1, cut = summary.files
    assert dict(latin1.rejected) == {"not_utf8": 1} and latin1.samples["not_utf8"] == ["whole file"]
    assert dict(cut.rejected) == {"unreadable_file": 1} and cut.samples["unreadable_file"] == ["whole file"]
    assert summary.tweets_written == 0 and not summary.failed
    assert rejects(summary)[0]["record"].startswith("byte 0xe9 at offset")


def test_an_import_stopped_by_an_unexpected_error_leaves_no_part_of_that_file(tmp_path, monkeypatch):
    from tweets_etl.collect.importers import v1

    converted = []

    def convert_then_fail(record):
        if len(converted) == 250:
            raise RuntimeError("a bug, a full disk or Ctrl-C")
        converted.append(record)
        return real_convert(record)

    real_convert = v1.convert
    monkeypatch.setattr(v1, "convert", convert_then_fail)

    with pytest.raises(RuntimeError):
        # rotate_bytes=1: every page is a finished raw file before the error comes.
        import_files(tmp_path, {"export.jsonl": v1_lines(400)}, format="v1", rotate_bytes=1)

    assert list((tmp_path / "raw").iterdir()) == [], "two finished files were taken back"
