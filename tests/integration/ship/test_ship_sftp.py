"""`tweets-etl ship` against a real OpenSSH server: atomic, verified, resumable, and strict about trust."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import List

import paramiko
import pytest

from tests.integration.ship.sshd_server import free_port, keygen, public_key
from tweets_etl.cli import main
from tweets_etl.rawfiles import RawPageWriter, sha256_file
from tweets_etl.ship.errors import FileShipError
from tweets_etl.ship.plan import ShipItem, ShipPlan, plan_shipment
from tweets_etl.ship.sftp import SftpSettings, connect_sftp
from tweets_etl.ship.shipper import FAILED, SENT, Shipper

pytestmark = pytest.mark.sshd


def write_raw(folder: Path, *, prefix: str = "tweets", files: int = 1, pages: int = 20) -> List[Path]:
    """Raw files exactly as the collector writes them, manifests included, one writer per file."""
    finished: List[Path] = []
    for number in range(files):
        with RawPageWriter(folder, prefix=f"{prefix}{number}", producer="test", compresslevel=1) as writer:
            for page in range(pages):
                tweets = [
                    {"id": str(10**18 + page * 10 + i), "text": f"chatgpt {os.urandom(60).hex()}"}
                    for i in range(10)
                ]
                writer.write_page({"data": tweets, "meta": {"result_count": 10}})
        finished.extend(writer.finished)
    return finished


def write_blob(folder: Path, name: str, size: int) -> Path:
    """An incompressible file with a manifest, big enough to be cut in the middle of its upload."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(os.urandom(size))
    manifest = {"file": name, "bytes": size, "sha256": sha256_file(path), "producer": "test"}
    (folder / f"{name}.manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def paths(tmp_path, sshd):
    src = tmp_path / "var" / "raw"
    remote = tmp_path / "remote" / "landing"
    remote.mkdir(parents=True)
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts")
    return src, remote, known_hosts


def ship_cli(sshd, src: Path, remote: Path, known_hosts: Path, *extra: str, port=None, key=None) -> List[str]:
    return [
        "ship",
        str(src),
        "--var-dir",
        str(src.parent),
        "--host",
        sshd.host,
        "--port",
        str(port or sshd.port),
        "--user",
        sshd.user,
        "--identity-file",
        str(key or sshd.client_key),
        "--known-hosts",
        str(known_hosts),
        "--remote-dir",
        str(remote),
        "--no-progress",
        *extra,
    ]


def settings(sshd, known_hosts: Path, **overrides) -> SftpSettings:
    values = dict(
        host=sshd.host,
        port=sshd.port,
        user=sshd.user,
        identity_file=sshd.client_key,
        known_hosts=known_hosts,
        timeout_seconds=10,
        keepalive_seconds=5,
    )
    values.update(overrides)
    return SftpSettings(**values)


def test_happy_path_sends_files_and_manifests_then_archives_them(paths, sshd, capsys):
    src, remote, known_hosts = paths
    files = write_raw(src, files=3)
    assert len(files) >= 3
    expected = {path.name: digest(path) for path in files}
    manifests = {path.name: Path(f"{path}.manifest.json").read_bytes() for path in files}

    code = main(ship_cli(sshd, src, remote, known_hosts))

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{len(files)} of {len(files)} files arrived" in out
    assert {p.name: digest(p) for p in remote.iterdir() if not p.name.endswith(".manifest.json")} == expected
    for name, manifest in manifests.items():
        assert (remote / f"{name}.manifest.json").read_bytes() == manifest
    assert not [p for p in remote.iterdir() if p.name.endswith(".part")]
    shipped = src.parent / "shipped"
    assert sorted(p.name for p in src.iterdir()) == []
    assert sorted(p.name for p in shipped.iterdir()) == sorted(
        [*expected, *(f"{n}.manifest.json" for n in expected)]
    )


def test_verification_runs_sha256sum_on_the_server_when_it_allows_commands(paths, sshd):
    src, remote, known_hosts = paths
    write_raw(src)
    transports = []

    def connect():
        transports.append(connect_sftp(settings(sshd, known_hosts)))
        return transports[-1]

    report = Shipper(connect, str(remote), progress=False).ship(plan_shipment(src))

    assert report.all_arrived
    assert transports[0].hash_method == "exec"


def test_sftp_only_server_is_verified_by_reading_the_file_back(paths, sshd, tmp_path):
    src, remote, _ = paths
    files = write_raw(src, files=2)
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts_sftp_only", port=sshd.sftp_only_port)
    transports = []

    def connect():
        transports.append(connect_sftp(settings(sshd, known_hosts, port=sshd.sftp_only_port)))
        return transports[-1]

    report = Shipper(connect, str(remote), progress=False).ship(plan_shipment(src))

    assert report.all_arrived, report.summary()
    assert transports[0].hash_method == "read"
    assert {p.name: digest(p) for p in files} == {p.name: digest(remote / p.name) for p in files}


def test_files_already_there_with_the_same_checksum_are_skipped(paths, sshd, capsys):
    src, remote, known_hosts = paths
    files = write_raw(src)
    kept = {p: p.read_bytes() for p in files}
    assert main(ship_cli(sshd, src, remote, known_hosts)) == 0
    before = {p.name: p.stat().st_mtime_ns for p in remote.iterdir()}
    # The local copies come back, as after a crash between remote verification and the local move.
    for path, data in kept.items():
        path.write_bytes(data)
        Path(f"{path}.manifest.json").write_bytes(
            (src.parent / "shipped" / f"{path.name}.manifest.json").read_bytes()
        )
    time.sleep(0.01)

    code = main(ship_cli(sshd, src, remote, known_hosts))

    out = capsys.readouterr().out
    assert code == 0
    assert f"0 sent, {len(files)} already there" in out
    assert {p.name: p.stat().st_mtime_ns for p in remote.iterdir()} == before
    assert not list(src.iterdir())


def test_a_different_remote_file_is_never_overwritten_and_the_others_still_go(paths, sshd, capsys):
    src, remote, known_hosts = paths
    first, second = write_raw(src, files=2)
    (remote / first.name).write_bytes(b"someone else's data")

    code = main(ship_cli(sshd, src, remote, known_hosts))

    out = capsys.readouterr().out
    assert code == 1
    assert f"{FAILED:<14} {first.name}" in out and "not overwritten" in out
    assert (remote / first.name).read_bytes() == b"someone else's data"
    assert first.exists()
    assert digest(remote / second.name) == digest(src.parent / "shipped" / second.name)


def _killer(sshd, remote: Path, item_name: str, at_bytes: int):
    """Observer that kills the session's sshd process once, in the middle of the upload."""
    state = {"killed": []}
    part = remote / f".{item_name}.part"

    def observe(item: ShipItem, position: int) -> None:
        if state["killed"] or item.path.name != item_name or position < at_bytes:
            return
        deadline = time.monotonic() + 10
        while not (part.exists() and part.stat().st_size > 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        state["killed"] = sshd.kill_sessions()

    return observe, state


def test_connection_killed_mid_transfer_then_a_rerun_resumes_with_correct_bytes(paths, sshd, tmp_path):
    src, remote, known_hosts = paths
    size = 4 * 1024 * 1024
    blob = write_blob(src, "big tweets.jsonl.gz", size)
    original = digest(blob)
    observe, state = _killer(sshd, remote, blob.name, at_bytes=size // 2)

    def connect():
        return connect_sftp(settings(sshd, known_hosts))

    shipped = tmp_path / "shipped"
    first = Shipper(
        connect,
        str(remote),
        shipped_dir=shipped,
        retries=0,
        chunk_size=64 * 1024,
        observers=[observe],
        progress=False,
    )
    report = first.ship(plan_shipment(src))

    assert state["killed"], "no sshd session process was found to kill"
    [result] = report.results
    assert result.status == FAILED and "connection lost" in result.message, report.summary()
    assert not report.all_arrived
    assert not (remote / blob.name).exists()
    part = remote / f".{blob.name}.part"
    assert 0 < part.stat().st_size < size
    assert blob.exists()

    second = Shipper(connect, str(remote), shipped_dir=shipped, chunk_size=64 * 1024, progress=False)
    report = second.ship(plan_shipment(src))

    [result] = report.results
    assert result.status == SENT, report.summary()
    assert 0 < result.resumed_from < size
    assert result.bytes_sent == size - result.resumed_from
    assert digest(remote / blob.name) == original
    assert not part.exists()
    assert not blob.exists()
    assert digest(shipped / blob.name) == original


def test_connection_killed_mid_transfer_is_retried_with_backoff_in_the_same_run(paths, sshd):
    src, remote, known_hosts = paths
    size = 3 * 1024 * 1024
    blob = write_blob(src, "tweets-0001.jsonl.gz", size)
    later = write_raw(src, prefix="zz")
    original = digest(blob)
    observe, state = _killer(sshd, remote, blob.name, at_bytes=size // 3)
    waits: List[float] = []

    def connect():
        return connect_sftp(settings(sshd, known_hosts))

    shipper = Shipper(
        connect,
        str(remote),
        retries=3,
        backoff_seconds=0.05,
        chunk_size=64 * 1024,
        observers=[observe],
        progress=False,
        sleep=lambda s: (waits.append(s), time.sleep(s)),
    )
    report = shipper.ship(plan_shipment(src))

    assert report.all_arrived, report.summary()
    assert state["killed"]
    result = report.results[0]
    assert (result.status, result.attempts) == (SENT, 2)
    assert 0 < result.resumed_from < size
    assert waits == [0.05]
    assert digest(remote / blob.name) == original
    assert (remote / later[0].name).exists()


def test_unknown_host_is_refused_until_the_user_opts_in(paths, sshd, tmp_path, capsys):
    src, remote, _ = paths
    write_raw(src)
    known_hosts = tmp_path / "empty_known_hosts"

    code = main(ship_cli(sshd, src, remote, known_hosts))

    err = capsys.readouterr().err
    assert code == 3
    assert f"host [127.0.0.1]:{sshd.port} is not in {known_hosts}" in err
    assert f"ssh-keyscan -p {sshd.port} -t ed25519 127.0.0.1 >> {known_hosts}" in err
    assert "SHA256:" in err and "--trust-new-host" in err
    assert not list(remote.iterdir())

    assert main(ship_cli(sshd, src, remote, known_hosts, "--trust-new-host")) == 0
    assert known_hosts.read_text() == f"[127.0.0.1]:{sshd.port} {public_key(sshd.host_key)}\n"
    write_raw(src, prefix="later")
    assert main(ship_cli(sshd, src, remote, known_hosts)) == 0


def test_changed_host_key_is_refused_even_with_trust_new_host(paths, sshd, tmp_path, capsys):
    src, remote, _ = paths
    write_raw(src)
    impostor = keygen(tmp_path / "old_host_key")
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts_changed", key=public_key(impostor))
    before = known_hosts.read_text()

    code = main(ship_cli(sshd, src, remote, known_hosts, "--trust-new-host"))

    err = capsys.readouterr().err
    assert code == 3
    assert "CHANGED" in err and f"ssh-keygen -R '[127.0.0.1]:{sshd.port}' -f {known_hosts}" in err
    assert known_hosts.read_text() == before
    assert not list(remote.iterdir())


def test_wrong_key_is_refused_with_a_clear_message(paths, sshd, tmp_path, capsys):
    src, remote, known_hosts = paths
    write_raw(src)
    stranger = keygen(tmp_path / "stranger_key")

    code = main(ship_cli(sshd, src, remote, known_hosts, key=stranger))

    err = capsys.readouterr().err
    assert code == 3
    assert f"refused login as {sshd.user} with key {stranger}" in err
    assert f"add {stranger}.pub to ~{sshd.user}/.ssh/authorized_keys" in err
    assert "Traceback" not in err
    assert not list(remote.iterdir())


def test_passphrase_protected_key_takes_its_passphrase_from_the_environment(
    paths, sshd, tmp_path, capsys, monkeypatch
):
    src, remote, known_hosts = paths
    write_raw(src)
    locked = keygen(tmp_path / "locked_key", passphrase="correct horse battery")
    sshd.authorize(locked)

    assert main(ship_cli(sshd, src, remote, known_hosts, key=locked)) == 3
    assert "TWEETS_ETL_SFTP_KEY_PASSPHRASE" in capsys.readouterr().err

    monkeypatch.setenv("TWEETS_ETL_SFTP_KEY_PASSPHRASE", "correct horse battery")
    assert main(ship_cli(sshd, src, remote, known_hosts, key=locked)) == 0
    assert "correct horse battery" not in capsys.readouterr().err


def test_without_an_identity_file_the_ssh_agent_logs_in(paths, sshd, tmp_path, monkeypatch):

    src, remote, known_hosts = paths
    write_raw(src)
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket_path)}
        subprocess.run(["ssh-add", "-q", str(sshd.client_key)], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket_path))
        argv = ship_cli(sshd, src, remote, known_hosts)
        key_flag = argv.index("--identity-file")
        del argv[key_flag : key_flag + 2]

        assert main(argv) == 0
    finally:
        agent.terminate()
        agent.wait(timeout=5)
    assert len(list(remote.iterdir())) == 2


def test_missing_remote_directory_is_an_error_unless_creating_it_was_asked_for(paths, sshd, capsys):
    src, remote, known_hosts = paths
    write_raw(src)
    missing = remote / "new" / "deeper"

    code = main(ship_cli(sshd, src, missing, known_hosts))

    err = capsys.readouterr().err
    assert code == 3
    assert f"remote directory '{missing}' does not exist" in err and "--create-remote-dir" in err
    assert not missing.exists()

    assert main(ship_cli(sshd, src, missing, known_hosts, "--create-remote-dir")) == 0
    assert len(list(missing.iterdir())) == 2


def test_names_with_spaces_and_unicode_arrive_intact(paths, sshd):
    src, remote, known_hosts = paths
    names = ["tweets über ChatGPT 🤖.jsonl.gz", "it's a $(test) `name`.jsonl.gz"]
    blobs = [write_blob(src, name, 70_000) for name in names]
    expected = {p.name: digest(p) for p in blobs}
    transports = []

    def connect():
        transports.append(connect_sftp(settings(sshd, known_hosts)))
        return transports[-1]

    report = Shipper(connect, str(remote), progress=False).ship(plan_shipment(src))

    assert report.all_arrived, report.summary()
    assert transports[0].hash_method == "exec"
    assert {name: digest(remote / name) for name in names} == expected
    assert all((remote / f"{name}.manifest.json").is_file() for name in names)


def test_names_that_would_escape_the_target_directory_are_rejected(paths, sshd, tmp_path, capsys):
    src, remote, known_hosts = paths
    good = write_raw(src)[0]
    # Not a separator on a POSIX server, but one on a Windows SFTP server: refused everywhere.
    write_blob(src, "x\\..\\..\\outside.jsonl.gz", 100)

    code = main(ship_cli(sshd, src, remote, known_hosts))

    out = capsys.readouterr().out
    assert code == 1
    assert "path separator" in out
    assert (remote / good.name).is_file()

    blob = write_blob(tmp_path / "elsewhere", "escape.jsonl.gz", 100)
    plan = ShipPlan(source=blob.parent)
    for evil in ("../escape.jsonl.gz", str(tmp_path / "absolute.jsonl.gz"), ".."):
        plan.items.append(ShipItem(blob, evil, 100, sha256_file(blob), b"{}"))

    report = Shipper(lambda: connect_sftp(settings(sshd, known_hosts)), str(remote), progress=False).ship(
        plan
    )

    assert [r.status for r in report.results] == [FAILED, FAILED, FAILED]
    assert not (remote.parent / "escape.jsonl.gz").exists()
    assert not (tmp_path / "absolute.jsonl.gz").exists()
    assert sorted(p.name for p in remote.iterdir()) == sorted([good.name, f"{good.name}.manifest.json"])


def test_an_unreachable_server_gives_one_sentence_and_exit_3(paths, sshd, capsys):

    src, remote, known_hosts = paths
    write_raw(src)
    nobody_listens = free_port()
    argv = ship_cli(
        sshd,
        src,
        remote,
        known_hosts,
        "--retries",
        "1",
        "--set",
        "ship.backoff_seconds=0.01",
        port=nobody_listens,
    )

    code = main(argv)

    captured = capsys.readouterr()
    assert code == 3
    assert "cannot reach the SFTP server at 127.0.0.1:" in captured.err
    assert "1 not arrived" in captured.out or "0 of 1 file" in captured.out
    assert "Traceback" not in captured.err


def test_dry_run_lists_files_and_connects_to_nothing(paths, sshd, capsys):
    src, remote, known_hosts = paths
    files = write_raw(src, files=3)
    (src / "loose.csv").write_text("Date,Tweet\n")
    connections_before = sshd.log.read_text().count("Connection from")

    code = main([*ship_cli(sshd, src, remote, known_hosts), "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0
    assert f"would send {len(files)} files" in out
    assert all(path.name in out for path in files)
    assert "held back (no manifest)  loose.csv" in out
    assert not list(remote.iterdir())
    assert sshd.log.read_text().count("Connection from") == connections_before
    assert not (src / "loose.csv.manifest.json").exists()


def test_a_server_that_never_answers_times_out_instead_of_hanging(tmp_path, capsys):
    src = tmp_path / "var" / "raw"
    write_raw(src)
    with socket.socket() as silent:
        # Accepts TCP connections (the kernel's backlog) but never sends an SSH banner.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        started = time.monotonic()
        code = main(
            [
                "ship",
                str(src),
                "--var-dir",
                str(src.parent),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--known-hosts",
                str(tmp_path / "known_hosts"),
                "--retries",
                "0",
                "--set",
                "ship.timeout_seconds=1",
            ]
        )
        elapsed = time.monotonic() - started

    assert code == 3
    assert elapsed < 10
    assert "cannot reach the SFTP server" in capsys.readouterr().err


def keygen_pem(path: Path, passphrase: str = "") -> Path:
    """An RSA key in the old PEM format (``-m PEM``), as many existing deployments still have."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", passphrase, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def test_an_encrypted_pem_key_logs_in_with_its_passphrase_and_without_it_is_exit_3(
    paths, sshd, tmp_path, capsys, monkeypatch
):
    src, remote, known_hosts = paths
    write_raw(src)
    locked = keygen_pem(tmp_path / "pem_key", passphrase="correct horse battery")
    sshd.authorize(locked)

    assert main(ship_cli(sshd, src, remote, known_hosts, key=locked)) == 3
    err = capsys.readouterr().err
    assert f"private key {locked} is protected by a passphrase; set TWEETS_ETL_SFTP_KEY_PASSPHRASE" in err
    assert "unexpected error" not in err

    monkeypatch.setenv("TWEETS_ETL_SFTP_KEY_PASSPHRASE", "correct horse battery")
    assert main(ship_cli(sshd, src, remote, known_hosts, key=locked)) == 0
    assert len(list(remote.iterdir())) == 2


@pytest.mark.parametrize("make_key", [keygen, keygen_pem], ids=["openssh-ed25519", "pem-rsa"])
def test_a_passphrase_set_for_an_unencrypted_key_is_ignored_as_ssh_ignores_it(
    paths, sshd, tmp_path, monkeypatch, make_key
):
    src, remote, known_hosts = paths
    write_raw(src)
    plain = make_key(tmp_path / "plain_key")
    sshd.authorize(plain)
    monkeypatch.setenv("TWEETS_ETL_SFTP_KEY_PASSPHRASE", "left over from another key")

    assert main(ship_cli(sshd, src, remote, known_hosts, key=plain)) == 0
    assert len(list(remote.iterdir())) == 2


def test_a_host_on_a_known_hosts_line_paramiko_cannot_use_is_not_trusted_as_new(
    paths, sshd, tmp_path, capsys
):
    src, remote, _ = paths
    write_raw(src)
    name = f"[{sshd.host}]:{sshd.port}"
    known_hosts = tmp_path / "known_hosts_unusable"
    # The server listed under a key type paramiko lacks (DSA since paramiko 4.0): known, not checkable here.
    kind = "ssh-xmss@openssh.com" if hasattr(paramiko, "DSSKey") else "ssh-dss"
    blob = base64.b64encode(struct.pack(">I", len(kind)) + kind.encode()).decode()
    known_hosts.write_text(f"# edge node\n{name} {kind} {blob}\n")
    before = known_hosts.read_text()

    code = main(ship_cli(sshd, src, remote, known_hosts, "--trust-new-host"))

    err = capsys.readouterr().err
    assert code == 3
    assert f"host {name} is named in {known_hosts} line 2 (paramiko cannot use {kind} keys)" in err
    assert known_hosts.read_text() == before
    assert not list(remote.iterdir())


def test_a_revoked_host_key_is_refused_even_where_a_plain_line_lists_it(paths, sshd, tmp_path, capsys):
    src, remote, _ = paths
    write_raw(src)
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts_revoked")
    with open(known_hosts, "a") as handle:
        handle.write(f"@revoked * {public_key(sshd.host_key)}\n")

    code = main(ship_cli(sshd, src, remote, known_hosts, "--trust-new-host"))

    err = capsys.readouterr().err
    assert code == 3
    assert f"a key marked @revoked in {known_hosts} line 2, so nothing was sent" in err
    assert not list(remote.iterdir())


def test_a_failed_posix_rename_never_deletes_the_target(paths, sshd):
    _, remote, known_hosts = paths
    kept = remote / "tweets.jsonl.gz.manifest.json"
    kept.write_text('{"the": "manifest that is there"}')
    transport = connect_sftp(settings(sshd, known_hosts))
    try:
        # The source is gone (another run renamed it first): posix-rename says so, with an errno.
        with pytest.raises(FileShipError, match="No such file"):
            transport.rename(str(remote / ".gone.part"), str(kept), replace=True)
    finally:
        transport.close()
    assert kept.read_text() == '{"the": "manifest that is there"}'


def test_a_server_without_posix_rename_gets_plain_renames_and_manifests_are_replaced(
    paths, sshd, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG, logger="tweets_etl.ship.sftp")
    src, remote, _ = paths
    there, new = write_raw(src, files=2)
    # The first file arrived before, with a manifest that differs from today's (another producer run).
    (remote / there.name).write_bytes(there.read_bytes())
    (remote / f"{there.name}.manifest.json").write_text('{"stale": true}')
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts_no_rename", port=sshd.no_posix_rename_port)

    def connect():
        return connect_sftp(settings(sshd, known_hosts, port=sshd.no_posix_rename_port))

    report = Shipper(connect, str(remote), progress=False).ship(plan_shipment(src))

    assert report.all_arrived, report.summary()
    assert "has no posix-rename; renaming" in caplog.text
    for path in (there, new):
        assert digest(remote / path.name) == digest(path)
        assert (remote / f"{path.name}.manifest.json").read_bytes() == Path(
            f"{path}.manifest.json"
        ).read_bytes()
    assert not [p for p in remote.iterdir() if p.name.endswith(".part")]


def test_without_posix_rename_a_data_file_target_is_never_removed_to_make_room(paths, sshd, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="tweets_etl.ship.sftp")
    _, remote, _ = paths
    known_hosts = sshd.known_hosts(tmp_path / "known_hosts_no_rename", port=sshd.no_posix_rename_port)
    (remote / ".late.jsonl.gz.part").write_bytes(b"ours")
    (remote / "late.jsonl.gz").write_bytes(b"someone else's, written after our check")
    transport = connect_sftp(settings(sshd, known_hosts, port=sshd.no_posix_rename_port))
    try:
        with pytest.raises(FileShipError):
            transport.rename(
                str(remote / ".late.jsonl.gz.part"), str(remote / "late.jsonl.gz"), replace=False
            )
    finally:
        transport.close()
    assert "has no posix-rename; renaming" in caplog.text
    assert (remote / "late.jsonl.gz").read_bytes() == b"someone else's, written after our check"
    assert (remote / ".late.jsonl.gz.part").read_bytes() == b"ours"


def test_password_login_from_the_environment_ships_and_the_password_is_never_printed(
    password_login, tmp_path, monkeypatch, capsys
):
    server, user, password = password_login.server, password_login.user, password_login.password
    src = tmp_path / "var" / "raw"
    files = write_raw(src, files=2)
    expected = {path.name: digest(path) for path in files}
    known_hosts = server.known_hosts(tmp_path / "known_hosts")
    monkeypatch.setenv("TWEETS_ETL_SFTP_PASSWORD", password)
    argv = ["ship", str(src), "--var-dir", str(src.parent), "--host", server.host, "--port", str(server.port)]
    argv += ["--user", user, "--known-hosts", str(known_hosts), "--remote-dir", str(password_login.landing)]

    code = main([*argv, "--no-progress", "-v"])

    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    landed = {p.name: digest(p) for p in password_login.landing.iterdir() if p.name in expected}
    assert landed == expected
    # No key anywhere (no --identity-file, no agent, an empty ~/.ssh): sshd says the password let it in.
    assert f"Accepted password for {user} from 127.0.0.1" in server.log.read_text()
    assert password not in captured.out + captured.err
