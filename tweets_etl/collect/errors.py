"""Errors of the collector and importers: each is one sentence a person can act on."""

from __future__ import annotations

from tweets_etl.errors import ConfigError, InputError, TweetsEtlError


class CollectError(TweetsEtlError):
    """The X API refused or kept failing, or the collector's own state is in the way."""

    def __init__(self, message: str, *, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code


class AccessError(CollectError):
    """401/403 or the monthly usage cap: retrying cannot help; a person has to fix the token, the access
    tier or the Project, or wait for the cap to reset."""

    exit_code = 3


class RequestCheckError(ConfigError):
    """A search request the X API would refuse (query too long, page size, time window), or a budget
    that cannot work (--max-tweets below 1): a bad option, so exit 2 like every ConfigError."""


class ImportInputError(InputError):
    """An input file cannot be imported as a whole (wrong format, wrong encoding, missing columns)."""


class ImportOptionError(ConfigError):
    """Import options that cannot work: unknown format, preset or mapping target (exit 2)."""
