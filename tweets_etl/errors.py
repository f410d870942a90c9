"""Errors meant for people: each carries one sentence that says what went wrong and what to do."""

from __future__ import annotations


class TweetsEtlError(Exception):
    """A failure the user can act on; the CLI prints its message alone, without a stack trace."""

    exit_code = 1


class ConfigError(TweetsEtlError):
    """A configuration value is missing or wrong; the message names the key and the fix."""

    exit_code = 2


class InputError(TweetsEtlError):
    """Input files are missing or unreadable as a whole (single bad records are quarantined instead)."""


class QualityGateError(TweetsEtlError):
    """Reconciliation or a data-quality gate failed; the run is marked failed in etl_runs."""
