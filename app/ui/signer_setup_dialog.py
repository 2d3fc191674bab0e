"""The dialog that configures this workstation's signing certificate.

:class:`SignerSetupDialog` chooses the PKCS#12 file (``.p12``/``.pfx``), tests it with its
passphrase, saves the file's path in the workstation config and, when asked, the passphrase
in the system's secure keyring (never on disk). The session that then opens the certificate
once is :class:`app.ui.signer_setup.SignerSession`.

``app.services.signing`` (pyHanko) is imported on first use, not when the window opens.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

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
from app.services.secrets import KeyringUnavailable, SecretStore, certificate_key
from app.services.text import format_date
from app.ui import dialogs
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
    from app.services.signing import LoadedSigner, SignerProfile

log = logging.getLogger(__name__)

CERTIFICATE_FILTER = "Certificats (*.p12 *.pfx)"
REMEMBER_TEXT = "Mémoriser la phrase secrète dans le trousseau sécurisé de Windows/du système"
NO_KEYRING_TEXT = (
    "Ce poste n'a pas de trousseau sécurisé : la phrase secrète ne peut pas y être mémorisée. "
    "Elle vous sera demandée une fois par session, à la première signature."
)


def signer_profile(
    path: str | Path, name: str = "", capacity: str = "", url: str = ""
) -> SignerProfile:
    from app.services.signing import SignerProfile

    return SignerProfile(Path(path), name, capacity, url or None)


def absolute_path(path: str) -> Path:
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
            return certificate_key(absolute_path(text))
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

    def _save_certificate_path(self, path: str) -> bool:
        """The certificate of the workstation config ('' for none); False, the user told
        why, when the config could not be written."""
        config = load_config(self._paths)
        config.certificate = path
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
        return True

    # --- actions -------------------------------------------------------------------------
    def browse(self) -> None:
        current = self.path_edit.text().strip()
        start = str(Path(current).parent) if current else ""
        chosen = dialogs.ask_open_file(
            self, "Choisir le certificat de signature", CERTIFICATE_FILTER, start
        )
        if chosen:
            self.path_edit.setText(str(absolute_path(chosen)))
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
                signer = load_signer(signer_profile(absolute_path(text)), passphrase)
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
        path = absolute_path(self.path_edit.text().strip())
        if not self._save_certificate_path(str(path)):
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
        if not self._save_certificate_path(""):
            return False
        self.loaded = None
        self._configured = ""
        self.path_edit.clear()
        self.passphrase_edit.clear()
        self.remove_button.setVisible(False)
        self.accept()
        return True
