"""« Documents → Vérifier un PDF signé… »: the French report with its verdict line, against
the archived fingerprint (by path, else by content); tampered copies fail."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from app.config import app_paths
from app.models.enums import DocumentKind
from app.services import documents
from app.services.signing import SignerProfile, load_signer
from app.ui import application, case_widgets
from app.ui.case_widgets import ERROR_NOTICE, OK_NOTICE, WARNING_NOTICE
from app.ui.verify_dialog import VerifyDialog, verify_file
from tests.factories import granted_case, make_person, make_users
from tests.pki import PASSPHRASE, make_test_pki

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def world(db, tmp_path):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    pki = make_test_pki(tmp_path)
    signer = load_signer(
        SignerProfile(pki.p12_path, "Marc Aubert", "Responsable de MDS"), PASSPHRASE
    )
    return validator, case_id, signer


@pytest.fixture
def signed(db, world):
    validator, case_id, signer = world
    return documents.produce_document(
        db, validator, case_id, DocumentKind.GRANT_LETTER, signer=signer
    )


@pytest.fixture
def shown(monkeypatch, qtbot, shoot) -> list[VerifyDialog]:
    """The modal seam: the dialog is shown (for the screenshot) and recorded."""
    dialogs_seen: list[VerifyDialog] = []

    def fake_exec(dialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialogs_seen.append(dialog)
        shoot(dialog, f"verify_{len(dialogs_seen)}")
        return True

    monkeypatch.setattr(case_widgets, "exec_dialog", fake_exec)
    return dialogs_seen


def tampered_copy(source: Path, target: Path) -> Path:
    """One letter of the signed revision changed (inside the signed byte range)."""
    data = bytearray(source.read_bytes())
    position = data.index(b"/Type /Catalog")
    data[position + 7] = ord("X")  # /Type /CXtalog
    target.write_bytes(bytes(data))
    return target


def test_archived_signed_letter_is_intact_and_conforms_to_the_archive(
    qtbot, db, signed, shown, fake_dialogs
):
    fake_dialogs.open_file = str(signed.path)
    result = verify_file(None, db)
    assert result is not None and result.ok
    dialog = shown[0]
    assert dialog.verdict_ok
    assert dialog.verdict_label.text() == (
        "Résultat : document signé et intact (certificat non vérifié)."
    )
    assert dialog.verdict_label.styleSheet() == OK_NOTICE
    report = dialog.report_text.toPlainText()
    assert "Signature 1 : Marc Aubert" in report
    assert "conforme à l'archive" in report
    assert dialog.archive_label.text().startswith("Document des archives de cette base")
    assert dialog.file_label.text() == f"Fichier : {signed.path}"


def test_a_tampered_copy_fails(qtbot, db, signed, shown, tmp_path):
    copy = tampered_copy(signed.path, tmp_path / "copie-modifiee.pdf")
    result = verify_file(None, db, copy)
    assert result is not None and not result.ok
    dialog = shown[0]
    assert not dialog.verdict_ok
    assert dialog.verdict_label.styleSheet() == ERROR_NOTICE
    assert dialog.verdict_label.text() == (
        "Résultat : signature NON valide — le document a pu être modifié."
    )
    assert "NON INTÈGRE" in dialog.report_text.toPlainText()
    assert dialog.archive_label.text().startswith("Ce fichier ne correspond à aucun document")


def test_a_changed_archive_file_differs_from_its_fingerprint(qtbot, db, signed, shown):
    data = signed.path.read_bytes()
    signed.path.write_bytes(data + b"\n% ajout\n")
    result = verify_file(None, db, signed.path)
    assert result is not None and not result.ok
    dialog = shown[0]
    assert "DIFFÉRENTE de l'archive" in dialog.report_text.toPlainText()
    assert dialog.archive_label.text().startswith("ATTENTION : ce fichier des archives")
    assert dialog.verdict_label.styleSheet() == ERROR_NOTICE


def test_an_identical_copy_is_found_by_its_fingerprint(qtbot, db, signed, shown, tmp_path):
    copy = tmp_path / "envoye-par-courriel.pdf"
    shutil.copy(signed.path, copy)
    result = verify_file(None, db, copy)
    assert result is not None and result.ok
    note = shown[0].archive_label.text()
    assert note.startswith("Copie identique au document archivé « 2018/DOS-2018-")
    assert "conforme à l'archive" in shown[0].report_text.toPlainText()


def test_a_hand_signed_letter_conforms_without_electronic_signature(qtbot, db, world, shown):
    validator, case_id, _ = world
    doc = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    result = verify_file(None, db, doc.path)
    assert result is not None and result.hand_signed_copy and not result.ok
    dialog = shown[0]
    assert dialog.verdict_label.text().startswith(
        "Résultat : document sans signature électronique (signature manuscrite)"
    )
    assert dialog.verdict_label.styleSheet() == WARNING_NOTICE


def test_not_a_pdf_and_cancelled_choice(qtbot, db, shown, tmp_path, fake_dialogs):
    fake_dialogs.open_file = ""
    assert verify_file(None, db) is None
    assert shown == []
    text = tmp_path / "note.pdf"
    text.write_text("bonjour", encoding="utf-8")
    result = verify_file(None, db, text)
    assert result is not None and not result.ok
    assert shown[0].verdict_label.text() == "Résultat : vérification impossible."
    assert "n'est pas un document PDF" in shown[0].report_text.toPlainText()


def test_documents_menu_of_the_main_window(qtbot, db, actor, signed, shown, fake_dialogs):
    window = application.build_main_window(db, actor, paths=app_paths())
    qtbot.addWidget(window)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "Docu&ments" in menus
    entries = [a.text() for a in menus["Docu&ments"].actions() if not a.isSeparator()]
    assert entries == [
        "&Courriers à produire aujourd'hui…",
        "&Vérifier un PDF signé…",
        "Certificat de &signature…",
    ]
    fake_dialogs.open_file = str(signed.path)
    window.action_verify_pdf.trigger()
    assert shown and shown[0].verdict_ok


def test_the_dialog_keeps_its_result_method(qtbot, db, signed, shown):
    """The verification lives in its own attribute: QDialog.result() still answers."""
    verification = verify_file(None, db, signed.path)
    dialog = shown[0]
    assert dialog.verification is verification
    dialog.done(QDialog.DialogCode.Accepted)
    assert dialog.result() == QDialog.DialogCode.Accepted
