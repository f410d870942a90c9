"""A real OpenSSH server on 127.0.0.1 for the shipper's tests: Debian's /usr/sbin/sshd, nothing mocked.

:func:`start_sshd` runs one sshd as a non-daemon child (``-D -e -f``) with a temporary host key and
AuthorizedKeysFile, listening on three free ports: ``port`` allows commands (remote sha256sum),
``sftp_only_port`` forces ``internal-sftp`` on every channel, like a locked-down edge node, so the
read-back verification path runs too, and ``no_posix_rename_port`` serves OpenSSH's own sftp-server
through :data:`NO_POSIX_RENAME`, which hides the posix-rename extension as many non-OpenSSH servers
lack it. We run as root and log in as root with a temporary key; every remote path lives under the
test's own temporary directory. Password login stays off except for the ``password_users`` given (a
throwaway account the password test makes): for them alone a ``Match User`` block turns it on.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence

from tests.integration.helpers import ReservedPorts

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
SFTP_SERVER = Path("/usr/lib/openssh/sftp-server")

# Run as the forced command: passes every SFTP packet to sftp-server unchanged, except that a
# posix-rename@openssh.com request is renamed to an extension sftp-server does not know, so it answers
# SSH_FX_OP_UNSUPPORTED exactly as a server without that extension would.
NO_POSIX_RENAME = """\
import struct
import subprocess
import sys

EXTENDED = 200
KNOWN, UNKNOWN = b"posix-rename@openssh.com", b"posix-rename@unsupported.invalid"


def read_exact(stream, count):
    data = b""
    while len(data) < count:
        chunk = stream.read(count - len(data))
        if not chunk:
            return b""
        data += chunk
    return data


def hide_posix_rename(body):
    if body[0] != EXTENDED:
        return body
    (length,) = struct.unpack(">I", body[5:9])
    if body[9 : 9 + length] != KNOWN:
        return body
    return body[:5] + struct.pack(">I", len(UNKNOWN)) + UNKNOWN + body[9 + length :]


server = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE)  # its replies go straight to the client
while True:
    header = read_exact(sys.stdin.buffer, 4)
    body = read_exact(sys.stdin.buffer, struct.unpack(">I", header)[0]) if header else b""
    if not body:
        break
    body = hide_posix_rename(body)
    server.stdin.write(struct.pack(">I", len(body)) + body)
    server.stdin.flush()
server.stdin.close()
sys.exit(server.wait())
"""


def free_port() -> int:
    """A port nobody listens on (for one-port uses; a server needing several takes ReservedPorts)."""
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
    no_posix_rename_port: int
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


class PortTakenError(RuntimeError):
    """sshd could not bind one of its ports: someone took it after it was released."""


def _wait_ready(server: SshServer, deadline: float) -> None:
    for port in (server.port, server.sftp_only_port, server.no_posix_rename_port):
        while True:
            if "Address already in use" in server.log.read_text(errors="replace"):
                # sshd goes on with the ports it did bind: waiting for this one would only time out.
                raise PortTakenError(f"sshd could not bind its ports: {server.log.read_text()}")
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


def start_sshd(home: Path, password_users: Sequence[str] = ()) -> SshServer:
    """Start sshd with everything it reads under ``home``; the caller stops it.

    ``password_users`` may also log in with their password (everyone else: keys only).
    """
    client_key = keygen(home / "client_key")
    (home / "authorized_keys").write_text(public_key(client_key) + "\n")
    (home / "no_posix_rename.py").write_text(NO_POSIX_RENAME)
    keys = (keygen(home / "ssh_host_ed25519_key"), client_key)
    try:
        return _launch(home, *keys, password_users)
    except PortTakenError:
        # Taken between its release and sshd's bind: rare, but then one more try with new ports.
        return _launch(home, *keys, password_users)


def _launch(home: Path, host_key: Path, client_key: Path, password_users: Sequence[str]) -> SshServer:
    authorized_keys, log = home / "authorized_keys", home / "sshd.log"
    password_login = f"Match User {','.join(password_users)}\n    PasswordAuthentication yes\n"
    config = home / "sshd_config"
    with ReservedPorts(3) as reserved:
        port, sftp_only_port, no_posix_rename_port = reserved.ports
        config.write_text(
            f"""\
Port {port}
Port {sftp_only_port}
Port {no_posix_rename_port}
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
Match LocalPort {no_posix_rename_port}
    ForceCommand {sys.executable} {home / "no_posix_rename.py"} {SFTP_SERVER}
{password_login if password_users else ""}"""
        )
    # The ports are free again from here: sshd binds them at once.
    with open(log, "wb") as log_handle:
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = SshServer(
        process, port, sftp_only_port, no_posix_rename_port, host_key, client_key, authorized_keys, log
    )
    try:
        _wait_ready(server, time.monotonic() + 15)
    except BaseException:
        server.stop()
        raise
    return server
