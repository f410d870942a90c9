"""--identity-file: every key OpenSSH's ssh-keygen makes either loads or fails as one auth error (exit 3)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import paramiko
import pytest

from tweets_etl.ship.errors import AuthError
from tweets_etl.ship.identity import key_is_encrypted, load_identity

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="OpenSSH's ssh-keygen is absent")

PASSPHRASE = "correct horse battery"


def keygen(path: Path, kind: str, *options: str, passphrase: str = "") -> Path:
    """A private key made by ssh-keygen: ``options`` pick the file format (``-m PEM``, ``-m PKCS8``)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, *options, "-N", passphrase, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def refusal(path: Path, passphrase=None) -> str:
    with pytest.raises(AuthError) as caught:
        load_identity(path, passphrase)
    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_no_identity_file_means_agent_and_default_keys():
    assert load_identity(None, PASSPHRASE) is None


@pytest.mark.parametrize(
    ("kind", "options"),
    [("ed25519", ()), ("rsa", ("-b", "2048", "-m", "PEM")), ("ecdsa", ("-m", "PEM"))],
    ids=["openssh-ed25519", "pem-rsa", "pem-ecdsa"],
)
def test_an_encrypted_key_loads_with_its_passphrase_and_without_it_says_where_to_put_it(
    tmp_path, kind, options
):
    key = keygen(tmp_path / "key", kind, *options, passphrase=PASSPHRASE)

    assert isinstance(load_identity(key, PASSPHRASE), paramiko.PKey)
    message = refusal(key)
    assert f"private key {key} is protected by a passphrase" in message
    assert "set TWEETS_ETL_SFTP_KEY_PASSPHRASE" in message


@pytest.mark.parametrize(
    ("kind", "options"),
    [("ed25519", ()), ("rsa", ("-b", "2048", "-m", "PEM"))],
    ids=["openssh-ed25519", "pem-rsa"],
)
def test_a_passphrase_an_unencrypted_key_does_not_need_is_ignored_as_ssh_does(tmp_path, kind, options):
    key = keygen(tmp_path / "key", kind, *options)

    loaded = load_identity(key, PASSPHRASE)

    assert loaded == paramiko.PKey.from_path(key)


@pytest.mark.parametrize(
    ("kind", "options"),
    [("ed25519", ()), ("rsa", ("-b", "2048", "-m", "PEM"))],
    ids=["openssh-ed25519", "pem-rsa"],
)
def test_a_wrong_passphrase_points_at_the_variable(tmp_path, kind, options):
    key = keygen(tmp_path / "key", kind, *options, passphrase=PASSPHRASE)

    message = refusal(key, "not the passphrase")

    assert f"cannot load private key {key} with the passphrase in TWEETS_ETL_SFTP_KEY_PASSPHRASE" in message
    assert "check the passphrase" in message
    assert "not the passphrase" not in message


def test_a_public_key_given_as_the_identity_is_refused_with_what_to_check(tmp_path):
    key = keygen(tmp_path / "key", "ed25519")

    message = refusal(Path(f"{key}.pub"))

    assert f"cannot load private key {key}.pub" in message
    assert "check that it is a private key" in message


def test_a_pkcs8_key_paramiko_cannot_read_names_the_command_that_rewrites_it(tmp_path):
    key = keygen(tmp_path / "key", "ecdsa", "-m", "PKCS8")

    message = refusal(key)

    assert f"`ssh-keygen -p -f {key}`" in message


def test_an_encrypted_pkcs8_key_without_passphrase_is_an_auth_error_too(tmp_path):
    key = keygen(tmp_path / "key", "rsa", "-b", "2048", "-m", "PKCS8", passphrase=PASSPHRASE)

    assert "is protected by a passphrase" in refusal(key)


# cryptography warns that DSA is deprecated while paramiko probes the key: that is the point here.
@pytest.mark.filterwarnings("ignore:SSH DSA keys are deprecated")
def test_a_key_type_paramiko_lacks_says_which_key_to_make(tmp_path):
    try:
        key = keygen(tmp_path / "key", "dsa")
    except subprocess.CalledProcessError:
        pytest.skip("this ssh-keygen no longer makes DSA keys")
    if hasattr(paramiko, "DSSKey"):
        pytest.skip("this paramiko still reads DSA keys")

    assert "`ssh-keygen -t ed25519`" in refusal(key)


def test_a_missing_identity_file_is_an_auth_error(tmp_path):
    assert "does not exist" in refusal(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("ed25519", ()),
        ("rsa", ("-b", "2048", "-m", "PEM")),
        ("ecdsa", ("-m", "PEM")),
        ("rsa", ("-b", "2048", "-m", "PKCS8")),
    ],
    ids=["openssh", "pem-rsa", "pem-ecdsa", "pkcs8"],
)
def test_whether_a_key_needs_a_passphrase_is_read_from_the_file(tmp_path, kind, options):
    locked = keygen(tmp_path / "locked", kind, *options, passphrase=PASSPHRASE)
    plain = keygen(tmp_path / "plain", kind, *options)

    assert key_is_encrypted(locked.read_bytes()) is True
    assert key_is_encrypted(plain.read_bytes()) is False
    assert key_is_encrypted(Path(f"{plain}.pub").read_bytes()) is None
