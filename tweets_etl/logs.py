"""Logging for people: short lines on stderr, and secrets from the environment never printed."""

from __future__ import annotations

import logging
import os
import sys

# Values of these variables are masked wherever they would appear in a log line.
SECRET_ENV_VARS = (
    "X_BEARER_TOKEN",
    "TWITTER_BEARER_TOKEN",
    "TWEETS_ETL_SFTP_PASSWORD",
    "TWEETS_ETL_SFTP_KEY_PASSPHRASE",
)
_MASK = "***"


class RedactSecrets(logging.Filter):
    """Replace any secret value from the environment with *** before a record is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _secrets()
        if secrets:
            record.msg, record.args = _masked(record.getMessage(), secrets), None
            if record.exc_info and not record.exc_text:
                # An exception's text (a URL with a password, a request's headers) is in the traceback
                # the formatter adds after this filter: format it here, masked; the formatter reuses it.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = _masked(record.exc_text, secrets)
        return True


def redact(text: str) -> str:
    """``text`` with every secret from the environment masked: for what is printed, not logged."""
    return _masked(text, _secrets())


def _secrets() -> list:
    # Values under 6 characters are left alone: masking "etl" or "1234" would garble ordinary text.
    return [os.environ[name] for name in SECRET_ENV_VARS if len(os.environ.get(name, "")) >= 6]


def _masked(text: str, secrets: list) -> str:
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


def setup_logging(verbosity: int = 0) -> None:
    """verbosity: -1 quiet (warnings), 0 normal (info), 1+ debug."""
    level = logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity > 0 else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-5s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Third-party chatter stays out of a normal run.
    # tweepy logs request headers (the bearer token) at DEBUG, so it stays at WARNING even with -v.
    for noisy in ("py4j", "paramiko", "urllib3", "requests_oauthlib", "oauthlib", "tweepy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # paramiko repeats as an ERROR every dropped connection the shipper already retries and reports.
    logging.getLogger("paramiko.transport").setLevel(logging.CRITICAL)
