"""This workstation's signing certificate: configured once, opened once per session.

:class:`SignerSetupDialog` (:mod:`app.ui.signer_setup_dialog`, its names offered here too)
chooses the PKCS#12 file (``.p12``/``.pfx``), tests it with its passphrase, saves the file's
path in the workstation config and, when asked, the passphrase in the system's secure
keyring (never on disk). :class:`SignerSession` (one per main window)
opens the certificate the first time a letter is signed and keeps it for the session: the
passphrase comes from the keyring, else it is asked (and, without a keyring, kept in memory
for the session only).

``app.services.signing`` (pyHanko) is imported on first use, not when the window opens.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtWidgets import QWidget

from app.config import Paths, load_config
from app.services.actor import Actor
from app.services.secrets import KeyringUnavailable, SecretStore, certificate_key
from app.services.settings import load_settings
from app.services.storage import Database
from app.ui import case_widgets, dialogs, status
from app.ui.signer_setup_dialog import (
    CERTIFICATE_FILTER,
    NO_KEYRING_TEXT,
    REMEMBER_TEXT,
    SignerSetupDialog,
    describe_signer,
    grow_to_fit,
    signer_profile,
)
from app.ui.widgets import busy_cursor

if TYPE_CHECKING:
    from app.services.signing import LoadedSigner, SignatureError

__all__ = [
    "CERTIFICATE_FILTER",
    "HAND",
    "NO_KEYRING_TEXT",
    "REMEMBER_TEXT",
    "SIGN_CHOICES",
    "SignerSession",
    "SignerSetupDialog",
    "describe_signer",
    "grow_to_fit",
    "is_wrong_passphrase",
    "signer_session_of",
]

log = logging.getLogger(__name__)

HAND: Literal["hand"] = "hand"  # the user chose to go on with a hand signature
SIGN_CHOICES = ["Configurer le certificat…", "Continuer avec une signature manuscrite"]


def is_wrong_passphrase(exc: SignatureError) -> bool:
    """Whether load_signer refused the passphrase (rather than the file or its dates)."""
    return exc.message.startswith("Phrase secrète incorrecte")


class SignerSession:
    """The certificate of this workstation, opened at most once per session.

    One per main window. :meth:`resolve` returns the signer, :data:`HAND` when the user chose
    to go on with a hand signature, or None when they cancelled."""

    def __init__(self, paths: Paths | None = None, store: SecretStore | None = None) -> None:
        self._paths = paths
        self._store = store or SecretStore()
        self._signer: LoadedSigner | None = None
        self._path = ""
        # Passphrases typed on a workstation without keyring: this session only, in memory.
        self._typed: dict[str, str] = {}

    @property
    def cached(self) -> LoadedSigner | None:
        return self._signer

    @property
    def configured_path(self) -> str:
        return load_config(self._paths).certificate

    def forget(self) -> None:
        """Close the certificate (and drop passphrases kept in memory)."""
        self._signer, self._path = None, ""
        self._typed.clear()

    def configure(self, parent: QWidget | None) -> bool:
        """Run the setup dialog; on success the certificate is kept for the session."""
        dialog = SignerSetupDialog(parent, paths=self._paths, store=self._store)
        try:
            if not case_widgets.exec_dialog(dialog):
                return False
            self.forget()
            if dialog.loaded is not None:
                self._signer = dialog.loaded
                self._path = str(dialog.loaded.profile.pkcs12_path)
            return True
        finally:
            dialog.deleteLater()

    def get_signer(
        self, parent: QWidget | None, db: Database, actor: Actor, *, capacity: str = ""
    ) -> LoadedSigner | None:
        """The signer for ``actor`` (None when cancelled or when no certificate is used)."""
        signer = self.resolve(parent, db, actor, capacity=capacity)
        return None if signer is None or signer == HAND else signer

    def resolve(
        self, parent: QWidget | None, db: Database, actor: Actor, *, capacity: str = ""
    ) -> LoadedSigner | Literal["hand"] | None:
        """Open (once) the configured certificate, as ``actor`` signs: their name and
        ``capacity`` go on the visible stamp. Without a usable certificate, offer to
        configure one or to go on with a hand signature (:data:`HAND`)."""
        ok, settings = status.attempt_db(parent, lambda: load_settings(db))
        if not ok or settings is None:
            return None
        path = self.configured_path
        if not path or not Path(path).is_file():
            text = (
                "Aucun certificat de signature n'est configuré sur ce poste."
                if not path
                else f"Le certificat de signature de ce poste est introuvable :\n{path}"
            )
            choice = dialogs.ask_choice(
                parent,
                text + "\n\nConfigurer un certificat maintenant, ou continuer avec une "
                "signature manuscrite (courrier à imprimer et à signer à la main) ?",
                SIGN_CHOICES,
            )
            if choice == 1:
                return HAND
            if choice != 0 or not self.configure(parent):
                return None
            path = self.configured_path
        if self._signer is None or self._path != path:
            self._signer = self._open(parent, path)
            self._path = path if self._signer is not None else ""
        if self._signer is None:
            return None
        profile = signer_profile(path, actor.name, capacity, settings.timestamp_url)
        return dataclasses.replace(self._signer, profile=profile)

    def _open(self, parent: QWidget | None, path: str) -> LoadedSigner | None:
        from app.services.signing import SignatureError, load_signer

        profile = signer_profile(path)
        try:
            key = certificate_key(path)
        except OSError as exc:
            log.warning("Certificate unreadable: %s", exc)
            dialogs.show_warning(
                parent, f"Le fichier du certificat de signature ne peut pas être lu :\n{path}"
            )
            return None
        keyring_ok = True
        stored: str | None = None
        try:
            stored = self._store.get_passphrase(key)
        except KeyringUnavailable as exc:
            log.info("No keyring for the passphrase: %s", exc.detail or exc.message)
            keyring_ok = False

        hint = ""
        candidates = [("memory", self._typed.get(key)), ("keyring", stored)]
        if not any(phrase is not None for _source, phrase in candidates):
            candidates.append(("none", None))  # a certificate without passphrase
        for source, phrase in candidates:
            if phrase is None and source != "none":
                continue
            try:
                with busy_cursor():
                    return load_signer(profile, phrase)
            except SignatureError as exc:
                if not is_wrong_passphrase(exc):
                    dialogs.show_error(parent, exc)
                    return None
                if source == "keyring":
                    log.info("Remembered passphrase refused: forgotten")
                    with contextlib.suppress(KeyringUnavailable):
                        self._store.forget(key)
                    hint = (
                        "La phrase secrète mémorisée ne convient plus (certificat renouvelé ?) : "
                        "elle a été oubliée."
                    )
                elif source == "memory":
                    self._typed.pop(key, None)

        name = Path(path).name
        while True:
            lines = [f"Phrase secrète du certificat de signature « {name} » :"]
            if hint:
                lines.insert(0, hint)
            if not keyring_ok:
                lines.append("(elle sera gardée en mémoire jusqu'à la fermeture de l'application)")
            phrase = dialogs.ask_passphrase(parent, "\n".join(lines), "Certificat de signature")
            if phrase is None:
                return None
            try:
                with busy_cursor():
                    signer = load_signer(profile, phrase)
            except SignatureError as exc:
                if is_wrong_passphrase(exc):
                    hint = exc.message
                    continue
                dialogs.show_error(parent, exc)
                return None
            if not keyring_ok:
                self._typed[key] = phrase
            elif stored is not None:  # it was remembered: remember the right one
                try:
                    self._store.set_passphrase(key, phrase)
                except KeyringUnavailable:
                    self._typed[key] = phrase
            return signer


def signer_session_of(widget: QWidget) -> SignerSession | None:
    """The main window's session, for widgets living in it (None outside a main window)."""
    session = getattr(widget.window(), "signer_session", None)
    return session if isinstance(session, SignerSession) else None
