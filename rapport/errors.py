"""Rapport's error hierarchy, and how an error becomes one paragraph and an exit code.

Every error Rapport raises on purpose subclasses one of the bases below, and
the base decides the exit code: renaming a class can no longer change what a
scheduler sees. Each class carries its own ``hint`` (what to do about it), so
the advice lives next to the code that raises it.

Third-party errors that reach the user (pydantic's ``ValidationError``,
simple-salesforce's sign-in failures, ``FileNotFoundError``) are matched with
``isinstance`` against the imported classes, imported only when an error is
being explained, so the CLI starts without them.

This module imports nothing from Rapport: every package may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

SUCCESS = 0
UNEXPECTED = 1
CONFIG_ERROR = 2
GATE_FAILED = 3
SIGN_IN_FAILED = 4
CHECK_FAILED = 5  # rapport doctor found a problem
RUN_LOCKED = 6  # another run holds the warehouse

DEBUG_HINT = "Run again with --debug for the traceback."


class RapportError(Exception):
    """Base of every error Rapport raises on purpose.

    Subclass one of the categories below rather than this class directly,
    unless the error is a run-time failure with no better category (exit 1).
    """

    exit_code: ClassVar[int] = UNEXPECTED
    title: ClassVar[str] = "The run stopped"
    hint: ClassVar[str] = DEBUG_HINT


class ConfigurationError(RapportError):
    """Settings, a mapping, a suite or an input file that cannot be used as given."""

    exit_code = CONFIG_ERROR
    title = "Configuration problem"
    hint = "Check rapport.yml and the RAPPORT_... environment variables."


class GateFailure(RapportError):
    """A quality gate stopped the run before anything was written to the CRM."""

    exit_code = GATE_FAILED
    title = "A quality gate stopped the run; nothing was written to the CRM"
    hint = ""


class SignInError(RapportError):
    """Salesforce refused the sign-in (or the session ran out)."""

    exit_code = SIGN_IN_FAILED
    title = "Salesforce sign-in failed"
    hint = "Check the credentials for the configured salesforce.auth mode; `rapport doctor` checks them."


class RunLockedError(RapportError):
    """Another run holds the warehouse; two runs at once would corrupt or block each other."""

    exit_code = RUN_LOCKED
    title = "Another run is using the warehouse"
    hint = (
        "Wait for it to finish, or set run_lock_timeout_seconds to wait for it; "
        "a run that died released the lock with its process."
    )


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    exit_code: int


def _third_party(error: BaseException) -> tuple[type[RapportError], str] | None:
    """The category and hint of a library error the user can act on, or None."""
    from pydantic import ValidationError
    from simple_salesforce.exceptions import (
        SalesforceAuthenticationFailed,
        SalesforceExpiredSession,
    )

    known: list[tuple[type[BaseException], type[RapportError], str]] = [
        (ValidationError, ConfigurationError, ConfigurationError.hint),
        (SalesforceAuthenticationFailed, SignInError, SignInError.hint),
        (SalesforceExpiredSession, SignInError, SignInError.hint),
        (FileNotFoundError, ConfigurationError, "Check the path."),
    ]
    for library_class, category, hint in known:
        if isinstance(error, library_class):
            return category, hint
    return None


def explain(error: BaseException) -> Problem:
    """The title, message (the error's text and what to do) and exit code for ``error``."""
    text = str(error).strip() or type(error).__name__
    if isinstance(error, RapportError):
        kind, hint = type(error), type(error).hint
    elif (matched := _third_party(error)) is not None:
        kind, hint = matched
    else:
        return Problem(
            f"Unexpected error ({type(error).__name__})", f"{text}\n{DEBUG_HINT}", UNEXPECTED
        )
    return Problem(kind.title, f"{text}\n{hint}" if hint else text, kind.exit_code)
