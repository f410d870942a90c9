"""Secrets from the environment never reach a log line: not in messages, arguments or tracebacks."""

from __future__ import annotations

import logging

import pytest

from tweets_etl.logs import setup_logging

SECRETS = {
    "X_BEARER_TOKEN": "AAAAbearer-token-0123456789",
    "TWEETS_ETL_SFTP_PASSWORD": "hunter2-sftp-password",
    "TWEETS_ETL_SFTP_KEY_PASSPHRASE": "correct horse battery staple",
}


@pytest.fixture
def secrets(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


def test_secret_values_are_masked_in_every_part_of_a_log_line(secrets, capsys):
    setup_logging(1)  # debug: the level at which the most is written
    log = logging.getLogger("tweets_etl.test")
    token, password, passphrase = secrets.values()

    log.info("calling the API with Bearer %s", token)
    log.debug(f"login with password {password}")
    log.warning("key %(key)s with passphrase %(passphrase)s", {"key": "id_ed25519", "passphrase": passphrase})
    try:
        raise RuntimeError(f"sftp://etl:{password}@edge refused the bearer {token}")
    except RuntimeError:
        log.exception("could not connect")

    err = capsys.readouterr().err
    assert "Bearer ***" in err and "login with password ***" in err
    assert "key id_ed25519 with passphrase ***" in err
    assert "RuntimeError: sftp://etl:***@edge refused the bearer ***" in err
    for name, value in secrets.items():
        assert value not in err, f"the value of {name} was logged"


def test_short_values_are_not_masked_so_ordinary_words_stay_readable(monkeypatch, capsys):
    # A five-character "secret" would turn every matching word of every line into ***.
    monkeypatch.setenv("TWEETS_ETL_SFTP_PASSWORD", "stage")
    setup_logging(0)

    logging.getLogger("tweets_etl.test").info("stage ingest done")

    assert "stage ingest done" in capsys.readouterr().err


def test_an_error_the_cli_prints_masks_secrets_too(secrets, capsys, tmp_path):
    # Errors are printed, not logged, so the log filter never sees them; a config error quotes its value.
    from tweets_etl.cli import main

    password = secrets["TWEETS_ETL_SFTP_PASSWORD"]

    code = main(["sample", "--set", f"warehouse.database={password}", "--var-dir", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2 and "warehouse.database" in err
    assert "***" in err and password not in err
