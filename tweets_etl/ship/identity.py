"""The private key of ``--identity-file``: loaded with paramiko, or refused with what to do.

Whether a key needs a passphrase is read from the file itself, because paramiko and cryptography name
that failure differently from version to version. A passphrase the key does not need is ignored, as ssh
ignores it.
"""

from __future__ import annotations

import base64
import logging
import re
import struct
from pathlib import Path
from typing import Optional

import paramiko

from tweets_etl.errors import first_line
from tweets_etl.ship.errors import AuthError

log = logging.getLogger(__name__)


def load_identity(path: Optional[Path], passphrase: Optional[str]) -> Optional[paramiko.PKey]:
    """The private key of ``--identity-file``, or None for agent and ``~/.ssh/id_*`` login.

    Every way a key can fail to load becomes an :class:`AuthError` that says what to do: paramiko and
    cryptography raise TypeError, ValueError, SSHException or UnknownKeyType depending on the format
    and on their versions, so whether the key needs a passphrase is read from the file itself.
    """
    if path is None:
        return None
    if not path.is_file():
        raise AuthError(f"identity file {path} does not exist; pass the private key with --identity-file")
    try:
        encrypted = key_is_encrypted(path.read_bytes())
    except OSError as error:
        raise AuthError(f"cannot read private key {path} ({first_line(error, limit=200)})") from None
    if encrypted and not passphrase:
        raise AuthError(_passphrase_needed_message(path))
    if encrypted is False and passphrase:
        # As ssh does: a passphrase the key does not need is not an error (the libraries call it one).
        log.info("private key %s is not encrypted; TWEETS_ETL_SFTP_KEY_PASSPHRASE is not needed", path)
        passphrase = None
    secret = passphrase.encode("utf-8") if passphrase else None
    try:
        # Positional on purpose: the keyword is ``passphrase`` before paramiko 5.0 and ``password`` since.
        return paramiko.PKey.from_path(path, secret)
    except OSError as error:
        raise AuthError(f"cannot read private key {path} ({first_line(error, limit=200)})") from None
    except Exception as error:  # see the docstring: no common base class to catch
        raise AuthError(_key_error_message(path, error, passphrase_given=secret is not None)) from None


_OPENSSH_KEY = re.compile(rb"-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END", re.DOTALL)
_OPENSSH_MAGIC = b"openssh-key-v1\0"


def key_is_encrypted(data: bytes) -> Optional[bool]:
    """Does this private key file need a passphrase? None when the format is not one paramiko reads.

    OpenSSH's own format names its cipher ("none" when unencrypted) right after its magic; PEM keys
    say ``Proc-Type: 4,ENCRYPTED``; PKCS#8 ones are ``ENCRYPTED PRIVATE KEY`` blocks.
    """
    found = _OPENSSH_KEY.search(data)
    if found is not None:
        try:
            blob = base64.b64decode(b"".join(found.group(1).split()))
        except ValueError:
            return None
        if not blob.startswith(_OPENSSH_MAGIC):
            return None
        rest = blob[len(_OPENSSH_MAGIC) :]
        if len(rest) < 4:
            return None
        (length,) = struct.unpack(">I", rest[:4])
        return rest[4 : 4 + length] != b"none"
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data:
        return True
    if re.search(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----", data):
        return b"Proc-Type: 4,ENCRYPTED" in data
    return None


def _passphrase_needed_message(path: Path) -> str:
    return (
        f"private key {path} is protected by a passphrase; set TWEETS_ETL_SFTP_KEY_PASSPHRASE "
        "or load the key into ssh-agent and drop --identity-file"
    )


def _key_error_message(path: Path, error: Exception, *, passphrase_given: bool) -> str:
    if isinstance(error, (paramiko.PasswordRequiredException, TypeError)) and not passphrase_given:
        return _passphrase_needed_message(path)
    if isinstance(error, paramiko.UnknownKeyType):
        return (
            f"private key {path} is of a type paramiko cannot use (DSA, or a security key); make an "
            "ed25519 key with `ssh-keygen -t ed25519` and authorize it on the server"
        )
    rewrite = f"rewrite it in OpenSSH's own format, which paramiko reads, with `ssh-keygen -p -f {path}`"
    if passphrase_given:
        return (
            f"cannot load private key {path} with the passphrase in TWEETS_ETL_SFTP_KEY_PASSPHRASE "
            f"({first_line(error, limit=200)}); check the passphrase, and if it is right, {rewrite}"
        )
    return (
        f"cannot load private key {path} ({first_line(error, limit=200)}); check that it is a private key, "
        f"and if it is, {rewrite}"
    )
