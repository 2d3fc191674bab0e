"""This workstation's signing certificate: configured once, opened once per session.

:class:`SignerSetupDialog` chooses the PKCS#12 file (``.p12``/``.pfx``), tests it with its
passphrase, saves the file's path in the workstation config and, when asked, the passphrase
in the system's secure keyring (never on disk). :class:`SignerSession` (one per main window)
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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Paths, load_config, save_config
from app.services.actor import Actor
from app.services.secrets import KeyringUnavailable, SecretStore, certificate_key
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_date
from app.ui import case_widgets, dialogs, status
from app.ui.case_widgets import (
    ERROR_NOTICE,
    INFO_NOTICE,
    OK_NOTICE,
    PRIMARY_BUTTON,
    muted,
    notice,
)
from app.ui.widgets import busy_cursor

if TYPE_CHECKING:
    from app.services.signing import LoadedSigner, SignatureError, SignerProfile

log = logging.getLogger(__name__)

CERTIFICATE_FILTER = "Certificats (*.p12 *.pfx)"
REMEMBER_TEXT = "Mémoriser la phrase secrète dans le trousseau sécurisé de Windows/du système"
NO_KEYRING_TEXT = (
    "Ce poste n'a pas de trousseau sécurisé : la phrase secrète ne peut pas y être mémorisée. "
    "Elle vous sera demandée une fois par session, à la première signature."
)
HAND: Literal["hand"] = "hand"  # the user chose to go on with a hand signature
SIGN_CHOICES = ["Configurer le certificat…", "Continuer avec une signature manuscrite"]


def is_wrong_passphrase(exc: SignatureError) -> bool:
    """Whether load_signer refused the passphrase (rather than the file or its dates)."""
    return exc.message.startswith("Phrase secrète incorrecte")


def _profile(path: str | Path, name: str = "", capacity: str = "", url: str = "") -> SignerProfile:
    from app.services.signing import SignerProfile

    return SignerProfile(Path(path), name, capacity, url or None)


def _absolute(path: str) -> Path:
    return Path(path).expanduser().absolute()


def describe_signer(signer: LoadedSigner) -> str:
    """'Certificat de Marc Aubert, valable du 01/01/2025 au 31/12/2027.' (French)"""
    start = format_date(signer.not_before.astimezone().date())
    end = format_date(signer.not_after.astimezone().date())
    return f"Certificat de {signer.common_name}, valable du {start} au {end}."


def grow_to_fit(dialog: QDialog) -> None:
    """Make an open dialog tall enough for what was just shown in it (word-wrapped
    labels included), keeping its width."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = dialog.width()
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(width)
    else:
        needed = layout.totalSizeHint().height()
    if needed > dialog.height():
        dialog.resize(width, needed)


# --- the setup dialog --------------------------------------------------------------------------
class SignerSetupDialog(QDialog):
    """Choose, test and save this workstation's signing certificate (see module docstring).

    After ``accept()``, ``loaded`` is the opened certificate (a session can keep it)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        paths: Paths | None = None,
        store: SecretStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signerSetupDialog")
        self.setWindowTitle("Certificat de signature de ce poste")
        self.setMinimumWidth(620)
        self._paths = paths
        self._store = store or SecretStore()
        self.loaded: LoadedSigner | None = None
        self.keyring_available = self._store.available
        config = load_config(paths)
        self._configured = config.certificate

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        intro = QLabel(
            "Le certificat de signature (fichier .p12 ou .pfx remis par votre administrateur) "
            "sert à signer électroniquement les décisions produites sur ce poste. "
            "Il est configuré une fois ; sa phrase secrète n'est jamais écrite dans un fichier."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        self.path_edit = QLineEdit(config.certificate)
        self.path_edit.setObjectName("certificatePath")
        self.path_edit.setPlaceholderText("Choisissez le fichier du certificat…")
        self.path_edit.setAccessibleName("Fichier du certificat")
        self.path_edit.textChanged.connect(self._on_path_changed)
        self.browse_button = QPushButton("Parcourir…")
        self.browse_button.setObjectName("browseCertificate")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow("Fichier du certificat :", row)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setObjectName("passphrase")
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Phrase secrète du certificat")
        form.addRow("Phrase secrète :", self.passphrase_edit)
        layout.addLayout(form)

        self.remember_check = QCheckBox(REMEMBER_TEXT)
        self.remember_check.setObjectName("rememberPassphrase")
        layout.addWidget(self.remember_check)
        self.keyring_note = muted(NO_KEYRING_TEXT)
        self.keyring_note.setObjectName("keyringNote")
        layout.addWidget(self.keyring_note)
        if not self.keyring_available:
            self.remember_check.setChecked(False)
            self.remember_check.setEnabled(False)
        else:
            self.keyring_note.setVisible(False)

        self.status_label = notice("", INFO_NOTICE)
        self.status_label.setObjectName("certificateStatus")
        self.status_label.setVisible(False)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        self.remove_button = QPushButton("Retirer le certificat de ce poste")
        self.remove_button.setObjectName("removeCertificate")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setVisible(bool(config.certificate))
        self.remove_button.clicked.connect(self.remove)
        self.test_button = QPushButton("Tester")
        self.test_button.setObjectName("testCertificate")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(lambda: self.test_certificate() is not None)
        self.save_button = QPushButton("Enregistrer")
        self.save_button.setObjectName("saveCertificate")
        self.save_button.setDefault(True)
        self.save_button.setStyleSheet(PRIMARY_BUTTON)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._on_path_changed(self.path_edit.text())

    # --- helpers -------------------------------------------------------------------------
    def _key(self) -> str | None:
        text = self.path_edit.text().strip()
        if not text:
            return None
        try:
            return certificate_key(_absolute(text))
        except OSError:
            return None

    def _stored_passphrase(self) -> str | None:
        key = self._key()
        if key is None or not self.keyring_available:
            return None
        try:
            return self._store.get_passphrase(key)
        except KeyringUnavailable:
            return None

    def _on_path_changed(self, text: str) -> None:
        self.path_edit.setToolTip(text)
        stored = self._stored_passphrase() is not None
        self.passphrase_edit.setPlaceholderText(
            "Mémorisée dans le trousseau (laisser vide pour la conserver)" if stored else ""
        )
        if self.keyring_available:
            self.remember_check.setChecked(stored)
        self.status_label.setVisible(False)

    def _show_status(self, text: str, style: str) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(style)
        self.status_label.setVisible(True)
        grow_to_fit(self)

    # --- actions -------------------------------------------------------------------------
    def browse(self) -> None:
        current = self.path_edit.text().strip()
        start = str(Path(current).parent) if current else ""
        chosen = dialogs.ask_open_file(
            self, "Choisir le certificat de signature", CERTIFICATE_FILTER, start
        )
        if chosen:
            self.path_edit.setText(str(_absolute(chosen)))
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def test_certificate(self) -> LoadedSigner | None:
        """Open the certificate with the passphrase typed (or remembered); say the result."""
        from app.services.signing import SignatureError, load_signer

        text = self.path_edit.text().strip()
        if not text:
            self._show_status("Choisissez d'abord le fichier du certificat.", ERROR_NOTICE)
            return None
        passphrase = self.passphrase_edit.text() or self._stored_passphrase()
        try:
            with busy_cursor():
                signer = load_signer(_profile(_absolute(text)), passphrase)
        except SignatureError as exc:
            log.info("Certificate test failed: %s", exc.detail or exc.message)
            self._show_status(exc.message, ERROR_NOTICE)
            self.passphrase_edit.selectAll()
            self.passphrase_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        self._show_status(describe_signer(signer), OK_NOTICE)
        return signer

    def save(self) -> bool:
        """Test, then remember the path (and the passphrase when asked); accept on success."""
        signer = self.test_certificate()
        if signer is None:
            return False
        path = _absolute(self.path_edit.text().strip())
        config = load_config(self._paths)
        config.certificate = str(path)
        try:
            save_config(config, self._paths)
        except OSError as exc:
            log.warning("Workstation config not saved: %s", exc)
            self._show_status(
                "La configuration de ce poste n'a pas pu être enregistrée "
                f"({exc.strerror or exc}).",
                ERROR_NOTICE,
            )
            return False
        message = ""
        typed = self.passphrase_edit.text()
        if self.keyring_available:
            try:
                key = certificate_key(path)
                if self.remember_check.isChecked():
                    if typed:
                        self._store.set_passphrase(key, typed)
                else:
                    self._store.forget(key)
            except (KeyringUnavailable, OSError) as exc:
                log.warning("Passphrase not remembered: %s", exc)
                message = (
                    exc.message
                    if isinstance(exc, KeyringUnavailable)
                    else "La phrase secrète n'a pas pu être mémorisée."
                )
        self.passphrase_edit.clear()
        self.loaded = signer
        log.info("Signing certificate configured: %s", path)
        if message:
            dialogs.show_warning(self, message)
        self.accept()
        return True

    def remove(self) -> bool:
        """Forget the certificate of this workstation (and its remembered passphrase)."""
        configured = self._configured
        if not configured:
            return False
        if not dialogs.ask_yes_no(
            self,
            "Retirer le certificat de signature de ce poste ?\n"
            "Les courriers ne pourront plus être signés électroniquement ici tant qu'un "
            "certificat n'aura pas été configuré de nouveau. Le fichier lui-même n'est pas "
            "supprimé.",
        ):
            return False
        try:
            if self.keyring_available:
                self._store.forget(certificate_key(configured))
        except (KeyringUnavailable, OSError) as exc:
            log.warning("Remembered passphrase not forgotten: %s", exc)
        config = load_config(self._paths)
        config.certificate = ""
        try:
            save_config(config, self._paths)
        except OSError as exc:
            self._show_status(
                "La configuration de ce poste n'a pas pu être enregistrée "
                f"({exc.strerror or exc}).",
                ERROR_NOTICE,
            )
            return False
        self.loaded = None
        self._configured = ""
        self.path_edit.clear()
        self.passphrase_edit.clear()
        self.remove_button.setVisible(False)
        self.accept()
        return True


# --- the session -------------------------------------------------------------------------------
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
        profile = _profile(path, actor.name, capacity, settings.timestamp_url)
        return dataclasses.replace(self._signer, profile=profile)

    def _open(self, parent: QWidget | None, path: str) -> LoadedSigner | None:
        from app.services.signing import SignatureError, load_signer

        profile = _profile(path)
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
