"""find_raw_files and prepare_inputs: which files a batch reads, its id, and what happens to damaged gzips."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import random
import zlib
from pathlib import Path
from typing import List

import pytest
from chispa import assert_df_equality

from tests.frames import in_order
from tweets_etl.errors import InputError
from tweets_etl.io.raw import RawFile, UnreadableFile, find_raw_files, prepare_inputs, read_raw_lines


def page_line(tweet_id: int) -> bytes:
    """One raw page line, the same for the same id. Its random text compresses poorly, so a few
    bytes of deflate data never hold a whole line."""
    text = "".join(random.Random(tweet_id).choices("abcdefghijklmnopqrstuvwxyz ", k=300))
    page = {"data": [{"id": str(1598000000000000000 + tweet_id), "text": text}], "meta": {"result_count": 1}}
    return (json.dumps(page) + "\n").encode()


def gzip_with_known_cut(path: Path, complete: List[bytes], rest: List[bytes]) -> int:
    """Write a gzip of ``complete`` + ``rest``; return the byte offset up to which ``complete`` decodes.

    A sync flush after ``complete`` ends a deflate block there, so cutting the file at (or just past)
    that offset leaves exactly the ``complete`` lines recoverable.
    """
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(b"".join(complete)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    tail = compressor.compress(b"".join(rest)) + compressor.flush()
    path.write_bytes(head + tail)
    return len(head)


def local(*paths: Path) -> List[RawFile]:
    """The raw files of local paths, as run_pipeline finds them."""
    return find_raw_files([str(path) for path in paths])


def write_manifest(path: Path, sha256: str) -> None:
    manifest = {"file": path.name, "pages": 1, "bytes": path.stat().st_size, "sha256": sha256}
    path.with_name(path.name + ".manifest.json").write_text(json.dumps(manifest))


# find_raw_files --------------------------------------------------------------------------------


def test_find_raw_files_takes_raw_files_and_skips_hidden_part_and_manifest_files(tmp_path):
    names = [
        "search-0001.jsonl.gz",
        "search-0001.jsonl.gz.manifest.json",
        ".search-0002.jsonl.gz.part",
        ".hidden.jsonl",
        "export.jsonl.part",
        "notes.txt",
        "sub/twarc.jsonl",
        "sub/stream.ndjson.gz",
        "sub/page.json",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"{}\n")

    found = find_raw_files([str(tmp_path), str(tmp_path / "sub" / "page.json")])

    expected = ["search-0001.jsonl.gz", "sub/page.json", "sub/stream.ndjson.gz", "sub/twarc.jsonl"]
    assert found == [RawFile(str((tmp_path / name).resolve()), 3) for name in expected]


def test_find_raw_files_names_a_missing_path(tmp_path):
    missing = tmp_path / "no-such-folder"

    with pytest.raises(InputError, match=f"input {missing} does not exist.*--input"):
        find_raw_files([str(missing)])


def test_find_raw_files_says_when_a_folder_has_no_raw_files(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to see")
    (tmp_path / "x.jsonl.gz.manifest.json").write_text("{}")

    with pytest.raises(InputError, match="no raw files"):
        find_raw_files([str(tmp_path)])


def test_a_dangling_symbolic_link_among_raw_files_is_an_input_error_naming_it(tmp_path):
    (tmp_path / "search-0001.jsonl").write_bytes(page_line(1))
    (tmp_path / "search-0002.jsonl.gz").symlink_to(tmp_path / "gone" / "search-0002.jsonl.gz")

    with pytest.raises(
        InputError, match=r"search-0002\.jsonl\.gz is a symbolic link to .*gone.*which does not"
    ):
        find_raw_files([str(tmp_path)])


# remote inputs, listed through Hadoop's FileSystem (file:/ is Hadoop's LocalFileSystem) ----------


def landed_day(folder: Path) -> Path:
    """A landed day as land_to_hdfs.sh leaves it, with what an upload in flight and a stray file add."""
    files = {
        "collect-0001.jsonl.gz": gzip.compress(page_line(1)),
        "collect-0002.jsonl.gz": gzip.compress(page_line(2) + page_line(3)),
        "import/twarc.jsonl": page_line(4),
        "_manifests/collect-0001.jsonl.gz.manifest.json": b"{}",
        "_manifests/stray.jsonl": page_line(5),
        ".hidden/old.jsonl": page_line(6),
        ".collect-0003.jsonl.gz.part": b"in flight",
        "collect-0004.jsonl.part": b"in flight",
        "collect-0002.jsonl.gz.manifest.json": b"{}",
        "notes.txt": b"not raw",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.spark
def test_a_remote_folder_is_its_raw_files_listed_through_hadoop(spark, tmp_path):
    day = landed_day(tmp_path / "landed_date=2026-11-24")

    found = find_raw_files([f"file://{day}"], spark)

    names = ["collect-0001.jsonl.gz", "collect-0002.jsonl.gz", "import/twarc.jsonl"]
    assert found == [RawFile(f"file:{day}/{name}", (day / name).stat().st_size) for name in names]
    assert [file.name for file in found] == ["collect-0001.jsonl.gz", "collect-0002.jsonl.gz", "twarc.jsonl"]


@pytest.mark.spark
def test_a_remote_folder_has_one_batch_id_whatever_form_its_uri_takes(spark, tmp_path):
    day = landed_day(tmp_path / "landed_date=2026-11-24")
    recovery = tmp_path / "recovered"

    def fingerprint(entry: str) -> str:
        return prepare_inputs(find_raw_files([entry], spark), recovery_dir=recovery).batch_fingerprint

    # What Oozie passes and what make daily passes are two forms of one folder; a local path to the
    # same files (same names and sizes) is the same batch too.
    before = fingerprint(f"file://{day}")
    assert fingerprint(f"file:{day}/") == before
    assert fingerprint(str(day)) == before
    # A file landed later makes it another batch: its raw records are not those of the first.
    (day / "collect-0005.jsonl.gz").write_bytes(gzip.compress(page_line(7)))
    assert fingerprint(f"file://{day}") != before


@pytest.mark.spark
def test_a_remote_input_that_is_missing_or_holds_no_raw_files_is_an_input_error(spark, tmp_path):
    (tmp_path / "empty" / "_manifests").mkdir(parents=True)
    (tmp_path / "empty" / "_manifests" / "x.jsonl.gz.manifest.json").write_text("{}")

    with pytest.raises(InputError, match=f"input file://{tmp_path}/nope does not exist"):
        find_raw_files([f"file://{tmp_path}/nope"], spark)
    with pytest.raises(InputError, match="no raw files"):
        find_raw_files([f"file://{tmp_path}/empty"], spark)


@pytest.mark.spark
def test_the_lines_of_remote_files_are_read_with_their_names(spark, tmp_path):
    day = landed_day(tmp_path / "landed_date=2026-11-24")

    inputs = prepare_inputs(find_raw_files([f"file://{day}/"], spark), recovery_dir=tmp_path / "recovered")
    lines = read_raw_lines(spark, inputs)

    rows = [
        (page_line_text(1), "collect-0001.jsonl.gz"),
        (page_line_text(2), "collect-0002.jsonl.gz"),
        (page_line_text(3), "collect-0002.jsonl.gz"),
        (page_line_text(4), "twarc.jsonl"),
    ]
    expected = spark.createDataFrame(rows, "value string, source_file string")
    assert_df_equality(in_order(lines), in_order(expected), ignore_nullable=True)


# prepare_inputs --------------------------------------------------------------------------------


def test_whole_gzip_is_read_as_it_is(tmp_path):
    raw = tmp_path / "search-0001.jsonl.gz"
    raw.write_bytes(gzip.compress(page_line(1) + page_line(2)))

    inputs = prepare_inputs(local(raw), recovery_dir=tmp_path / "recovered")

    assert (inputs.paths, inputs.names, inputs.unreadable) == ([str(raw)], [raw.name], [])
    assert not (tmp_path / "recovered").exists()


@pytest.mark.parametrize("extra_bytes", [0, 6], ids=["cut-at-block-end", "cut-inside-next-line"])
def test_truncated_gzip_is_replaced_by_its_complete_lines_and_reported(tmp_path, extra_bytes):
    complete = [page_line(1), page_line(2), page_line(3)]
    raw = tmp_path / "search-0001.jsonl.gz"
    cut = gzip_with_known_cut(raw, complete, [page_line(4), page_line(5)])
    raw.write_bytes(raw.read_bytes()[: cut + extra_bytes])

    inputs = prepare_inputs(local(raw), recovery_dir=tmp_path / "recovered")

    # In a folder named by a hash of the original's path; not .gz (Spark would decompress it).
    [recovered] = (tmp_path / "recovered").glob("*/search-0001.jsonl.gz.recovered")
    assert inputs.paths == [str(recovered)]
    assert inputs.names == [raw.name]
    assert recovered.read_bytes() == b"".join(complete)
    [problem] = inputs.unreadable
    assert problem.name == raw.name
    assert "after 3 complete lines" in problem.detail


def test_file_that_is_not_gzip_at_all_is_reported_with_nothing_recovered(tmp_path):
    raw = tmp_path / "search-0001.jsonl.gz"
    raw.write_bytes(page_line(1))

    inputs = prepare_inputs(local(raw), recovery_dir=tmp_path / "recovered")

    [recovered] = (tmp_path / "recovered").glob("*/search-0001.jsonl.gz.recovered")
    assert inputs.paths == [str(recovered)]
    assert recovered.read_bytes() == b""
    assert [u.name for u in inputs.unreadable] == [raw.name]
    assert "after 0 complete lines" in inputs.unreadable[0].detail


@pytest.mark.parametrize(
    "manifest",
    [b'{"sha256": "abc", "pages": ', b"\xff\xfe not UTF-8", b'["not", "an", "object"]'],
    ids=["cut-json", "not-utf8", "json-list"],
)
def test_a_manifest_that_cannot_be_used_counts_as_absent_and_the_gzip_is_checked(tmp_path, caplog, manifest):
    whole = tmp_path / "whole.jsonl.gz"
    whole.write_bytes(gzip.compress(page_line(1)))
    damaged = tmp_path / "damaged.jsonl.gz"
    cut = gzip_with_known_cut(damaged, [page_line(2)], [page_line(3)])
    damaged.write_bytes(damaged.read_bytes()[:cut])
    for path in (whole, damaged):
        path.with_name(path.name + ".manifest.json").write_bytes(manifest)

    with caplog.at_level(logging.WARNING):
        inputs = prepare_inputs(local(whole, damaged), recovery_dir=tmp_path / "recovered")

    [recovered] = (tmp_path / "recovered").glob("*/damaged.jsonl.gz.recovered")
    assert inputs.paths == [str(recovered), str(whole)]
    assert [u.name for u in inputs.unreadable] == ["damaged.jsonl.gz"]
    warned = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(f"{whole}.manifest.json" in message for message in warned)
    assert any(f"{damaged}.manifest.json" in message for message in warned)


def test_damaged_gzips_with_one_name_in_two_folders_each_keep_their_recovered_lines(tmp_path):
    first, second = tmp_path / "n1" / "part-0001.jsonl.gz", tmp_path / "n2" / "part-0001.jsonl.gz"
    for path, ids in ((first, [1, 2]), (second, [3])):
        path.parent.mkdir()
        cut = gzip_with_known_cut(path, [page_line(i) for i in ids], [page_line(9)])
        path.write_bytes(path.read_bytes()[:cut])

    inputs = prepare_inputs(local(tmp_path), recovery_dir=tmp_path / "recovered")

    assert len(set(inputs.paths)) == 2
    assert [Path(p).read_bytes() for p in inputs.paths] == [page_line(1) + page_line(2), page_line(3)]
    assert inputs.names == [first.name, second.name]
    assert [u.detail.split(" (")[0] for u in inputs.unreadable] == [
        "gzip stream broken after 2 complete lines",
        "gzip stream broken after 1 complete lines",
    ]


def test_gzip_whose_manifest_sha256_matches_is_trusted_without_decompressing(tmp_path):
    # The probe: a gzip that cannot be decompressed to the end. Decompressing it would report it as
    # damaged and swap in a recovered copy; trusting its manifest leaves it untouched.
    trusted = tmp_path / "trusted.jsonl.gz"
    cut = gzip_with_known_cut(trusted, [page_line(1)], [page_line(2)])
    trusted.write_bytes(trusted.read_bytes()[:cut])
    write_manifest(trusted, hashlib.sha256(trusted.read_bytes()).hexdigest())
    # The same bytes under a manifest that does not match them are checked, and found damaged.
    stale = tmp_path / "stale.jsonl.gz"
    stale.write_bytes(trusted.read_bytes())
    write_manifest(stale, hashlib.sha256(b"what the collector wrote").hexdigest())

    inputs = prepare_inputs(local(trusted, stale), recovery_dir=tmp_path / "recovered")

    [recovered] = (tmp_path / "recovered").glob("*/stale.jsonl.gz.recovered")
    assert inputs.paths == [str(recovered), str(trusted)]
    assert [u.name for u in inputs.unreadable] == ["stale.jsonl.gz"]


def test_batch_fingerprint_is_stable_and_changes_when_a_file_changes(tmp_path):
    first, second = tmp_path / "a" / "search-0001.jsonl", tmp_path / "b" / "search-0001.jsonl"
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(page_line(1))
    other = tmp_path / "a" / "search-0002.jsonl"
    other.write_bytes(page_line(2))
    recovery = tmp_path / "recovered"

    def fingerprint(*paths: Path) -> str:
        files = [RawFile(str(path), path.stat().st_size) for path in paths]
        return prepare_inputs(files, recovery_dir=recovery).batch_fingerprint

    before = fingerprint(first, other)
    # The same files again, or the same files in another folder (another machine): the same batch.
    assert fingerprint(first, other) == before
    assert fingerprint(second, other) == before
    assert fingerprint(first) != before
    renamed = other.rename(other.with_name("search-0003.jsonl"))
    assert fingerprint(first, renamed) != before
    with open(first, "ab") as handle:
        handle.write(page_line(3))
    assert fingerprint(first, renamed) != fingerprint(second, renamed)


def test_batch_fingerprint_does_not_depend_on_the_folder_layout(tmp_path):
    # z.jsonl comes first by full path in nested/, last in flat/.
    files = {"nested/x/z.jsonl": 1, "nested/y/a.jsonl": 22, "flat/z.jsonl": 1, "flat/a.jsonl": 22}
    for name, tweet_id in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(page_line(tweet_id))
    recovery = tmp_path / "recovered"

    nested = prepare_inputs(local(tmp_path / "nested"), recovery_dir=recovery).batch_fingerprint
    flat = prepare_inputs(local(tmp_path / "flat"), recovery_dir=recovery).batch_fingerprint

    assert nested == flat


def test_a_one_folder_batch_keeps_the_id_it_had_when_files_were_hashed_in_path_order(tmp_path):
    day = tmp_path / "day"
    day.mkdir()
    for number, name in enumerate(["search-0002.jsonl.gz", "a.jsonl", "search-0001.jsonl.gz", "B.ndjson"]):
        (day / name).write_bytes(
            gzip.compress(page_line(number)) if name.endswith(".gz") else page_line(number)
        )
    # The formula before (name, size) order: files sorted by full path, one NAME\0SIZE line each.
    old = hashlib.sha256()
    for path in sorted(str(p) for p in day.iterdir()):
        old.update(f"{Path(path).name}\0{Path(path).stat().st_size}\n".encode())

    inputs = prepare_inputs(local(day), recovery_dir=tmp_path / "recovered")

    assert inputs.batch_fingerprint == old.hexdigest()


@pytest.mark.spark
def test_lines_of_a_recovered_file_keep_the_original_file_name(spark, tmp_path):
    raw = tmp_path / "search-0001.jsonl.gz"
    cut = gzip_with_known_cut(raw, [page_line(1), page_line(2)], [page_line(3)])
    raw.write_bytes(raw.read_bytes()[:cut])
    whole = tmp_path / "search-0002.jsonl"
    whole.write_bytes(page_line(4) + b"\n" + page_line(5).replace(b"\n", b"\r\n"))

    inputs = prepare_inputs(local(raw, whole), recovery_dir=tmp_path / "recovered")
    lines = read_raw_lines(spark, inputs)

    rows = [
        (page_line_text(1), raw.name),
        (page_line_text(2), raw.name),
        (page_line_text(4), whole.name),
        ("", whole.name),
        (page_line_text(5), whole.name),
    ]
    assert inputs.unreadable == [UnreadableFile(raw.name, inputs.unreadable[0].detail)]
    expected = spark.createDataFrame(rows, "value string, source_file string")
    assert_df_equality(in_order(lines), in_order(expected), ignore_nullable=True)


@pytest.mark.spark
def test_a_file_named_like_a_damaged_gzip_without_gz_keeps_its_own_name(spark, tmp_path):
    damaged = tmp_path / "x.jsonl.gz"
    cut = gzip_with_known_cut(damaged, [page_line(1)], [page_line(2)])
    damaged.write_bytes(damaged.read_bytes()[:cut])
    plain = tmp_path / "x.jsonl"
    plain.write_bytes(page_line(3))

    inputs = prepare_inputs(local(damaged, plain), recovery_dir=tmp_path / "recovered")
    lines = read_raw_lines(spark, inputs)

    rows = [(page_line_text(1), "x.jsonl.gz"), (page_line_text(3), "x.jsonl")]
    expected = spark.createDataFrame(rows, "value string, source_file string")
    assert_df_equality(in_order(lines), in_order(expected), ignore_nullable=True)


def page_line_text(tweet_id: int) -> str:
    return page_line(tweet_id).decode().rstrip("\n")


@pytest.mark.spark
def test_a_zero_byte_gzip_is_read_as_an_empty_file(spark, tmp_path):
    # Python reads a 0-byte .gz as empty, and so does Spark 3.5: it plans no split for a 0-byte file,
    # so Hadoop's gzip codec (which would throw EOFException on it) never opens it.
    empty = tmp_path / "search-0001.jsonl.gz"
    empty.write_bytes(b"")
    whole = tmp_path / "search-0002.jsonl.gz"
    whole.write_bytes(gzip.compress(page_line(1)))

    inputs = prepare_inputs(local(empty, whole), recovery_dir=tmp_path / "recovered")
    alone = prepare_inputs(local(empty), recovery_dir=tmp_path / "recovered")

    assert (inputs.paths, inputs.unreadable) == ([str(empty), str(whole)], [])
    assert [tuple(row) for row in read_raw_lines(spark, inputs).collect()] == [
        (page_line_text(1), whole.name)
    ]
    assert read_raw_lines(spark, alone).collect() == []
