"""A real OpenSSH server on 127.0.0.1 for the shipper's tests: Debian's /usr/sbin/sshd, nothing mocked.

:func:`start_sshd` runs one sshd as a non-daemon child (``-D -e -f``) with a temporary host key and
AuthorizedKeysFile, listening on two free ports: ``port`` allows commands (remote sha256sum), and
``sftp_only_port`` forces ``internal-sftp`` on every channel, like a locked-down edge node, so the
read-back verification path runs too. We run as root and log in as root with a temporary key; every
remote path lives under the test's own temporary directory.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path: Path, passphrase: str = "") -> Path:
    """A fresh ed25519 key pair made by OpenSSH's own ssh-keygen (the .pub is beside it)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def public_key(path: Path) -> str:
    """``type base64`` of a key pair, without the comment."""
    kind, data = Path(f"{path}.pub").read_text().split()[:2]
    return f"{kind} {data}"


@dataclass
class SshServer:
    process: subprocess.Popen
    port: int
    sftp_only_port: int
    host_key: Path
    client_key: Path
    authorized_keys: Path
    log: Path
    user: str = field(default_factory=getpass.getuser)
    host: str = "127.0.0.1"

    def known_hosts(self, path: Path, port: Optional[int] = None, key: Optional[str] = None) -> Path:
        """Write a known_hosts file naming this server (or ``key``, to fake a changed host key)."""
        port = self.port if port is None else port
        path.write_text(f"[{self.host}]:{port} {key or public_key(self.host_key)}\n")
        return path

    def authorize(self, key: Path) -> None:
        with open(self.authorized_keys, "a") as handle:
            handle.write(public_key(key) + "\n")

    def session_pids(self) -> List[int]:
        """The per-connection sshd processes: children of the listener."""
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def kill_sessions(self) -> List[int]:
        """Drop every open connection the hard way, as a crashed link or a killed sshd would."""
        pids = self.session_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_ready(server: SshServer, deadline: float) -> None:
    for port in (server.port, server.sftp_only_port):
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"sshd exited with {server.process.returncode}: {server.log.read_text()}")
            try:
                with socket.create_connection((server.host, port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"SSH-2.0"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not answer on port {port}: {server.log.read_text()}")
            time.sleep(0.05)


def start_sshd(home: Path) -> SshServer:
    """Start sshd with everything it reads under ``home``; the caller stops it."""
    host_key = keygen(home / "ssh_host_ed25519_key")
    client_key = keygen(home / "client_key")
    authorized_keys = home / "authorized_keys"
    authorized_keys.write_text(public_key(client_key) + "\n")
    port, sftp_only_port = free_port(), free_port()
    config = home / "sshd_config"
    config.write_text(
        f"""\
Port {port}
Port {sftp_only_port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile none
AuthorizedKeysFile {authorized_keys}
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
Subsystem sftp internal-sftp
Match LocalPort {sftp_only_port}
    ForceCommand internal-sftp
"""
    )
    log = home / "sshd.log"
    with open(log, "wb") as log_handle:
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = SshServer(process, port, sftp_only_port, host_key, client_key, authorized_keys, log)
    try:
        _wait_ready(server, time.monotonic() + 15)
    except BaseException:
        server.stop()
        raise
    return server
