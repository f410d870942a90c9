"""Errors meant for people: each carries one sentence that says what went wrong and what to do."""

from __future__ import annotations


class TweetsEtlError(Exception):
    """A failure the user can act on; the CLI prints its message alone, without a stack trace."""

    exit_code = 1


class ConfigError(TweetsEtlError):
    """A configuration value or a command-line option is missing or wrong; the message names it and the
    fix."""

    exit_code = 2


class InputError(TweetsEtlError):
    """Input files are missing or unreadable as a whole (single bad records are quarantined instead)."""


class QualityGateError(TweetsEtlError):
    """Reconciliation or a data-quality gate failed; the run is marked failed in etl_runs."""


def first_line(error: object, limit: int = 300) -> str:
    """The first non-blank line of ``error``'s text, stripped and cut to ``limit`` characters.

    ``error`` is an exception or a tool's output; the lines after the first are usually a trace, a plan or
    the statement again. An exception with an empty message gives its class name, so a sentence never
    ends in an empty reason; empty text that is not an exception gives "".
    """
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return type(error).__name__ if isinstance(error, BaseException) else ""


def describe(error: BaseException, limit: int = 300) -> str:
    """``Type: first line`` of an unexpected exception, or ``Type`` alone when its message is empty."""
    name = type(error).__name__
    return f"{name}: {first_line(error, limit)}" if str(error).strip() else name
