"""The Documents tab of a case: the letters its state calls for, produced signed or for a hand
signature, then previewed, printed, opened in their folder and verified (seams patched)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from app.config import load_config, save_config
from app.models import Decision
from app.models.enums import DocumentKind
from app.services import workflow
from app.services.letter_content import MissingMotivation
from app.services.meetings import MeetingInput, save_meeting
from app.services.pdf_verify import verify_pdf
from app.services.secrets import SecretStore, certificate_key
from app.ui import case_widgets, dialogs
from app.ui.case_view import TAB_DOCUMENTS, TAB_MEETINGS, CaseView
from app.ui.documents_panel import HAND_SIGNATURE, SIGNATURE_CHOICES, SUPERSEDED_COLOUR
from app.ui.signer_setup import SignerSession
from app.ui.verify_dialog import VerifyDialog
from tests.clock import working_day
from tests.factories import granted_case, make_case, make_person, make_users
from tests.pki import PASSPHRASE, make_test_pki

pytestmark = pytest.mark.usefixtures("fake_dialogs")

TODAY = date(2018, 6, 15)
MOTIVE = (
    "Votre contrat a pris fin pendant la période d'essai le 12/04/2018 : les conditions "
    "d'attribution du Pack (délibération du 13/11/2017) ne sont plus remplies."
)


class Seams:
    """The new dialog seams, answered from lists and recorded."""

    def __init__(self, tmp_path: Path) -> None:
        self.choices: list[int] = []
        self.choice_texts: list[tuple[str, list[str]]] = []
        self.passphrases: list[str | None] = []
        self.printed: list[Path] = []
        self.print_answers: list[bool] = []
        self.folders: list[Path] = []
        self.tmp = tmp_path

    def ask_choice(self, _parent, text, options, title="", default=0):
        self.choice_texts.append((text, list(options)))
        return self.choices.pop(0) if self.choices else -1

    def ask_passphrase(self, _parent, text, title=""):
        return self.passphrases.pop(0) if self.passphrases else None

    def print_document(self, _parent, printer: QPrinter) -> bool:
        if self.print_answers and not self.print_answers.pop(0):
            return False
        out = self.tmp / f"impression-{len(self.printed) + 1}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        self.printed.append(out)
        return True

    def open_folder(self, _parent, folder: Path) -> bool:
        self.folders.append(folder)
        return True


@pytest.fixture
def seams(monkeypatch, tmp_path) -> Seams:
    fake = Seams(tmp_path)
    for name in ("ask_choice", "ask_passphrase", "print_document", "open_folder"):
        monkeypatch.setattr(dialogs, name, getattr(fake, name))
    return fake


@pytest.fixture
def world(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(
        db, referent, validator, person, on=date(2018, 3, 20), trial_end=date(2018, 5, 4)
    )
    return referent, validator, person, case_id


@pytest.fixture
def pki(tmp_path):
    """This workstation's certificate configured, its passphrase in the keyring."""
    pki = make_test_pki(tmp_path)
    config = load_config()
    config.certificate = str(pki.p12_path)
    save_config(config)
    SecretStore().set_passphrase(certificate_key(pki.p12_path), PASSPHRASE)
    return pki


def open_view(qtbot, db, actor, case_id) -> CaseView:
    view = CaseView(db, actor, case_id, today=TODAY)
    qtbot.addWidget(view)
    view.documents_panel.session = SignerSession()
    view.resize(1200, 900)
    view.show()
    qtbot.waitExposed(view)
    view.tabs.setCurrentIndex(TAB_DOCUMENTS)
    return view


def menu_entries(view: CaseView) -> dict[str, str]:
    panel = view.documents_panel
    panel._fill_menu()
    return {a.objectName(): a.text() for a in panel.produce_menu.actions()}


def trigger(view: CaseView, kind: DocumentKind) -> None:
    panel = view.documents_panel
    panel._fill_menu()
    action = next(a for a in panel.produce_menu.actions() if a.objectName() == f"produce_{kind}")
    action.trigger()


def test_signed_attribution_from_the_documents_tab(qtbot, db, world, pki, seams, shoot):
    _, validator, _, case_id = world
    view = open_view(qtbot, db, validator, case_id)
    panel = view.documents_panel
    assert view.documents_empty.text() == "Aucun document"
    assert not view.documents_empty.isHidden() and view.document_table.isHidden()
    assert panel.produce_button.isEnabled()
    assert not panel.preview_button.isEnabled() and not panel.verify_button.isEnabled()
    assert menu_entries(view) == {
        "produce_attribution": "Notification d'attribution (décision PSR-2018-0001)"
    }
    shoot(view, "documents_empty")

    seams.choices = [0]  # « Signer électroniquement »
    with qtbot.waitSignal(view.changed, timeout=10_000):
        trigger(view, DocumentKind.GRANT_LETTER)
    text, options = seams.choice_texts[0]
    assert options == SIGNATURE_CHOICES
    assert text.startswith("Notification d'attribution — dossier DOS-2018-")
    produced = panel.last_produced
    assert produced is not None and produced.signed_by == "Marc Aubert"
    model = view.document_model
    assert model.rowCount() == 1
    assert [model.text(0, c) for c in (0, 1, 2, 4)] == [
        "Notification d'attribution",
        "PSR-2018-0001",
        "1",
        "Marc Aubert",
    ]
    assert view.document_table.selectionModel().selectedRows()[0].row() == 0
    assert panel.selected_document().id == produced.id
    assert panel.preview_button.isEnabled() and panel.verify_button.isEnabled()
    assert panel.result_label.text() == (
        "Notification d'attribution, version 1, archivée : signée électroniquement par "
        "Marc Aubert (PAdES B-B)."
    )
    assert seams.printed == []  # signed: nothing to print for a hand signature
    report = verify_pdf(produced.path, archived_sha256=produced.sha256)
    assert report.ok and report.signatures[0].signer_name == "Marc Aubert"
    shoot(view, "documents_signed")


def test_hand_signature_prints_and_a_new_version_greys_the_old_one(
    qtbot, db, world, seams, fake_dialogs, shoot
):
    _, validator, _, case_id = world
    view = open_view(qtbot, db, validator, case_id)
    panel = view.documents_panel
    seams.choices = [1]  # « Imprimer pour signature manuscrite »
    trigger(view, DocumentKind.GRANT_LETTER)
    first = panel.last_produced
    assert first is not None and first.signed_by == "" and first.level == ""
    assert view.document_model.text(0, 4) == HAND_SIGNATURE
    assert panel.result_label.text().endswith("à imprimer et à signer à la main (« Imprimer… »).")
    assert len(seams.printed) == 1  # printed right away, for the signature
    printed = QPdfDocument()
    printed.load(str(seams.printed[0]))
    assert printed.pageCount() == 1

    seams.choices = [1]
    seams.print_answers = [False]  # the user closes the print dialog this time
    trigger(view, DocumentKind.GRANT_LETTER)
    second = panel.last_produced
    assert second is not None and second.version == 2 and second.path != first.path
    model = view.document_model
    assert model.rowCount() == 2
    rows = {model.id_at(r): r for r in range(2)}
    new, old = rows[second.id], rows[first.id]
    assert model.text(new, 2) == "2" and model.text(old, 2) == "1 (remplacée)"
    colour = model.data(model.index(old, 0), Qt.ItemDataRole.ForegroundRole)
    assert colour == SUPERSEDED_COLOUR
    assert model.data(model.index(new, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert panel.selected_document().id == second.id
    assert first.path.exists()  # never overwritten
    assert fake_dialogs.errors == [] and fake_dialogs.warnings == []
    shoot(view, "documents_versions")


def test_refusal_letter_is_blocked_while_the_motivation_is_empty(
    qtbot, db, world, seams, fake_dialogs
):
    referent, validator, _, _ = world
    other = make_person(db, referent, number="7654321", first_name="Awa", last_name="N'Diaye")
    case_id = make_case(db, referent, other)
    workflow.submit(db, referent, case_id)
    workflow.refuse(db, validator, case_id, MOTIVE, on=date(2018, 3, 22))
    with db.write() as s:  # e.g. an older import left the decision without motivation
        s.scalars(select(Decision).where(Decision.kind == "refusal")).one().motivation = " "
    view = open_view(qtbot, db, validator, case_id)
    assert list(menu_entries(view)) == ["produce_refus"]
    trigger(view, DocumentKind.REFUSAL_LETTER)
    assert len(fake_dialogs.errors) == 1
    error = fake_dialogs.errors[0]
    assert isinstance(error, MissingMotivation)
    assert error.message.startswith("Ce courrier ne peut pas être produit : la motivation")
    assert seams.choice_texts == []  # refused before asking how to sign
    assert view.document_model.rowCount() == 0
    assert view.documents_panel.last_produced is None


def test_menu_follows_the_case_state_and_the_selected_meeting(qtbot, db, world, seams, shoot):
    referent, validator, _, case_id = world
    for held_on, kind in (
        (date(2018, 3, 28), "suivi"),
        (date(2018, 5, 2), "suivi"),
        (date(2018, 9, 4), "bilan_6_mois"),
    ):
        save_meeting(
            db,
            referent,
            MeetingInput(case_id, held_on, kind=kind, notes="Point sur l'emploi."),
            today=held_on,
        )
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 16))
    view = open_view(qtbot, db, referent, case_id)
    assert menu_entries(view) == {
        "produce_attribution": "Notification d'attribution (décision PSR-2018-0001)",
        "produce_invitation_observations": (
            "Invitation à présenter des observations (invitation décidée le 16/04/2018, "
            "courrier à envoyer)"
        ),
        "produce_compte_rendu": "Compte rendu d'entretien du 02/05/2018",
        "produce_bilan_6_mois": "Bilan à 6 mois du 04/09/2018",
    }
    menu = view.documents_panel.produce_menu
    menu.popup(view.documents_panel.produce_button.mapToGlobal(QPoint(0, 30)))
    qtbot.waitExposed(menu)
    shoot(menu, "documents_menu")
    menu.hide()
    # The notes are those of the meeting selected in the Entretiens tab.
    view.tabs.setCurrentIndex(TAB_MEETINGS)
    row = next(
        r
        for r in range(view.meeting_model.rowCount())
        if view.meeting_model.row_object(r).held_on == date(2018, 3, 28)
    )
    view.meeting_table.selectRow(row)
    assert menu_entries(view)["produce_compte_rendu"] == "Compte rendu d'entretien du 28/03/2018"
    seams.choices = [1]
    seams.print_answers = [False]
    trigger(view, DocumentKind.MEETING_NOTES)
    produced = view.documents_panel.last_produced
    assert produced is not None and produced.kind is DocumentKind.MEETING_NOTES
    assert view.document_model.text(0, 0) == "Compte rendu d'entretien"

    seams.choices = [1]
    seams.print_answers = [False]
    with working_day(date(2018, 4, 16)):  # the invitation's letter is sent on 16/04
        trigger(view, DocumentKind.OBSERVATIONS_NOTICE)
    assert menu_entries(view)["produce_invitation_observations"] == (
        "Invitation à présenter des observations (courrier envoyé le 16/04/2018, délai "
        "jusqu'au 01/05/2018 inclus)"
    )
    workflow.end_early(db, validator, case_id, workflow.ExitReason.TRIAL_FAILED, MOTIVE,
                       on=date(2018, 5, 2))  # fmt: skip
    view.reload()
    assert "produce_fin_anticipee" in menu_entries(view)


def test_no_certificate_offers_a_hand_signature(qtbot, db, world, seams):
    _, validator, _, case_id = world
    view = open_view(qtbot, db, validator, case_id)
    seams.choices = [0, 1]  # sign electronically… then « Continuer avec une signature manuscrite »
    seams.print_answers = [False]
    trigger(view, DocumentKind.GRANT_LETTER)
    assert seams.choice_texts[1][0].startswith("Aucun certificat de signature n'est configuré")
    produced = view.documents_panel.last_produced
    assert produced is not None and produced.signed_by == ""


def test_cancelling_the_passphrase_produces_nothing(qtbot, db, world, seams, tmp_path):
    _, validator, _, case_id = world
    pki = make_test_pki(tmp_path)
    config = load_config()
    config.certificate = str(pki.p12_path)
    save_config(config)  # passphrase not remembered: it is asked
    view = open_view(qtbot, db, validator, case_id)
    seams.choices = [0]
    seams.passphrases = [None]
    trigger(view, DocumentKind.GRANT_LETTER)
    assert view.documents_panel.last_produced is None
    assert view.document_model.rowCount() == 0


def test_only_the_author_or_a_validator_signs_a_letter(qtbot, db, world, pki, seams, fake_dialogs):
    referent, _, _, case_id = world
    view = open_view(qtbot, db, referent, case_id)  # Nadia Benali; the decision is Marc's
    seams.choices = [0]
    trigger(view, DocumentKind.GRANT_LETTER)
    assert fake_dialogs.warnings[0].startswith("Ce courrier est établi au nom de Marc Aubert")
    assert "seul l'auteur ou un valideur ayant délégation" in fake_dialogs.warnings[0]
    assert fake_dialogs.questions == []
    assert view.documents_panel.last_produced is None


def test_preview_print_folder_and_verification_of_the_selected_document(
    qtbot, monkeypatch, db, world, pki, seams
):
    _, validator, _, case_id = world
    view = open_view(qtbot, db, validator, case_id)
    panel = view.documents_panel
    seams.choices = [0]
    trigger(view, DocumentKind.GRANT_LETTER)
    produced = panel.last_produced
    assert produced is not None

    qtbot.mouseClick(panel.preview_button, Qt.MouseButton.LeftButton)
    preview = panel.preview
    assert preview is not None and preview.isVisible()
    assert preview.page_count() == 1
    assert preview.path == produced.path
    preview.close()

    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    assert len(seams.printed) == 1
    printed = QPdfDocument()
    printed.load(str(seams.printed[0]))
    assert printed.pageCount() == 1

    qtbot.mouseClick(panel.folder_button, Qt.MouseButton.LeftButton)
    assert seams.folders == [produced.path.parent]

    seen: list[VerifyDialog] = []

    def fake_exec(dialog) -> bool:
        seen.append(dialog)
        return True

    monkeypatch.setattr(case_widgets, "exec_dialog", fake_exec)
    qtbot.mouseClick(panel.verify_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.verdict_ok
    assert "conforme à l'archive" in dialog.report_text.toPlainText()


def test_missing_archive_file_offers_a_retry(qtbot, db, world, seams, fake_dialogs):
    _, validator, _, case_id = world
    view = open_view(qtbot, db, validator, case_id)
    seams.choices = [1]
    seams.print_answers = [False]
    trigger(view, DocumentKind.GRANT_LETTER)
    produced = view.documents_panel.last_produced
    produced.path.rename(produced.path.with_suffix(".moved"))
    fake_dialogs.retry_answers = [False]
    assert view.documents_panel.preview_selected() is None
    assert fake_dialogs.retries[0].startswith("Le document archivé est introuvable")


def test_read_only_database_produces_nothing(qtbot, db, world, seams):
    _, validator, _, case_id = world
    db.read_only = True
    view = open_view(qtbot, db, validator, case_id)
    assert not view.documents_panel.produce_button.isEnabled()
    assert "lecture seule" in view.documents_panel.produce_button.toolTip()
