"""This workstation's signing certificate: the setup dialog (path in the workstation config,
passphrase in the keyring when asked, French errors) and the session that opens it once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.config import app_paths, load_config
from app.services.secrets import SERVICE_NAME, SecretStore, certificate_key
from app.ui import case_widgets, dialogs
from app.ui.signer_setup import (
    HAND,
    NO_KEYRING_TEXT,
    REMEMBER_TEXT,
    SignerSession,
    SignerSetupDialog,
)
from tests.clock import MOMENT
from tests.factories import make_users
from tests.pki import PASSPHRASE, SIGNER_NAME, make_test_pki

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def pki(tmp_path):
    return make_test_pki(tmp_path)


@pytest.fixture
def passphrases(monkeypatch):
    """The passphrase seam: answers from ``answers`` (None = Annuler), records the texts."""

    class Seam:
        answers: list[str | None] = []
        asked: list[str] = []

    seam = Seam()
    seam.answers, seam.asked = [], []

    def ask(_parent, text, title=""):
        seam.asked.append(text)
        return seam.answers.pop(0) if seam.answers else None

    monkeypatch.setattr(dialogs, "ask_passphrase", ask)
    return seam


@pytest.fixture
def choices(monkeypatch):
    answers: list[int] = []
    asked: list[str] = []

    def ask(_parent, text, options, title="", default=0):
        asked.append(text)
        return answers.pop(0) if answers else -1

    monkeypatch.setattr(dialogs, "ask_choice", ask)
    return answers, asked


def open_dialog(qtbot) -> SignerSetupDialog:
    dialog = SignerSetupDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fill(qtbot, dialog: SignerSetupDialog, fake_dialogs, path: Path, passphrase: str) -> None:
    fake_dialogs.open_file = str(path)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    dialog.passphrase_edit.setText(passphrase)


def test_configuring_stores_the_path_and_the_passphrase_in_the_keyring(
    qtbot, pki, fake_dialogs, memory_keyring, shoot
):
    dialog = open_dialog(qtbot)
    assert dialog.remember_check.text() == REMEMBER_TEXT
    assert dialog.remember_check.isEnabled() and dialog.keyring_note.isHidden()
    assert dialog.remove_button.isHidden()  # nothing configured yet
    fill(qtbot, dialog, fake_dialogs, pki.p12_path, PASSPHRASE)
    assert dialog.path_edit.text() == str(pki.p12_path)
    dialog.remember_check.setChecked(True)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.status_label.text().startswith(f"Certificat de {SIGNER_NAME}, valable du ")
    shoot(dialog, "signer_setup")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.loaded is not None and dialog.loaded.common_name == SIGNER_NAME
    assert load_config().certificate == str(pki.p12_path)
    key = certificate_key(pki.p12_path)
    assert memory_keyring.entries == {(SERVICE_NAME, key): PASSPHRASE}
    assert dialog.passphrase_edit.text() == ""
    # Never on disk: not in the workstation config, nowhere in the app's home.
    for file in app_paths().config_dir.rglob("*"):
        if file.is_file():
            assert PASSPHRASE not in file.read_text(encoding="utf-8", errors="replace")

    again = open_dialog(qtbot)  # configured: the path is shown, the passphrase remembered
    assert again.path_edit.text() == str(pki.p12_path)
    assert again.remember_check.isChecked()
    assert "Mémorisée dans le trousseau" in again.passphrase_edit.placeholderText()
    assert not again.remove_button.isHidden()


def test_without_remember_the_passphrase_is_not_kept(qtbot, pki, fake_dialogs, memory_keyring):
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, fake_dialogs, pki.p12_path, PASSPHRASE)
    dialog.remember_check.setChecked(False)
    assert dialog.save()
    assert load_config().certificate == str(pki.p12_path)
    assert memory_keyring.entries == {}


def test_wrong_passphrase_is_said_in_french_and_nothing_is_saved(
    qtbot, pki, fake_dialogs, memory_keyring, shoot
):
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, fake_dialogs, pki.p12_path, "pas la bonne")
    dialog.remember_check.setChecked(True)
    assert not dialog.save()
    assert dialog.isVisible()
    text = dialog.status_label.text()
    assert text.startswith("Phrase secrète incorrecte pour le certificat de signature")
    assert "marc-aubert.p12" in text
    assert load_config().certificate == ""
    assert memory_keyring.entries == {}
    shoot(dialog, "signer_setup_wrong_passphrase")


def test_expired_certificate_and_missing_file_are_explained(qtbot, tmp_path, fake_dialogs):
    past = MOMENT - timedelta(days=400)
    old = make_test_pki(
        tmp_path, not_before=past, not_after=past + timedelta(days=30), file_name="ancien.p12"
    )
    dialog = open_dialog(qtbot)
    fill(qtbot, dialog, fake_dialogs, old.p12_path, PASSPHRASE)
    assert not dialog.save()
    assert "a expiré le" in dialog.status_label.text()
    assert "renouvellement" in dialog.status_label.text()

    dialog.path_edit.setText(str(tmp_path / "absent.p12"))
    assert dialog.test_certificate() is None
    assert "introuvable" in dialog.status_label.text()

    dialog.path_edit.clear()
    assert dialog.test_certificate() is None
    assert dialog.status_label.text() == "Choisissez d'abord le fichier du certificat."


def test_keyring_unavailable_the_passphrase_is_asked_and_kept_in_memory_only(
    qtbot, pki, fake_dialogs, passphrases, db, shoot
):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert not SecretStore().available
    dialog = open_dialog(qtbot)
    assert not dialog.remember_check.isEnabled() and not dialog.remember_check.isChecked()
    assert not dialog.keyring_note.isHidden()
    assert dialog.keyring_note.text() == NO_KEYRING_TEXT
    shoot(dialog, "signer_setup_no_keyring")
    fill(qtbot, dialog, fake_dialogs, pki.p12_path, PASSPHRASE)
    assert dialog.save()
    assert load_config().certificate == str(pki.p12_path)

    _, validator = make_users(db)
    session = SignerSession()
    passphrases.answers = [PASSPHRASE]
    signer = session.get_signer(None, db, validator)
    assert signer is not None and signer.display_name == "Marc Aubert"
    assert len(passphrases.asked) == 1
    assert "gardée en mémoire jusqu'à la fermeture" in passphrases.asked[0]
    assert "marc-aubert.p12" in passphrases.asked[0]
    # Opened once for the session: not asked again.
    assert session.get_signer(None, db, validator) is not None
    assert len(passphrases.asked) == 1
    # Still nothing on disk.
    text = app_paths().config_file.read_text(encoding="utf-8")
    assert PASSPHRASE not in text and str(pki.p12_path) in text


def configure(pki, store: SecretStore | None = None, passphrase: str | None = PASSPHRASE):
    from app.config import save_config

    config = load_config()
    config.certificate = str(pki.p12_path)
    save_config(config)
    if passphrase is not None:
        (store or SecretStore()).set_passphrase(certificate_key(pki.p12_path), passphrase)


def test_session_uses_the_keyring_and_the_signer_s_name_and_capacity(
    pki, db, passphrases, memory_keyring
):
    configure(pki)
    _, validator = make_users(db)
    session = SignerSession()
    signer = session.get_signer(None, db, validator, capacity="Responsable de MDS")
    assert passphrases.asked == []  # from the keyring
    assert signer is not None
    assert signer.profile.display_name == "Marc Aubert"
    assert signer.profile.capacity == "Responsable de MDS"
    assert signer.profile.pkcs12_path == pki.p12_path
    assert signer.profile.timestamp_url is None  # no server configured: never a network call
    other = session.get_signer(None, db, validator)
    assert other is not None and other.profile.capacity == ""
    assert session.cached is not None


def test_a_wrong_remembered_passphrase_is_forgotten_then_asked(
    pki, db, passphrases, memory_keyring
):
    configure(pki, passphrase="ancienne phrase")
    _, validator = make_users(db)
    passphrases.answers = ["encore faux", PASSPHRASE]
    signer = SignerSession().get_signer(None, db, validator)
    assert signer is not None
    assert "ne convient plus" in passphrases.asked[0] and "oubliée" in passphrases.asked[0]
    assert passphrases.asked[1].startswith("Phrase secrète incorrecte")
    # It had been remembered: the right one is remembered instead.
    key = certificate_key(pki.p12_path)
    assert memory_keyring.entries == {(SERVICE_NAME, key): PASSPHRASE}


def test_cancelling_the_passphrase_gives_no_signer(pki, db, passphrases, memory_keyring):
    configure(pki, passphrase=None)
    _, validator = make_users(db)
    passphrases.answers = [None]
    assert SignerSession().get_signer(None, db, validator) is None
    assert len(passphrases.asked) == 1
    assert memory_keyring.entries == {}


def test_expired_configured_certificate_is_reported(tmp_path, db, fake_dialogs, passphrases):
    past = MOMENT - timedelta(days=400)
    old = make_test_pki(tmp_path, not_before=past, not_after=past + timedelta(days=30))
    configure(old)
    _, validator = make_users(db)
    assert SignerSession().resolve(None, db, validator) is None
    assert passphrases.asked == []
    assert "a expiré" in fake_dialogs.errors[0].message


def test_no_certificate_offers_to_configure_one_or_a_hand_signature(
    qtbot, monkeypatch, pki, db, choices, fake_dialogs, passphrases
):
    answers, asked = choices
    _, validator = make_users(db)
    session = SignerSession()

    answers.append(1)
    assert session.resolve(None, db, validator) == HAND
    assert asked[0].startswith("Aucun certificat de signature n'est configuré sur ce poste.")
    assert session.get_signer(None, db, validator) is None  # cancelled (no answer left)

    def drive(dialog: SignerSetupDialog) -> bool:
        dialog.path_edit.setText(str(pki.p12_path))
        dialog.passphrase_edit.setText(PASSPHRASE)
        return dialog.save()

    monkeypatch.setattr(case_widgets, "exec_dialog", drive)
    answers.append(0)
    signer = session.resolve(None, db, validator, capacity="Responsable de MDS")
    assert signer is not None and signer != HAND
    assert signer.display_name == "Marc Aubert"
    assert passphrases.asked == []  # the setup dialog's certificate is kept for the session
    assert load_config().certificate == str(pki.p12_path)

    pki.p12_path.rename(pki.p12_path.with_suffix(".old"))
    session.forget()
    answers.append(-1)
    assert session.resolve(None, db, validator) is None
    assert "introuvable" in asked[-1]


def test_removing_the_certificate_forgets_path_and_passphrase(
    qtbot, pki, fake_dialogs, memory_keyring
):
    configure(pki)
    dialog = open_dialog(qtbot)
    fake_dialogs.yes_no_answers = [True]
    assert dialog.remove()
    assert load_config().certificate == ""
    assert memory_keyring.entries == {}
