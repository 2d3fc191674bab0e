"""« Courriers à produire aujourd'hui »: the day's letters with check boxes, produced in a
worker with progress and « Annuler », then the outcome (produced, failed, cancelled)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QProgressDialog, QPushButton
from sqlalchemy import select

from app.config import app_paths, load_config, save_config
from app.models import Decision
from app.models.enums import DocumentKind
from app.services import documents, workflow
from app.services.secrets import SecretStore, certificate_key
from app.ui import application, case_widgets, dialogs
from app.ui.case_widgets import OK_NOTICE, WARNING_NOTICE
from app.ui.letters_batch import LettersBatchDialog
from app.ui.signer_setup import SignerSession
from tests.clock import TODAY
from tests.factories import granted_case, make_case, make_person, make_users
from tests.pki import PASSPHRASE, make_test_pki

pytestmark = pytest.mark.usefixtures("fake_dialogs")

DAY = date(2018, 3, 20)
MOTIVE = (
    "Les revenus du foyer dépassent le plafond fixé par la délibération du 13/11/2017 : "
    "les conditions d'attribution du Pack ne sont pas remplies."
)


@pytest.fixture
def world(db):
    referent, validator = make_users(db)
    first = make_person(db, referent)
    second = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    cases = [granted_case(db, referent, validator, p, on=DAY) for p in (first, second)]
    return referent, validator, cases


@pytest.fixture
def pki(tmp_path):
    pki = make_test_pki(tmp_path)
    config = load_config()
    config.certificate = str(pki.p12_path)
    save_config(config)
    SecretStore().set_passphrase(certificate_key(pki.p12_path), PASSPHRASE)
    return pki


@pytest.fixture
def folders(monkeypatch) -> list[Path]:
    opened: list[Path] = []
    monkeypatch.setattr(dialogs, "open_folder", lambda _p, folder: opened.append(folder) or True)
    return opened


def open_dialog(qtbot, db, actor, day=DAY) -> LettersBatchDialog:
    dialog = LettersBatchDialog(db, actor, SignerSession(), day=day)
    qtbot.addWidget(dialog)
    dialog.resize(860, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_two_letters_signed_with_progress(
    qtbot, monkeypatch, qtmodeltester, db, world, pki, folders, shoot
):
    _, validator, cases = world
    dialog = open_dialog(qtbot, db, validator)
    model = dialog.model
    qtmodeltester.check(model)
    assert dialog.title_label.text() == "Courriers à produire — décisions du 20/03/2018"
    assert model.rowCount() == 2
    assert {model.item(r).case_id for r in range(2)} == set(cases)
    assert model.data(model.index(0, 3)) == "Notification d'attribution"
    assert model.data(model.index(0, 4)) == "20/03/2018"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert dialog.sign_check.isChecked()  # a certificate is configured on this workstation
    assert dialog.count_label.text() == "2 courriers à produire sur 2"
    assert dialog.produce_button.text() == "Produire 2 courriers"
    assert not dialog.folder_button.isEnabled()
    shoot(dialog, "batch")

    progress: list[tuple[int, int]] = []
    original = documents.produce_batch

    def spy(*args, **kwargs):
        report = kwargs["progress"]

        def record(done: int, total: int) -> None:
            progress.append((done, total))
            report(done, total)

        kwargs["progress"] = record
        return original(*args, **kwargs)

    monkeypatch.setattr(documents, "produce_batch", spy)
    qtbot.mouseClick(dialog.produce_button, Qt.MouseButton.LeftButton)
    result = dialog.batch_result
    assert result is not None and not result.cancelled and result.failed == []
    assert progress == [(1, 2), (2, 2)]
    assert [p.signed_by for p in result.produced] == ["Marc Aubert", "Marc Aubert"]
    assert dialog.result_label.text() == (
        "2 courriers produits et archivés, signés électroniquement par Marc Aubert."
    )
    assert dialog.result_label.styleSheet() == OK_NOTICE
    assert dialog.failures_text.isHidden()
    assert model.rowCount() == 0  # nothing left to produce for that day
    assert dialog.empty_label.text() == (
        "Aucun courrier à produire pour les décisions du 20/03/2018."
    )
    assert not dialog.produce_button.isEnabled()
    shoot(dialog, "batch_done")
    assert dialog.folder_button.isEnabled()
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert folders == [dialog.produced_folder()]
    assert folders[0] == result.produced[0].path.parent.parent  # the year's folder
    dialog.done(QDialog.DialogCode.Accepted)  # QDialog.result() is not shadowed
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_cancel_stops_after_the_letter_being_produced(qtbot, monkeypatch, db, world):
    _, validator, _ = world
    dialog = open_dialog(qtbot, db, validator)
    dialog.sign_check.setChecked(False)
    first_done, cancel_clicked = threading.Event(), threading.Event()
    original = documents.produce_document

    def slow(*args, **kwargs):  # runs in the worker thread
        produced = original(*args, **kwargs)
        first_done.set()
        cancel_clicked.wait(10)
        return produced

    monkeypatch.setattr(documents, "produce_document", slow)

    def click_cancel() -> None:  # the GUI thread stays responsive meanwhile
        if not first_done.is_set():
            return
        progress = dialog.findChild(QProgressDialog)
        button = next(b for b in progress.findChildren(QPushButton) if b.text() == "Annuler")
        button.click()
        cancel_clicked.set()
        timer.stop()

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(click_cancel)
    timer.start()
    result = dialog.produce()
    timer.stop()
    assert result is not None and result.cancelled
    assert len(result.produced) == 1 and result.produced[0].signed_by == ""
    assert dialog.result_label.text() == (
        "1 courrier produit et archivé, à imprimer et à signer à la main. "
        "Production interrompue : 1 courrier non produit."
    )
    assert dialog.result_label.styleSheet() == WARNING_NOTICE
    assert dialog.model.rowCount() == 1  # the other one is still to produce


def test_unchecked_letters_wait_and_failures_are_listed(qtbot, db, world, shoot):
    referent, validator, _ = world
    third = make_person(db, referent, number="1112223", first_name="Léa", last_name="Roux")
    refused = make_case(db, referent, third)
    workflow.submit(db, referent, refused, on=DAY)
    workflow.refuse(db, validator, refused, MOTIVE, on=DAY)
    with db.write() as s:  # an older import left the refusal without motivation
        s.scalars(select(Decision).where(Decision.kind == "refusal")).one().motivation = ""
    dialog = open_dialog(qtbot, db, validator)
    dialog.sign_check.setChecked(False)
    model = dialog.model
    assert model.rowCount() == 3
    kinds = [model.item(r).kind for r in range(3)]
    keep = kinds.index(DocumentKind.GRANT_LETTER)
    qtbot.mouseClick(dialog.none_button, Qt.MouseButton.LeftButton)
    assert dialog.count_label.text() == "0 courrier à produire sur 3"
    assert not dialog.produce_button.isEnabled()
    model.setData(model.index(keep, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    refusal = kinds.index(DocumentKind.REFUSAL_LETTER)
    dialog._on_clicked(model.index(refusal, 2))  # a click on the row toggles it
    assert dialog.count_label.text() == "2 courriers à produire sur 3"

    result = dialog.produce()
    assert result is not None
    assert len(result.produced) == 1 and len(result.failed) == 1
    failed, reason = result.failed[0]
    assert failed.kind is DocumentKind.REFUSAL_LETTER
    assert reason.startswith("Ce courrier ne peut pas être produit : la motivation")
    assert "1 courrier en échec (détail ci-dessous)." in dialog.result_label.text()
    assert not dialog.failures_text.isHidden()
    assert "Roux".upper() in dialog.failures_text.toPlainText()
    assert "la motivation" in dialog.failures_text.toPlainText()
    assert model.rowCount() == 2  # the refusal and the unchecked grant are still to produce
    shoot(dialog, "batch_failures")


def test_another_day_and_no_certificate(qtbot, db, world, monkeypatch):
    _, validator, _ = world
    dialog = open_dialog(qtbot, db, validator, day=date(2018, 3, 21))
    assert dialog.model.rowCount() == 0
    assert not dialog.sign_check.isChecked()  # no certificate configured on this workstation
    assert dialog.table.isHidden() and not dialog.empty_label.isHidden()
    dialog.date_field.setText("20/03/2018")
    dialog.date_field.editingFinished.emit()
    assert dialog.day == DAY and dialog.model.rowCount() == 2

    # Asked to sign without a certificate: « Continuer avec une signature manuscrite ».
    monkeypatch.setattr(dialogs, "ask_choice", lambda *_a, **_k: 1)
    dialog.sign_check.setChecked(True)
    result = dialog.produce()
    assert result is not None and [p.signed_by for p in result.produced] == ["", ""]
    assert not dialog.sign_check.isChecked()


def test_menu_entry_opens_the_batch_of_today(qtbot, db, actor, monkeypatch):
    window = application.build_main_window(db, actor, paths=app_paths())
    qtbot.addWidget(window)
    seen: list[LettersBatchDialog] = []

    def fake_exec(dialog) -> bool:
        seen.append(dialog)
        return True

    monkeypatch.setattr(case_widgets, "exec_dialog", fake_exec)
    window.action_letters_batch.trigger()
    assert seen and seen[0].day == TODAY
    assert seen[0].title_label.text() == "Courriers à produire aujourd'hui"
    assert seen[0]._session is window.signer_session

    configured: list[object] = []
    monkeypatch.setattr(
        case_widgets, "exec_dialog", lambda dialog: configured.append(dialog) or False
    )
    window.action_signer_setup.trigger()
    assert type(configured[0]).__name__ == "SignerSetupDialog"
