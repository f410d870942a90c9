"""Shipping errors, each one sentence for people, grouped by what the shipper does next.

- :class:`ConnectError` (exit 3): no usable session; host key, login and remote directory problems are
  never retried (a person must act), network problems are retried with backoff first.
- :class:`ConnectionLostError`: the session dropped in the middle of a file; the shipper reconnects and
  resumes that file.
- :class:`FileShipError`: this one file cannot be shipped now; the others go on.
"""

from __future__ import annotations

from tweets_etl.errors import TweetsEtlError


class ShipError(TweetsEtlError):
    """Base of every shipping failure."""


class ConnectError(ShipError):
    """Cannot open or use a session to the target; nothing more is sent."""

    exit_code = 3

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class HostKeyError(ConnectError):
    """The server's host key is unknown or changed; only a person can decide to trust it."""


class AuthError(ConnectError):
    """The server refused every credential offered."""


class ConnectionLostError(ShipError):
    """The session dropped while a file was in flight; reconnecting and resuming is safe."""


class FileShipError(ShipError):
    """One file cannot be shipped (conflict, mismatch, remote refusal); the other files go on."""
