"""Import of beneficiaries: choose, check or import, report (counts, rejected lines)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.services import importer
from app.services.beneficiary_search import BeneficiaryFilter, count_beneficiaries
from app.services.errors import DatabaseUnavailable, UserFacingError
from app.ui.import_dialog import (
    ImportReportDialog,
    ImportSetupDialog,
    RejectedLinesModel,
    run_import,
)


@dataclass
class FakeRejected:
    line_number: int
    reason: str


@dataclass
class FakeReport:
    created: int = 12
    updated: int = 3
    unchanged: int = 1
    rejected: list[FakeRejected] = field(
        default_factory=lambda: [
            FakeRejected(4, "Le nom est obligatoire."),
            FakeRejected(9, "La date « 31/02/1980 » n'existe pas dans le calendrier."),
        ]
    )
    dry_run: bool = False

    def as_text(self) -> str:
        lines = [f"Créés : {self.created}", f"Mis à jour : {self.updated}"]
        lines += [f"Ligne {r.line_number} : {r.reason}" for r in self.rejected]
        return "\n".join(lines)


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "extraction-caf.csv"
    path.write_text("Nom;Prénom\nDurand;Paul\n", encoding="utf-8")
    return path


@pytest.fixture
def import_calls(monkeypatch) -> list[dict]:
    """import_file replaced: records its arguments, returns a FakeReport."""
    calls: list[dict] = []

    def fake_import_file(db, actor, path, **kwargs):
        calls.append({"db": db, "actor": actor, "path": path, **kwargs})
        assert callable(kwargs["progress"]) and kwargs["cancelled"]() is False
        return FakeReport(dry_run=kwargs["dry_run"])

    monkeypatch.setattr(importer, "import_file", fake_import_file)
    return calls


@pytest.fixture
def window(qtbot) -> QWidget:
    """Stands for the main window (the parent of the import dialogs)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


class ModalScript:
    """Drives modal dialogs opened by exec(): each step waits for a dialog of a class, acts
    on it, and the test fails (instead of hanging) if it never shows up."""

    def __init__(self, steps: list[tuple[type, callable]], timeout: float = 10.0) -> None:
        self.steps = list(steps)
        self.seen: list[QWidget] = []
        self.failure = ""
        self._deadline = time.monotonic() + timeout
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        if not self.steps:
            return
        cls, action = self.steps[0]
        widget = QApplication.activeModalWidget()
        if isinstance(widget, cls) and widget.isVisible():
            self.steps.pop(0)
            self.seen.append(widget)
            action(widget)
        elif time.monotonic() > self._deadline:
            self.failure = f"{cls.__name__} never shown"
            self.steps.clear()
            if widget is not None:
                widget.close()
            return
        QTimer.singleShot(10, self._poll)

    def check(self) -> None:
        assert not self.failure, self.failure
        assert not self.steps, f"steps not run: {self.steps}"


def close(dialog) -> None:
    dialog.accept()


# --- the whole flow -------------------------------------------------------------------------
def test_import_shows_counts_and_rejected_lines(
    qtbot, window, db, actor, csv_file, import_calls, fake_dialogs, shoot
):
    fake_dialogs.open_file = str(csv_file)
    shown = {}

    def setup(dialog: ImportSetupDialog) -> None:
        assert dialog.path_edit.text() == str(csv_file)
        assert dialog.dry_run_check.isChecked()  # checking first is the default
        shoot(dialog, "import_setup")
        dialog.dry_run_check.setChecked(False)
        assert dialog.start_button.text() == "Importer"
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    def report(dialog: ImportReportDialog) -> None:
        shown["title"] = dialog.windowTitle()
        rejected = len(dialog.rejected_lines)
        shown["counts"] = (dialog.created, dialog.updated, dialog.unchanged, rejected)
        model = dialog.table.model()
        shown["rows"] = [
            (model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())
        ]
        shown["headers"] = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(2)]
        shown["tiles"] = [label.text() for label in dialog.findChildren(QLabel)]
        shoot(dialog, "import_report")
        dialog.accept()

    script = ModalScript([(ImportSetupDialog, setup), (ImportReportDialog, report)])
    result = run_import(window, db, actor)
    script.check()

    assert isinstance(result, FakeReport)
    assert len(import_calls) == 1
    call = import_calls[0]
    assert (call["db"], call["actor"], call["path"], call["dry_run"]) == (
        db,
        actor,
        csv_file,
        False,
    )
    assert shown["title"] == "Rapport d'import"
    assert shown["counts"] == (12, 3, 1, 2)
    assert shown["headers"] == ["Ligne", "Motif"]
    assert shown["rows"] == [
        ("4", "Le nom est obligatoire."),
        ("9", "La date « 31/02/1980 » n'existe pas dans le calendrier."),
    ]
    for text in ("Créés", "Mis à jour", "Inchangés", "Lignes rejetées", "12"):
        assert text in shown["tiles"]
    assert fake_dialogs.errors == []


def test_check_only_passes_dry_run_then_offers_the_import(
    qtbot, window, db, actor, csv_file, import_calls, fake_dialogs, shoot
):
    fake_dialogs.open_file = str(csv_file)
    titles = []

    def setup(dialog: ImportSetupDialog) -> None:
        assert dialog.start_button.text() == "Contrôler le fichier"
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    def dry_report(dialog: ImportReportDialog) -> None:
        titles.append(dialog.windowTitle())
        assert dialog.findChild(QLabel, "headline").text() == (
            "Contrôle terminé : aucune donnée n'a été enregistrée."
        )
        shoot(dialog, "import_report_dry_run")
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)

    def real_report(dialog: ImportReportDialog) -> None:
        titles.append(dialog.windowTitle())
        assert dialog.import_button is None
        dialog.accept()

    script = ModalScript(
        [
            (ImportSetupDialog, setup),
            (ImportReportDialog, dry_report),
            (ImportReportDialog, real_report),
        ]
    )
    result = run_import(window, db, actor)
    script.check()
    assert [c["dry_run"] for c in import_calls] == [True, False]
    assert titles == ["Rapport de contrôle", "Rapport d'import"]
    assert result.dry_run is False


def test_check_only_then_close(qtbot, window, db, actor, csv_file, import_calls, fake_dialogs):
    fake_dialogs.open_file = str(csv_file)
    script = ModalScript(
        [
            (ImportSetupDialog, lambda d: d.start_button.click()),
            (ImportReportDialog, close),
        ]
    )
    result = run_import(window, db, actor)
    script.check()
    assert [c["dry_run"] for c in import_calls] == [True]
    assert result.dry_run is True


def test_no_file_chosen_does_nothing(window, db, actor, import_calls, fake_dialogs):
    fake_dialogs.open_file = ""
    assert run_import(window, db, actor) is None
    assert import_calls == []


def test_cancel_at_the_first_step(window, db, actor, csv_file, import_calls, fake_dialogs):
    fake_dialogs.open_file = str(csv_file)
    script = ModalScript([(ImportSetupDialog, lambda d: d.reject())])
    assert run_import(window, db, actor) is None
    script.check()
    assert import_calls == []


def test_missing_file_is_refused_in_the_first_step(qtbot, tmp_path, fake_dialogs):
    dialog = ImportSetupDialog(None, str(tmp_path / "absent.csv"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "introuvable" in fake_dialogs.warnings[0]
    assert dialog.isVisible()
    dialog.path_edit.clear()
    assert not dialog.start_button.isEnabled()


def test_browse_in_the_first_step(qtbot, csv_file, fake_dialogs):
    dialog = ImportSetupDialog(None)
    qtbot.addWidget(dialog)
    fake_dialogs.open_file = str(csv_file)
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path == csv_file


def test_user_facing_error_is_shown_and_returns_none(
    window, db, actor, csv_file, monkeypatch, fake_dialogs
):
    failure = importer.ImportFileError("Le fichier « extraction-caf.csv » est vide.")

    def failing(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(importer, "import_file", failing)
    fake_dialogs.open_file = str(csv_file)
    script = ModalScript([(ImportSetupDialog, lambda d: d.start_button.click())])
    assert run_import(window, db, actor) is None
    script.check()
    assert fake_dialogs.errors == [failure]


def test_unexpected_error_is_shown_not_raised(
    window, db, actor, csv_file, monkeypatch, fake_dialogs
):
    def bug(*_args, **_kwargs):
        raise KeyError("colonne")

    monkeypatch.setattr(importer, "import_file", bug)
    fake_dialogs.open_file = str(csv_file)
    script = ModalScript([(ImportSetupDialog, lambda d: d.start_button.click())])
    assert run_import(window, db, actor) is None
    script.check()
    assert [type(e) for e in fake_dialogs.errors] == [KeyError]


# --- the report dialog ----------------------------------------------------------------------
@pytest.fixture
def report_dialog(qtbot, csv_file) -> ImportReportDialog:
    dialog = ImportReportDialog(FakeReport(), source=csv_file)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_copy_report(qtbot, report_dialog):
    qtbot.mouseClick(report_dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == FakeReport().as_text()
    assert "copié" in report_dialog.status.text()


def test_save_report_writes_utf8(qtbot, report_dialog, tmp_path, fake_dialogs):
    fake_dialogs.save_file = str(tmp_path / "rapport")
    qtbot.mouseClick(report_dialog.save_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "rapport.txt"
    assert written.read_text(encoding="utf-8") == FakeReport().as_text()
    assert "« 31/02/1980 »" in written.read_text(encoding="utf-8")
    assert str(written) in report_dialog.status.text()


def test_save_report_cancelled_or_failing(qtbot, report_dialog, tmp_path, fake_dialogs):
    fake_dialogs.save_file = ""
    qtbot.mouseClick(report_dialog.save_button, Qt.MouseButton.LeftButton)
    assert fake_dialogs.errors == []
    fake_dialogs.save_file = str(tmp_path / "dossier-absent" / "rapport.txt")
    qtbot.mouseClick(report_dialog.save_button, Qt.MouseButton.LeftButton)
    assert len(fake_dialogs.errors) == 1
    assert isinstance(fake_dialogs.errors[0], UserFacingError)
    assert "Impossible d'enregistrer le rapport" in str(fake_dialogs.errors[0])


def test_report_without_rejected_lines(qtbot):
    dialog = ImportReportDialog(FakeReport(rejected=[]))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QLabel, "noRejected").text() == "Aucune ligne rejetée."
    assert not dialog.table.isVisible()
    assert dialog.findChild(QLabel, "headline").text() == "Import terminé."


def test_rejected_lines_model(qtmodeltester):
    model = RejectedLinesModel([FakeRejected(3, "Nom manquant."), FakeRejected(7, "Date.")])
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.columnCount() == 2


# --- with the real importer -----------------------------------------------------------------
def test_real_csv_import(qtbot, window, db, actor, tmp_path, monkeypatch, fake_dialogs):
    real_import_file = importer.import_file
    progress_seen = []

    def recorded_progress(db, actor, path, **kwargs):
        # The real importer, with progress recorded here rather than sent to the progress
        # dialog: workers.run_with_progress runs its progress slot in the worker thread
        # (a crash; reported to the lead). Put kwargs["progress"] back once it is fixed.
        kwargs["progress"] = lambda done, total: progress_seen.append((done, total))
        return real_import_file(db, actor, path, **kwargs)

    monkeypatch.setattr(importer, "import_file", recorded_progress)
    path = tmp_path / "beneficiaires.csv"
    path.write_text(
        "Nom;Prénom;Date de naissance;N° allocataire;Commune\n"
        "Durand;Paul;01/02/1980;1234567;Massy\n"
        ";Sans nom;01/01/1990;7654321;Évry\n",
        encoding="utf-8",
    )
    fake_dialogs.open_file = str(path)
    shown = {}

    def setup(dialog: ImportSetupDialog) -> None:
        dialog.dry_run_check.setChecked(False)
        dialog.start_button.click()

    def report(dialog: ImportReportDialog) -> None:
        shown["counts"] = (dialog.created, dialog.updated, dialog.unchanged)
        model = dialog.table.model()
        shown["rows"] = [model.index(r, 0).data() for r in range(model.rowCount())]
        shown["full"] = dialog.full_text.toPlainText()
        dialog.accept()

    script = ModalScript([(ImportSetupDialog, setup), (ImportReportDialog, report)])
    result = run_import(window, db, actor)
    script.check()
    assert result is not None and result.created == 1
    assert shown["counts"] == (1, 0, 0)
    assert shown["rows"] == ["3"]
    assert "Lignes rejetées" in shown["full"]
    assert count_beneficiaries(db, BeneficiaryFilter()) == 1
    assert progress_seen == [(2, 2)]
    assert fake_dialogs.errors == []


def test_busy_database_offers_retry(window, db, actor, csv_file, monkeypatch, fake_dialogs):
    attempts = []

    def busy_once(*_args, **kwargs):
        attempts.append(kwargs["dry_run"])
        if len(attempts) == 1:
            raise DatabaseUnavailable("La base de données est occupée par un autre poste.")
        return FakeReport(dry_run=kwargs["dry_run"])

    monkeypatch.setattr(importer, "import_file", busy_once)
    fake_dialogs.open_file = str(csv_file)
    fake_dialogs.retry_answers = [True]
    script = ModalScript(
        [(ImportSetupDialog, lambda d: d.start_button.click()), (ImportReportDialog, close)]
    )
    result = run_import(window, db, actor)
    script.check()
    assert fake_dialogs.retries == ["La base de données est occupée par un autre poste."]
    assert attempts == [True, True]
    assert isinstance(result, FakeReport)


def test_identity_conflicts_are_decided_after_the_report(
    qtbot, window, db, actor, tmp_path, fake_dialogs, shoot
):
    from app.services.beneficiaries import BeneficiaryInput, save_beneficiary
    from app.ui.identity_conflicts import IdentityConflictsDialog

    for last, first, number in (("Lefèvre", "Hélène", "1234567"), ("Roux", "Léa", "7654321")):
        save_beneficiary(
            db,
            actor,
            BeneficiaryInput(last_name=last, first_name=first, allocataire_number=number),
        )
    path = tmp_path / "caf.csv"
    path.write_text(
        "N° allocataire;Nom;Prénom\n1234567;Martin;Anne\n7654321;Durand;Paul\n", encoding="utf-8"
    )
    fake_dialogs.open_file = str(path)
    shown = {}

    def setup(dialog: ImportSetupDialog) -> None:
        dialog.dry_run_check.setChecked(False)
        dialog.start_button.click()

    def report(dialog: ImportReportDialog) -> None:
        shown["headline"] = dialog.findChild(QLabel, "headline").text()
        dialog.accept()

    def decide(dialog: IdentityConflictsDialog) -> None:
        shown["items"] = [dialog.list.item(r).text() for r in range(dialog.list.count())]
        shown["enabled_before"] = dialog.apply_button.isEnabled()
        dialog.list.item(0).setCheckState(Qt.CheckState.Checked)
        shoot(dialog, "identity-conflicts")
        dialog.apply_button.click()

    script = ModalScript(
        [
            (ImportSetupDialog, setup),
            (ImportReportDialog, report),
            (IdentityConflictsDialog, decide),
        ]
    )
    result = run_import(window, db, actor)
    script.check()
    assert len(result.conflicts) == 2 and "à trancher" in shown["headline"]
    assert shown["items"][0].startswith("Ligne 2 : le numéro allocataire 1234567 (CAF)")
    assert shown["enabled_before"] is False
    assert fake_dialogs.infos[-1] == "1 fiche mise à jour."
    with db.read() as s:
        from sqlalchemy import select

        from app.models import Beneficiary

        names = dict(
            s.execute(select(Beneficiary.allocataire_number, Beneficiary.first_name)).all()
        )
    assert names == {"1234567": "Anne", "7654321": "Léa"}


def test_the_report_keeps_its_rejected_signal(qtbot, report_dialog):
    """The rejected lines live in their own attribute: QDialog's signal still fires."""
    closed: list[int] = []
    report_dialog.rejected.connect(lambda: closed.append(1))
    report_dialog.reject()
    assert closed == [1]
    assert len(report_dialog.rejected_lines) == len(FakeReport().rejected)
