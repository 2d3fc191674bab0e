"""Passphrases of signing certificates, kept in the operating system's secure storage.

Windows Credential Manager, macOS Keychain or the Secret Service on Linux, through
``keyring``. When the workstation has no secure storage (no backend, the fail/null backends,
or only a plain-text backend such as those of ``keyrings.alt``), :class:`KeyringUnavailable`
is raised: the UI then asks for the passphrase each time. A passphrase is never written in
plain text, and never into the workstation JSON config.

Entries are keyed by :func:`certificate_key`, a stable id of the certificate *file*; the
password of a département server's account by :func:`server_key`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

from app.services.errors import UserFacingError

log = logging.getLogger(__name__)

SERVICE_NAME = "Pack Sortie"
_UNSAFE_MODULE_PREFIXES = ("keyrings.alt",)


class KeyringUnavailable(UserFacingError):
    """No secure storage for passphrases on this workstation."""

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        super().__init__(
            message
            or (
                "Aucun coffre-fort sécurisé n'est disponible sur ce poste pour mémoriser "
                "la phrase secrète : elle vous sera demandée à chaque signature."
            ),
            detail=detail,
        )


def certificate_key(pkcs12_path: str | Path) -> str:
    """A stable id for a certificate file: SHA-256 of its absolute path and of its content.

    ``"pkcs12:" + sha256(absolute path + NUL + sha256(file bytes))``. The id changes when the
    file is moved or replaced (renewed certificate), so a remembered passphrase is never tried
    on another certificate; it reveals neither the path nor the file. Raises ``OSError`` when
    the file cannot be read.
    """
    path = Path(pkcs12_path).expanduser().absolute()
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    ident = hashlib.sha256(f"{path}\0{content}".encode()).hexdigest()
    return f"pkcs12:{ident}"


def server_key(user: str, host: str, port: int, database: str) -> str:
    """The entry of a département server's password: ``"server:user@host:port/base"``."""
    return f"server:{user}@{host.lower()}:{port}/{database}"


def _is_plain_text(backend: KeyringBackend) -> bool:
    cls = type(backend)
    return cls.__module__.startswith(_UNSAFE_MODULE_PREFIXES) or "plaintext" in cls.__name__.lower()


def _priority(backend: KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return -1.0


def _describe(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


class SecretStore:
    """Remember, recall and forget certificate passphrases (``keyring`` underneath).

    ``backend`` defaults to ``keyring.get_keyring()`` at each call, so that tests and the
    composition root can install one with ``keyring.set_keyring``.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE_NAME):
        self._explicit = backend
        self.service = service

    def _backend(self) -> KeyringBackend:
        backend = self._explicit or keyring.get_keyring()
        if isinstance(backend, ChainerBackend):
            safe = [b for b in backend.backends if not _is_plain_text(b) and _priority(b) >= 1]
            if not safe:
                raise KeyringUnavailable(f"chainer without a secure backend: {_describe(backend)}")
            return safe[0]
        if _is_plain_text(backend):
            log.warning("Refusing plain-text keyring backend %s", _describe(backend))
            raise KeyringUnavailable(f"plain-text backend refused: {_describe(backend)}")
        if _priority(backend) < 1:
            raise KeyringUnavailable(f"no usable backend: {_describe(backend)}")
        return backend

    @property
    def available(self) -> bool:
        """Whether passphrases can be remembered on this workstation."""
        try:
            self._backend()
        except KeyringUnavailable:
            return False
        return True

    def get_passphrase(self, key: str) -> str | None:
        backend = self._backend()
        try:
            return backend.get_password(self.service, key)
        except keyring.errors.KeyringLocked as exc:
            raise _locked(exc) from exc
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise KeyringUnavailable(f"{_describe(backend)}: {exc}") from exc

    def set_passphrase(self, key: str, value: str) -> None:
        if not value:
            raise ValueError("refusing to store an empty passphrase")
        backend = self._backend()
        try:
            backend.set_password(self.service, key, value)
        except keyring.errors.KeyringLocked as exc:
            raise _locked(exc) from exc
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise KeyringUnavailable(f"{_describe(backend)}: {exc}") from exc
        log.info("Passphrase remembered in %s", _describe(backend))

    def forget(self, key: str) -> None:
        """Remove the passphrase (no error when nothing was stored)."""
        backend = self._backend()
        try:
            backend.delete_password(self.service, key)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringLocked as exc:
            raise _locked(exc) from exc
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise KeyringUnavailable(f"{_describe(backend)}: {exc}") from exc


def _locked(exc: Exception) -> KeyringUnavailable:
    return KeyringUnavailable(
        str(exc),
        message=(
            "Le coffre-fort de ce poste est verrouillé : la phrase secrète n'a pas pu être "
            "lue ni enregistrée. Saisissez-la pour cette fois."
        ),
    )
