"""A beneficiary's file as a tab: a readable summary of the person and the list of cases.

Reading the person goes through app.services.beneficiaries.load_beneficiary (recorded in the
access log); the cases come from app.services.case_view.cases_of_beneficiary. « Modifier la
fiche » opens the beneficiary form, « Nouveau dossier » the case editor; a case is opened by
double-click or Enter (``openCaseRequested``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CaseState, Civility, Orientation
from app.services import beneficiaries, beneficiary_search, clock
from app.services import case_view as case_service
from app.services.actor import Actor
from app.services.beneficiaries import BeneficiaryInput
from app.services.beneficiary_search import Lookups
from app.services.case_view import CaseSummary
from app.services.errors import NotAllowed, ValidationError
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.ui import dialogs, status
from app.ui.beneficiary_forms import run_beneficiary_dialog, run_case_editor
from app.ui.beneficiary_texts import (
    age_text,
    ago_text,
    born_text,
    enum_label,
    member_text,
    person_title,
)
from app.ui.caseload_view import RowTable
from app.ui.person_summary import CAPTION_STYLE, NONE, PersonSummary
from app.ui.table_hint import TableHint
from app.ui.widgets import RowListModel

__all__ = [
    "CASE_HEADERS",
    "COL_AMOUNT",
    "COL_EMPLOYER",
    "COL_JOB_START",
    "COL_REFERENCE",
    "COL_STATE",
    "NONE",
    "NO_CASE_HINT",
    "BeneficiaryFile",
    "CaseListModel",
    "age_text",
    "ago_text",
    "member_text",
    "person_title",
    "run_beneficiary_dialog",
    "run_case_editor",
]

NO_CASE_HINT = "Aucun dossier pour ce bénéficiaire.\n« Nouveau dossier » en crée un."
# States whose case may hold follow-up meetings (the last contact is the latest of them).
_FOLLOWED = {
    CaseState.GRANTED,
    CaseState.IN_PROGRESS,
    CaseState.SUSPENDED,
    CaseState.COMPLETED,
    CaseState.ENDED_EARLY,
}

COL_REFERENCE, COL_STATE, COL_JOB_START, COL_EMPLOYER, COL_AMOUNT = range(5)
CASE_HEADERS = ("Référence", "État", "Début de l'emploi", "Employeur", "Montant")


class CaseListModel(RowListModel):
    """The person's cases, most recent job first; ``data()`` never queries."""

    HEADERS = CASE_HEADERS

    _rows: list[CaseSummary]

    def case(self, row: int) -> CaseSummary:
        return self._rows[row]

    def row_of(self, case_id: uuid.UUID) -> int:
        return next((n for n, c in enumerate(self._rows) if c.id == case_id), -1)

    RIGHT_ALIGNED = frozenset({COL_AMOUNT})

    def cells(self, case: CaseSummary) -> tuple[str, ...]:
        return (
            case.reference,
            case.state.label,
            format_date(case.job_start),
            case.employer_name,
            format_cents(case.total_cents),
        )


def _last_contact(data: BeneficiaryInput, latest_meeting: date | None) -> date | None:
    """The latest of the contact stored with the person and their latest meeting."""
    stored = getattr(data, "last_contact_at", None)
    return max((d for d in (stored, latest_meeting) if d is not None), default=None)


@dataclass
class _Loaded:
    data: BeneficiaryInput
    lookups: Lookups
    cases: list[CaseSummary]
    last_contact: date | None


class BeneficiaryFile(QWidget):
    """One person's file. ``loaded`` is False when it could not be read (the user was told).

    Signals: ``openCaseRequested(case_id)``; ``changed(beneficiary_id)`` after the person was
    edited or a case was created from here (the list and the to-do list need a refresh).
    """

    openCaseRequested = Signal(object)
    changed = Signal(object)  # uuid.UUID of the beneficiary

    def __init__(
        self,
        db: Database,
        actor: Actor,
        beneficiary_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("beneficiaryFile")
        self._db = db
        self._actor = actor
        self._fixed_today = today
        self.beneficiary_id = beneficiary_id
        self.data = BeneficiaryInput(id=beneficiary_id)
        self.cases: list[CaseSummary] = []
        self.last_contact: date | None = None
        self._lookups = Lookups([], [], [])
        self.case_model = CaseListModel(self)
        self._build()
        self.loaded = self.reload()

    @property
    def today(self) -> date:
        return self._fixed_today or clock.today()

    @property
    def title(self) -> str:
        return person_title(self.data)

    # --- building --------------------------------------------------------------------------

    def _build(self) -> None:
        self.name_label = QLabel()
        self.name_label.setObjectName("personName")
        font = QFont(self.name_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name_label.setFont(font)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("personSubtitle")
        self.subtitle_label.setStyleSheet(CAPTION_STYLE)
        self.subtitle_label.setWordWrap(True)

        self.edit_button = QPushButton("&Modifier la fiche")
        self.edit_button.setToolTip("Modifier l'identité, les coordonnées, les droits, le foyer…")
        self.edit_button.clicked.connect(self.edit)
        self.new_case_button = QPushButton("Nouveau d&ossier")
        self.new_case_button.setToolTip("Créer un dossier Pack sortie pour cette personne")
        self.new_case_button.clicked.connect(self.new_case)
        self.new_case_button.setEnabled(not self._db.read_only)
        self.more_button = QPushButton("&Plus")
        self.more_button.setObjectName("beneficiaryMore")
        more = QMenu(self.more_button)
        self.access_action = more.addAction("Droit d'accès : exporter tout ce qui est détenu…")
        self.access_action.setToolTip("Un PDF lisible et le même contenu en JSON (RGPD art. 15)")
        self.access_action.triggered.connect(self.export_access)
        self.more_button.setMenu(more)
        for button in (self.edit_button, self.new_case_button, self.more_button):
            button.setAutoDefault(False)

        header = QHBoxLayout()
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.name_label)
        names.addWidget(self.subtitle_label)
        header.addLayout(names, 1)
        header.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.new_case_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_cases())
        splitter.addWidget(self._build_summary())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        # The cases take the room of a few rows; the person's summary the rest (the user
        # may move the handle).
        splitter.setSizes([self.cases_box.minimumSizeHint().height(), 10_000])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)

    def _build_cases(self) -> QGroupBox:
        box = QGroupBox("Dossiers Pack sortie")
        self.case_table = RowTable(box)
        self.case_table.setModel(self.case_model)
        self.case_table.setAccessibleName("Dossiers du bénéficiaire")
        self.case_table.rowActivated.connect(self._open_row)
        self.case_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.case_model.modelReset.connect(self._update_buttons)
        header = self.case_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_EMPLOYER, QHeaderView.ResizeMode.Stretch)
        metrics = header.fontMetrics()
        for column, sample in (
            (COL_REFERENCE, "DOS-2018-00001"),
            (COL_STATE, "Arrêté avant terme"),
            (COL_JOB_START, "Début de l'emploi"),
            (COL_AMOUNT, "10 350,00 €"),
        ):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        row_height = self.case_table.verticalHeader().defaultSectionSize()
        self.case_table.setMinimumHeight(header.sizeHint().height() + 4 * row_height + 4)

        self.case_hint = TableHint(self.case_table, NO_CASE_HINT, margin=8)

        self.open_case_button = QPushButton("Ou&vrir le dossier")
        self.open_case_button.setAutoDefault(False)
        self.open_case_button.setToolTip("Ouvrir le dossier sélectionné (Entrée ou double-clic)")
        self.open_case_button.clicked.connect(self.open_selected_case)
        buttons = QVBoxLayout()
        buttons.addWidget(self.open_case_button)
        buttons.addStretch(1)

        layout = QHBoxLayout(box)
        layout.setSpacing(8)
        layout.addWidget(self.case_table, 1)
        layout.addLayout(buttons)
        self.cases_box = box
        return box

    def _build_summary(self) -> PersonSummary:
        summary = PersonSummary()
        self.summary = summary
        self.identity, self.contact = summary.identity, summary.contact
        self.rights, self.support = summary.rights, summary.support
        self.household_label, self.notes_label = summary.household_label, summary.notes_label
        return summary

    # --- loading ---------------------------------------------------------------------------

    def _fetch_cases(self) -> tuple[list[CaseSummary], date | None]:
        cases = case_service.cases_of_beneficiary(self._db, self.beneficiary_id)
        return cases, self._latest_meeting(cases)

    def _latest_meeting(self, cases: list[CaseSummary]) -> date | None:
        """The latest meeting of the most recent followed case (cases are 24 months apart,
        so older ones hold older meetings). Not an access to the case: not logged."""
        followed = next((c for c in cases if c.state in _FOLLOWED), None)
        if followed is None:
            return None
        detail = case_service.load_case(self._db, followed.id, self._actor, log_access=False)
        return max((m.held_on for m in detail.meetings), default=None)

    def _fetch(self) -> _Loaded:
        try:
            data = beneficiaries.load_beneficiary(self._db, self.beneficiary_id, self._actor)
            found = beneficiary_search.lookups(self._db)
            cases, latest = self._fetch_cases()
        except ValidationError as exc:  # deleted or anonymised from another workstation
            raise NotAllowed("\n".join(exc.errors.values())) from exc
        return _Loaded(data, found, cases, _last_contact(data, latest))

    def reload(self) -> bool:
        """Read the person and the cases again; False when the user gave up (already told)."""
        ok, loaded = status.attempt_db(self.parentWidget() or self, self._fetch)
        if not ok or loaded is None:
            return False
        self.data = loaded.data
        self._lookups = loaded.lookups
        self.last_contact = loaded.last_contact
        self._show_person()
        self._show_cases(loaded.cases)
        return True

    def reload_cases(self) -> bool:
        """Only the cases (after a case changed): the person is not read again, so the
        access log is not filled with reads nobody made."""
        ok, found = status.attempt_db(self, self._fetch_cases)
        if not ok or found is None:
            return False
        cases, latest = found
        self.last_contact = _last_contact(self.data, latest)
        self.summary.show_last_contact(self.last_contact, self.today)
        self._show_cases(cases)
        return True

    # --- showing ---------------------------------------------------------------------------

    def _show_person(self) -> None:
        d, today = self.data, self.today
        civility = enum_label(Civility, d.civility)
        self.name_label.setText(
            " ".join(x for x in (civility, d.first_name, d.last_name.upper()) if x)
        )
        facts = []
        if d.birth_date:
            age = age_text(d.birth_date, today)
            born = f"{born_text(d.civility)} le {format_date(d.birth_date)}"
            facts.append(f"{born} ({age})" if age else born)
        if d.allocataire_number:
            facts.append(f"{d.paying_body} {d.allocataire_number}")
        if d.commune:
            facts.append(d.commune)
        if d.orientation:
            facts.append(f"Orientation {enum_label(Orientation, d.orientation).lower()}")
        self.subtitle_label.setText(" · ".join(facts))
        self.summary.show_person(d, self._lookups, self.last_contact, today)

    def _show_cases(self, cases: list[CaseSummary]) -> None:
        keep = self.selected_case_id()
        self.cases = cases
        self.case_model.set_rows(cases)
        row = self.case_model.row_of(keep) if keep else -1
        if row >= 0:
            self.case_table.select_row(row)
        self.case_hint.place()
        self.case_hint.setVisible(not cases)
        self._update_buttons()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.case_hint.place()

    def _update_buttons(self) -> None:
        self.open_case_button.setEnabled(self.selected_case_id() is not None)

    # --- actions ---------------------------------------------------------------------------

    def selected_case_id(self) -> uuid.UUID | None:
        index = self.case_table.currentIndex()
        if not index.isValid() or not self.case_table.selectionModel().isRowSelected(index.row()):
            return None
        return self.case_model.case(index.row()).id

    def open_selected_case(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            self.openCaseRequested.emit(case_id)

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.case_model.rowCount():
            self.openCaseRequested.emit(self.case_model.case(row).id)

    def edit(self) -> bool:
        """The beneficiary form; after a save the file is read again."""
        if run_beneficiary_dialog(self.window(), self._db, self._actor, self.beneficiary_id):
            self.reload()
            self.changed.emit(self.beneficiary_id)
            return True
        return False

    def export_access(self) -> bool:
        """Right of access: the PDF where the user says, the JSON beside it."""
        from app.services import person_export

        name = f"droit-acces-{self.data.last_name or 'personne'}.pdf".replace(" ", "-")
        caption = "Droit d'accès : enregistrer le PDF"
        target = dialogs.ask_save_file(self, caption, "PDF (*.pdf)", name)
        if not target:
            return False
        ok, paths = status.attempt_db(
            self,
            lambda: person_export.export_person(
                self._db, self._actor, self.beneficiary_id, Path(target)
            ),
        )
        if ok and paths is not None:
            pdf, json_path = paths
            dialogs.show_info(self, f"Droit d'accès enregistré : {pdf}\net {json_path}")
        return ok

    def new_case(self) -> uuid.UUID | None:
        """The case editor for this person; the new case is then opened."""
        case_id = run_case_editor(self.window(), self._db, self._actor, self.beneficiary_id)
        if case_id is None:
            return None
        self.reload_cases()
        self.changed.emit(self.beneficiary_id)
        self.openCaseRequested.emit(case_id)
        return case_id
