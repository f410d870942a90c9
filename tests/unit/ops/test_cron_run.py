"""scripts/cron_run.sh for real: lock, timeout, a log per run, the command's exit code."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "cron_run.sh"


def cron_run(var_dir: Path, *args: str, timeout: int = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), "--var-dir", str(var_dir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_logs(var_dir: Path, name: str) -> List[Path]:
    return sorted((var_dir / "logs" / "cron" / name).glob(f"{name}-*.log"))


def test_a_run_writes_its_output_to_its_own_log_and_exits_zero(tmp_path):
    result = cron_run(tmp_path, "collect", "--", "bash", "-c", "echo out; echo err >&2")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # quiet on success: cron mails nothing
    [log] = run_logs(tmp_path, "collect")
    lines = log.read_text().splitlines()
    assert lines[0].startswith("# cron_run collect: start ")
    assert lines[2:4] == ["out", "err"]
    assert lines[-1].startswith("# cron_run collect: end ") and "exit 0" in lines[-1]
    assert (log.parent / "latest.log").resolve() == log.resolve()


def test_each_run_gets_a_new_log(tmp_path):
    for _ in range(2):
        assert cron_run(tmp_path, "ship", "--", "true").returncode == 0

    assert len(run_logs(tmp_path, "ship")) == 2


def test_a_failing_command_passes_its_exit_code_and_mails_the_log_tail(tmp_path):
    result = cron_run(tmp_path, "ship", "--", "bash", "-c", "echo 'sftp: connection refused' >&2; exit 3")

    assert result.returncode == 3
    [log] = run_logs(tmp_path, "ship")
    first = result.stderr.splitlines()[0]
    assert first.startswith("cron_run: ship failed with exit 3 after ") and first.endswith(f"log: {log}")
    assert "sftp: connection refused" in result.stderr


def test_a_run_is_skipped_while_the_previous_one_holds_the_lock(tmp_path):
    lock = tmp_path / "locks" / "pipeline.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a still-running run holds
        result = cron_run(tmp_path, "pipeline", "--", "touch", str(tmp_path / "ran"))

    assert result.returncode == 75
    assert result.stderr.startswith("cron_run: pipeline skipped: the previous pipeline run")
    assert not (tmp_path / "ran").exists()
    # Once the lock is free, the next run goes ahead.
    assert cron_run(tmp_path, "pipeline", "--", "touch", str(tmp_path / "ran")).returncode == 0
    assert (tmp_path / "ran").exists()


@pytest.fixture
def unprivileged(tmp_path):
    """(prefix, folder): run cron_run.sh as a user file permissions apply to, in a folder it can use.

    As root, that is nobody through setpriv(1), in a folder under /tmp that nobody can reach."""
    if os.geteuid() != 0:
        yield [], tmp_path
        return
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file permissions, and setpriv(1) is absent to drop them")
    folder = Path(tempfile.mkdtemp(prefix="cron-run-test-"))
    folder.chmod(0o777)
    try:
        yield ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], folder
    finally:
        shutil.rmtree(folder)


def test_a_lock_folder_in_place_of_the_lock_file_is_exit_73_not_a_busy_lock(tmp_path):
    lock = tmp_path / "locks" / "pipeline.lock"
    lock.mkdir(parents=True)

    result = cron_run(tmp_path, "pipeline", "--", "touch", str(tmp_path / "ran"))

    assert result.returncode == 73
    assert result.stderr == (
        f"cron_run: pipeline not run: cannot write lock file {lock}; check its owner and permissions\n"
    )
    assert not (tmp_path / "ran").exists()


def test_a_lock_file_of_another_user_is_exit_73_not_a_busy_lock(unprivileged):
    prefix, folder = unprivileged
    lock = folder / "locks" / "pipeline.lock"
    lock.parent.mkdir()
    lock.parent.chmod(0o777)
    lock.write_text("")
    lock.chmod(0o444)  # e.g. left by a run as root

    result = subprocess.run(
        [
            *prefix,
            "bash",
            str(SCRIPT),
            "--var-dir",
            str(folder),
            "pipeline",
            "--",
            "touch",
            str(folder / "ran"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 73, result.stderr
    assert "cannot write lock file" in result.stderr and "previous pipeline run" not in result.stderr
    assert not (folder / "ran").exists()


def test_a_run_that_overruns_its_timeout_is_stopped_with_124(tmp_path):
    began = time.monotonic()
    result = cron_run(tmp_path, "--timeout", "1", "collect", "--", "sleep", "20")

    assert result.returncode == 124
    assert time.monotonic() - began < 10
    assert result.stderr.startswith("cron_run: collect timed out after 1s; log: ")
    [log] = run_logs(tmp_path, "collect")
    assert "exit 124" in log.read_text().splitlines()[-1]


def test_env_file_values_reach_the_command_without_being_printed(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("X_BEARER_TOKEN=not-a-real-token-123\n")
    os.chmod(secrets, 0o600)
    check = 'test "$(printf %s "$X_BEARER_TOKEN" | sha256sum | cut -c1-12)" = a5485a25d30e'

    result = cron_run(tmp_path, "--env-file", str(secrets), "collect", "--", "bash", "-c", check)

    assert result.returncode == 0, result.stderr
    [log] = run_logs(tmp_path, "collect")
    assert "not-a-real-token-123" not in log.read_text() + result.stderr


# What people put in secrets: shell metacharacters, spaces, quotes, a Windows line end.
LITERAL_VALUES = {
    "X_BEARER_TOKEN": "s3cr$et&x",
    "TWEETS_ETL_SFTP_PASSWORD": "p@ss w0rd",
    "TICKS": "a`id`b",
    "SUBST": "$(touch pwned)",
    "EQUALS": "a=b==",
    "BACKSLASH": "C:\\temp\\new",
    "QUOTED": "two words",
    "SINGLE": "it's $HOME",
    "EMPTY": "",
    "EXPORTED": "yes",
}
ENV_FILE = (
    "# secrets for tweets-etl\n"
    "\n"
    "X_BEARER_TOKEN=s3cr$et&x\n"
    "TWEETS_ETL_SFTP_PASSWORD=p@ss w0rd\r\n"
    "   TICKS=a`id`b\n"
    "SUBST=$(touch pwned)\n"
    "EQUALS=a=b==\n"
    "BACKSLASH=C:\\temp\\new\n"
    'QUOTED="two words"\n'
    "SINGLE='it's $HOME'\n"
    "  # an indented comment\n"
    "EMPTY=\n"
    "export EXPORTED=yes"  # no newline at the end
)


def test_env_file_values_are_read_literally_never_run(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_bytes(ENV_FILE.encode())
    os.chmod(secrets, 0o600)
    out = tmp_path / "values"
    names = " ".join(f'"${{{name}-unset}}"' for name in LITERAL_VALUES)
    dump = f"cd {tmp_path} && printf '%s\\0' {names} > {out}"

    result = cron_run(tmp_path, "--env-file", str(secrets), "collect", "--", "bash", "-c", dump)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    values = out.read_bytes().decode().split("\0")[:-1]
    assert dict(zip(LITERAL_VALUES, values)) == LITERAL_VALUES
    assert not (tmp_path / "pwned").exists()
    [log] = run_logs(tmp_path, "collect")
    assert "s3cr" not in log.read_text() and "w0rd" not in log.read_text()


def test_env_file_values_never_show_in_the_process_list(tmp_path):
    # Any user can read every process's arguments (ps, /proc/PID/cmdline): a secret passed as an
    # argument (env KEY=VALUE COMMAND) stayed there, in timeout's, for as long as the command ran.
    secrets = tmp_path / "secrets.env"
    secrets.write_text("X_BEARER_TOKEN=not-a-real-token-456\n")
    os.chmod(secrets, 0o600)
    out = tmp_path / "arguments"
    dump = f'cat /proc/[0-9]*/cmdline > {out} 2>/dev/null; test -n "$X_BEARER_TOKEN"'

    result = cron_run(tmp_path, "--env-file", str(secrets), "collect", "--", "bash", "-c", dump)

    assert result.returncode == 0, result.stderr
    assert b"timeout" in out.read_bytes() and b"not-a-real-token-456" not in out.read_bytes()


def test_env_file_keys_cannot_change_cron_runs_own_settings(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"timeout_seconds=1\nlog_dir={tmp_path / 'elsewhere'}\nname=other\n")
    os.chmod(secrets, 0o600)

    result = cron_run(tmp_path, "--env-file", str(secrets), "ship", "--", "sleep", "2")

    assert result.returncode == 0, result.stderr
    assert len(run_logs(tmp_path, "ship")) == 1 and not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize(
    "line",
    ["p@ss w0rd", "1KEY=x", "MY KEY=x", "=x", "KEY-NAME=x", "export", "echo $(id)"],
)
def test_a_line_that_is_not_key_value_stops_the_run_without_showing_it(tmp_path, line):
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"A=1\n# fine\n{line}\nB=2\n")
    os.chmod(secrets, 0o600)

    result = cron_run(tmp_path, "--env-file", str(secrets), "collect", "--", "touch", str(tmp_path / "ran"))

    assert result.returncode == 78
    assert (
        result.stderr
        == f"cron_run: --env-file {secrets} line 3 is not KEY=VALUE (KEY: letters, digits and _)\n"
    )
    assert not (tmp_path / "ran").exists()


def test_a_world_readable_env_file_is_warned_about(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("A=1\n")
    os.chmod(secrets, 0o644)

    result = cron_run(tmp_path, "--env-file", str(secrets), "collect", "--", "true")

    assert result.returncode == 0
    assert "readable by others; chmod 600" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["collect"],
        ["collect", "--"],
        ["collect", "true"],
        ["bad name", "--", "true"],
        ["--timeout", "x", "a", "--", "true"],
    ],
)
def test_bad_usage_exits_64_without_running_anything(tmp_path, args):
    result = cron_run(tmp_path, *args)

    assert result.returncode == 64
    assert result.stderr.strip()
