"""Two error families: faults the user can act on (French message) versus bugs.

Anything raised as :class:`UserFacingError` is shown to the user as is, logged without a
traceback; every other exception is a bug: logged with its traceback, generic dialog.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """A fault of the input or the environment, with a French message for the user."""

    retryable = False

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ValidationError(UserFacingError):
    """Bad input; ``errors`` maps a field name to its French message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        lines = "\n".join(f"• {msg}" for msg in self.errors.values())
        super().__init__(f"Certaines informations sont à corriger :\n{lines}")


class DatabaseRefused(UserFacingError):
    """The file is not a Pack Sortie database we can open (foreign, newer, corrupt)."""


class DatabaseUnavailable(UserFacingError):
    """Locked, unreachable or read-only: the user may retry."""

    retryable = True


class Contention(DatabaseUnavailable):
    """A server transaction undone because another station's touched the same rows at the
    same moment (serialisation failure, deadlock): running it again will do."""


class ConflictError(UserFacingError):
    """Someone else changed the record in the meantime."""

    retryable = True


class NotAllowed(UserFacingError):
    """The action is not allowed in this state or for this user."""
