"""`tweets-etl ship` as a user runs it with the embedded default: local transport into VAR_DIR/landing."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tweets_etl.cli import main
from tweets_etl.rawfiles import RawPageWriter
from tweets_etl.ship.lock import ship_lock

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("TWEETS_ETL"):
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def write_raw(folder: Path, prefix: str = "tweets") -> Path:
    with RawPageWriter(folder, prefix=prefix, producer="test") as writer:
        writer.write_page({"data": [{"id": "1598374637812736000", "text": "chatgpt"}], "meta": {}})
    return writer.finished[0]


def test_default_ships_var_raw_into_var_landing_and_archives(tmp_path, capsys):
    raw = write_raw(tmp_path / "raw")

    code = main(["ship", "--var-dir", str(tmp_path), "--no-progress"])

    out = capsys.readouterr().out
    assert code == 0
    assert f"1 of 1 file arrived at {tmp_path / 'landing'}" in out
    assert (tmp_path / "landing" / raw.name).read_bytes() == (tmp_path / "shipped" / raw.name).read_bytes()
    assert (tmp_path / "landing" / f"{raw.name}.manifest.json").is_file()


def test_nothing_to_ship_is_success(tmp_path, capsys):
    assert main(["ship", "--var-dir", str(tmp_path)]) == 0
    assert "nothing to send" in capsys.readouterr().out


def test_dry_run_lists_and_sends_nothing(tmp_path, capsys):
    raw = write_raw(tmp_path / "raw")

    code = main(["ship", "--var-dir", str(tmp_path), "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0
    assert "would send 1 file" in out and raw.name in out and str(tmp_path / "landing") in out
    assert not (tmp_path / "landing").exists() and raw.exists()


def test_a_missing_source_folder_is_one_sentence_and_exit_1(tmp_path, capsys):
    code = main(["ship", str(tmp_path / "nope"), "--var-dir", str(tmp_path)])

    assert code == 1
    assert "is not a folder" in capsys.readouterr().err


def test_sftp_without_a_host_is_a_config_error(tmp_path, capsys):
    write_raw(tmp_path / "raw")

    code = main(["ship", "--var-dir", str(tmp_path), "--transport", "sftp"])

    assert code == 2
    assert "ship.host is not set" in capsys.readouterr().err


def test_a_local_target_outside_the_var_dir_must_exist(tmp_path, capsys):
    write_raw(tmp_path / "var" / "raw")
    mount = tmp_path / "nfs" / "landing"

    code = main(["ship", "--var-dir", str(tmp_path / "var"), "--remote-dir", str(mount)])

    assert code == 3
    assert "does not exist" in capsys.readouterr().err
    assert not mount.exists()


def test_held_back_files_are_named_with_the_way_to_ship_them(tmp_path, capsys):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "export.csv").write_text("Date,Tweet\n")

    assert main(["ship", "--var-dir", str(tmp_path)]) == 0
    assert "1 held back" in capsys.readouterr().out

    assert main(["ship", "--var-dir", str(tmp_path), "--include-unmanifested", "--no-progress"]) == 0
    manifest = json.loads((tmp_path / "landing" / "export.csv.manifest.json").read_text())
    assert manifest["bytes"] == len("Date,Tweet\n")


def test_help_documents_exit_codes_and_the_secrets_variables():
    out = subprocess.run(
        [sys.executable, "-m", "tweets_etl.cli", "ship", "--help"], capture_output=True, text=True, cwd=REPO
    ).stdout
    for text in (
        "exit codes:",
        "TWEETS_ETL_SFTP_PASSWORD",
        "TWEETS_ETL_SFTP_KEY_PASSPHRASE",
        "--trust-new-host",
    ):
        assert text in out


def test_shipping_never_imports_pyspark_and_local_shipping_not_even_paramiko(tmp_path):
    write_raw(tmp_path / "raw")
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from tweets_etl.ship.plan import plan_shipment
        from tweets_etl.ship.shipper import Shipper
        from tweets_etl.ship.transport import LocalTransport
        import tweets_etl.commands.ship

        report = Shipper(LocalTransport, {str(tmp_path / "landing")!r}, create_remote_dir=True, progress=False).ship(
            plan_shipment(Path({str(tmp_path / "raw")!r}))
        )
        assert report.all_arrived, report.summary()
        assert "paramiko" not in sys.modules, "local shipping imported paramiko"
        import tweets_etl.ship.sftp, tweets_etl.ship.hostkeys
        assert "pyspark" not in sys.modules, "tweets_etl.ship imported pyspark"
        print("clean")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clean"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is absent")
def test_a_target_write_error_fails_one_file_and_the_summary_still_prints(tmp_path, capsys):
    first = write_raw(tmp_path / "raw", prefix="a")
    write_raw(tmp_path / "raw", prefix="b")
    (tmp_path / "landing").mkdir()
    # /dev/full answers every write with ENOSPC, as a full landing disk would.
    (tmp_path / "landing" / f".{first.name}.manifest.json.part").symlink_to("/dev/full")

    code = main(["ship", "--var-dir", str(tmp_path), "--no-progress"])

    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "ship: 1 of 2 files arrived" in captured.out
    assert f"FAILED         {first.name}" in captured.out and "no space left on device" in captured.out
    assert "unexpected error" not in captured.err


@contextmanager
def lock_held_elsewhere(var_dir: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the ship lock with the same code a running ship uses."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from tweets_etl.ship.lock import ship_lock

        with ship_lock(Path({str(var_dir / "locks")!r})):
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def test_a_second_ship_exits_at_once_while_another_holds_the_lock(tmp_path, capsys):
    raw = write_raw(tmp_path / "raw")

    with lock_held_elsewhere(tmp_path) as holder:
        started = time.monotonic()
        code = main(["ship", "--var-dir", str(tmp_path), "--no-progress"])
        waited = time.monotonic() - started
        dry_run = main(["ship", "--var-dir", str(tmp_path), "--dry-run"])

    err = capsys.readouterr().err
    assert code == 1 and waited < 5
    assert f"error: another ship is running (pid {holder.pid});" in err
    assert str(tmp_path / "locks" / "ship-command.lock") in err and len(err.strip().splitlines()) == 1
    assert raw.exists() and not (tmp_path / "landing").exists()
    assert dry_run == 0, "a dry run writes nothing, so it needs no lock"

    assert main(["ship", "--var-dir", str(tmp_path), "--no-progress"]) == 0
    assert (tmp_path / "landing" / raw.name).is_file()


def test_the_lock_is_released_when_a_ship_ends_with_an_error(tmp_path, capsys):
    write_raw(tmp_path / "raw")
    (tmp_path / "landing").write_text("not a folder")

    assert main(["ship", "--var-dir", str(tmp_path), "--no-progress"]) == 3
    with ship_lock(tmp_path / "locks"):
        pass


def test_a_ship_run_by_cron_run_is_not_locked_out_by_cron_runs_own_lock(tmp_path):
    raw = write_raw(tmp_path / "raw")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWEETS_ETL")}

    done = subprocess.run(
        [
            str(REPO / "scripts" / "cron_run.sh"),
            "--var-dir",
            str(tmp_path),
            "ship",
            "--",
            sys.executable,
            "-m",
            "tweets_etl.cli",
            "ship",
            "--var-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    log = (tmp_path / "logs" / "cron" / "ship" / "latest.log").read_text()
    assert done.returncode == 0, log
    assert (tmp_path / "landing" / raw.name).is_file()
