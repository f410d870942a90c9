"""`tweets-etl sample`: what it writes, what it reuses, and what it never touches."""

from __future__ import annotations

import json
from pathlib import Path

from tweets_etl.cli import main
from tweets_etl.sample.generator import generator_fingerprint

COLLECTED = ("collect-20261124T010000Z-0001.jsonl.gz", "collect-20261124T010000Z-0001.jsonl.gz.manifest.json")


def _sample(out: Path, *args: str) -> int:
    var_dir = str(out.parent / "var")
    return main(["sample", "--out", str(out), "--tweets", "200", "--files", "2", "--var-dir", var_dir, *args])


def _contents(folder: Path) -> dict:
    return {path.name: path.read_bytes() if path.is_file() else "folder" for path in folder.iterdir()}


def test_a_folder_of_other_files_is_refused_in_one_line_and_left_as_it_was(tmp_path, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in COLLECTED:
        (landing / name).write_bytes(b"collected tweets")
    (landing / "notes").mkdir()
    before = _contents(landing)

    assert _sample(landing) == 1

    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(landing) in err and "not a sample folder" in err
    assert _contents(landing) == before


def test_a_new_sample_replaces_the_generators_files_and_nothing_else(tmp_path):
    out = tmp_path / "sample"
    assert _sample(out, "--seed", "5") == 0
    first = {name for name in _contents(out) if name.startswith("sample-")}
    (out / "mine.txt").write_text("kept")  # put there after the sample was made
    (out / f".{sorted(first)[0]}.part").write_bytes(b"a file the generator was writing when stopped")

    assert _sample(out, "--seed", "6") == 0

    after = _contents(out)
    assert after["mine.txt"] == b"kept"
    assert not any(name.endswith(".part") for name in after)
    assert {name for name in after if name.startswith("sample-")} == first  # same names, new bytes
    assert len(after) == len(first) + 2  # and the marker


def test_an_empty_folder_or_one_holding_only_a_stopped_sample_is_filled(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert _sample(out) == 0
    (out / ".sample.json").unlink()  # a run stopped before it wrote the marker

    assert _sample(out) == 0
    assert (out / ".sample.json").is_file()


def test_seed_zero_is_a_seed(tmp_path):
    assert _sample(tmp_path / "zero", "--seed", "0") == 0
    assert _sample(tmp_path / "default") == 0

    assert '"seed": 0' in (tmp_path / "zero" / ".sample.json").read_text()
    assert _contents(tmp_path / "zero") != _contents(tmp_path / "default")


def test_no_tweets_or_no_files_is_refused_in_one_line(tmp_path, capsys):
    for option in ("--tweets", "--files"):
        out = tmp_path / option.strip("-")
        code = main(["sample", "--out", str(out), option, "0", "--var-dir", str(tmp_path / "var")])

        err = capsys.readouterr().err.strip()
        assert code == 2 and err.count("\n") == 0
        assert f"{option} is 0; it must be at least 1" in err
        assert not out.exists()


def test_a_sample_made_by_another_generator_is_made_again(tmp_path):
    out = tmp_path / "sample"
    assert _sample(out) == 0
    made = _contents(out)
    marker = json.loads((out / ".sample.json").read_text())
    marker.pop("generator", None)
    # What the generator before this one left: its marker knew nothing of the generator, and its
    # files were not these.
    (out / ".sample.json").write_text(json.dumps(marker))
    damaged = next(name for name in made if name.endswith(".jsonl.gz"))
    (out / damaged).write_bytes(b"an older generator's bytes")

    assert _sample(out) == 0
    assert _contents(out) == made
    assert json.loads((out / ".sample.json").read_text())["generator"] == generator_fingerprint()
