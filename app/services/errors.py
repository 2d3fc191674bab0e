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


class ServerUnreachable(DatabaseUnavailable):
    """The département's server does not answer (down, network, VPN, wrong host or port)."""

    def __init__(self, where: str = "", *, detail: str = "") -> None:
        place = f" ({where})" if where else ""
        super().__init__(
            f"Le serveur du Département{place} ne répond pas : vérifiez que ce poste est "
            "connecté au réseau du Département, puis réessayez. S'il ne répond toujours pas, "
            "prévenez votre administrateur.",
            detail=detail,
        )
        self.where = where


class LoginRefused(DatabaseRefused):
    """The server refused the user name or the password."""

    def __init__(self, *, detail: str = "") -> None:
        super().__init__(
            "Connexion refusée par le serveur : identifiant ou mot de passe incorrect.",
            detail=detail,
        )


class ServerBaseMissing(DatabaseRefused):
    """The server answers but has no database of that name."""

    def __init__(self, name: str = "", *, detail: str = "") -> None:
        base = f"« {name} » " if name else ""
        super().__init__(
            f"La base {base}n'existe pas sur le serveur du Département : vérifiez son nom "
            "auprès de votre administrateur.",
            detail=detail,
        )
