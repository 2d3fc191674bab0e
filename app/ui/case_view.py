"""The case screen: who and what (header), what may be done now (action buttons from the
read model's allowed actions), the aid timeline, then one tab per concern: job, conditions,
aid, instalments, meetings, decisions, documents and history.

Everything shown comes from one :class:`app.services.case_view.CaseDetail`; every action goes
through its dialog (:mod:`app.ui.decision_dialogs`, the case editor, the meeting dialog),
then the case is reloaded and ``changed`` is emitted so that lists refresh.
"""

from __future__ import annotations

import html
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import (
    CaseState,
    Component,
    ContractType,
    InstalmentStatus,
    MeetingKind,
    MeetingMode,
)
from app.services import access_log, clock
from app.services.actor import Actor
from app.services.case_view import (
    Action,
    CaseDetail,
    DecisionView,
    FieldChange,
    InstalmentView,
    MeetingView,
    load_case,
)
from app.services.edit_conflicts import CASE_FIELDS, MEETING_FIELDS
from app.services.meetings import Obstacle
from app.services.storage import Database
from app.services.text import format_cents, format_date
from app.services.workflow import ExitReason, describe_notice
from app.ui import case_widgets, decision_dialogs, status
from app.ui.case_editor import CaseEditor
from app.ui.case_widgets import (
    CENTER,
    INFO_NOTICE,
    MUTED_STYLE,
    PRIMARY_BUTTON,
    RIGHT,
    WARNING_NOTICE,
    Column,
    EligibilityPanel,
    RecordTableModel,
    StateBadge,
    key_value_grid,
    make_table,
    month_label,
    muted,
    notice,
    select_row,
    selected_row,
    value_label,
)
from app.ui.documents_panel import DocumentsPanel, document_columns
from app.ui.meeting_dialog import MeetingDialog
from app.ui.timeline import STATUS_COLOURS, AidTimeline

log = logging.getLogger(__name__)

# The most useful next step of each state comes first and is the highlighted button.
PRIMARY_ORDER = [
    Action.SUBMIT,
    Action.GRANT,
    Action.START,
    Action.RESUME,
    Action.ADD_MEETING,
    Action.COMPLETE,
    Action.EDIT,
]
# Decisions that close a door are kept apart, at the right of the bar.
SEVERE = {Action.REFUSE, Action.END_EARLY}

TAB_JOB, TAB_CONDITIONS, TAB_AIDS, TAB_INSTALMENTS = 0, 1, 2, 3
TAB_MEETINGS, TAB_DECISIONS, TAB_DOCUMENTS, TAB_HISTORY = 4, 5, 6, 7

ACTION_LABELS = access_log.ACTION_LABELS  # the history's actions: the access log's words
FIELD_LABELS = {
    "reference": "Référence",
    "state": "État",
    **CASE_FIELDS,
    "submitted_on": "Soumis le",
    "decided_on": "Décidé le",
    "end_date": "Date de fin",
    "exit_reason": "Motif de sortie",
    "employed_at_exit": "En emploi à la sortie",
    "suspended_since": "Suspendu depuis",
    "observations_deadline": "Délai d'observations",
    "observations_sent_on": "Invitation envoyée le",
    "observations_invited_on": "Invitation décidée le",
    **MEETING_FIELDS,
}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_AID = re.compile(r"(\w+):(\d+)x(\d+)")
_CHANGE_SPLIT = re.compile(r"; (?=[a-z_]+ : )")


def _value_text(key: str, value: str) -> str:
    """One value of the audit trail in French (codes to labels, ISO dates to dd/mm/yyyy)."""
    value = value.strip()
    if value in ("None", "", "—"):
        return "—"
    if value in ("True", "False"):
        return "oui" if value == "True" else "non"
    enums: dict[str, Callable[[str], str]] = {
        "state": lambda v: CaseState(v).label,
        "contract_type": lambda v: ContractType(v).label,
        "mode": lambda v: MeetingMode(v).label,
        "kind": lambda v: MeetingKind(v).label,
        "exit_reason": lambda v: ExitReason(v).label if v != "completed" else "Fin du dispositif",
        "obstacles": lambda v: ", ".join(Obstacle(x).label for x in v.split(",") if x),
    }
    if key in enums:
        try:
            return enums[key](value)
        except ValueError:
            return value
    if key == "aids":
        parts = [
            f"{Component(c).label} {format_cents(int(m))} × {n}"
            for c, m, n in _AID.findall(value)
            if c in {x.value for x in Component}
        ]
        return ", ".join(parts) or value
    return _ISO_DATE.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", value)


def french_changes(changes: str) -> str:
    """'state : draft → submitted' -> 'État : Brouillon → Soumis' (ids left out)."""
    parsed: list[FieldChange | str] = []
    for part in _CHANGE_SPLIT.split(changes):
        key, sep, rest = part.partition(" : ")
        if not sep:
            parsed.append(part)
            continue
        old, arrow, new = rest.partition(" → ")
        parsed.append(FieldChange(key, old, new) if arrow else FieldChange(key, None, rest))
    return describe_changes(parsed)


def _stored_text(value: object) -> str:
    """A structured value of the audit trail in the text form :func:`_value_text` reads."""
    if value is None:
        return "—"
    return str(value)


def describe_changes(changes: Sequence[FieldChange | str]) -> str:
    """The structured changes of a history entry in French (ids left out)."""
    out = []
    for change in changes:
        if isinstance(change, str):
            out.append(change)
            continue
        key = change.key
        if key == "id" or key.endswith("_id"):
            continue
        label = FIELD_LABELS.get(key, key)
        before = _value_text(key, _stored_text(change.before))
        after = _value_text(key, _stored_text(change.after))
        out.append(f"{label} : {after}" if before == "—" else f"{label} : {before} → {after}")
    return " ; ".join(out)


def _status_colour(inst: InstalmentView) -> QColor:
    return STATUS_COLOURS[inst.status].darker(135)


class CaseView(QWidget):
    """One case, in a tab of the main window. See the module docstring.

    If the case cannot be loaded (deleted, database unavailable and the user gave up),
    ``loaded`` is False, the view says so and ``detail`` is None."""

    changed = Signal(object)  # uuid.UUID of the case, after any successful action
    openBeneficiaryRequested = Signal(object)

    def __init__(
        self,
        db: Database,
        actor: Actor,
        case_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("caseView")
        self._db = db
        self._actor = actor
        self._case_id = case_id
        self._today = today
        self._detail: CaseDetail | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self._syncing = False
        self._build()
        ok, detail = status.attempt_db(self.parentWidget(), lambda: self._load(log_access=True))
        self.loaded = ok and detail is not None
        if self.loaded:
            assert detail is not None
            self._show(detail)
            self.tabs.setCurrentIndex(self._first_tab(detail))
        else:
            self._show_missing()

    # --- public --------------------------------------------------------------------------
    @property
    def case_id(self) -> uuid.UUID:
        return self._case_id

    @property
    def detail(self) -> CaseDetail:
        return self._detail  # type: ignore[return-value]  # None only when not loaded

    @property
    def title(self) -> str:
        if self._detail is None:
            return "Dossier introuvable"
        return f"{self._detail.reference} — {self._detail.person_name}"

    def reload(self) -> bool:
        """Read the case again (after an action here or elsewhere); keeps the open tab and
        the selected instalment. False when it could not be read (the user was told)."""
        ok, detail = status.attempt_db(self, lambda: self._load(log_access=False))
        if not ok or detail is None:
            return False
        self.loaded = True
        selected = self._selected_instalment()
        self._show(detail)
        if selected is not None:
            self.select_instalment(selected)
        return True

    def _load(self, *, log_access: bool) -> CaseDetail:
        return load_case(self._db, self._case_id, self._actor, log_access=log_access)

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        content.setObjectName("caseContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(self._build_header())
        self.actions_bar = QHBoxLayout()
        self.actions_bar.setSpacing(8)
        layout.addLayout(self.actions_bar)
        self.timeline = AidTimeline()
        self.timeline.setObjectName("timeline")
        self.timeline.instalmentClicked.connect(self._on_timeline_instalment)
        self.timeline.meetingClicked.connect(self._on_timeline_meeting)
        layout.addWidget(self.timeline)
        self.timeline_note = muted(
            "La frise des aides (échéances et entretiens) apparaîtra une fois le Pack accordé."
        )
        self.timeline_note.setObjectName("timelineNote")
        self.timeline_note.setVisible(False)
        layout.addWidget(self.timeline_note)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.setMinimumHeight(300)
        case_widgets.steady_tabs(self.tabs)
        self.tabs.addTab(self._build_job_tab(), "Emploi")
        self.tabs.addTab(self._build_conditions_tab(), "Conditions")
        self.tabs.addTab(self._build_aids_tab(), "Aides")
        self.tabs.addTab(self._build_instalments_tab(), "Échéances")
        self.tabs.addTab(self._build_meetings_tab(), "Entretiens")
        self.tabs.addTab(self._build_decisions_tab(), "Décisions")
        self.tabs.addTab(self._build_documents_tab(), "Documents")
        self.tabs.addTab(self._build_history_tab(), "Historique")
        layout.addWidget(self.tabs, 1)
        self.missing_label = notice(
            "Ce dossier n'a pas pu être ouvert. Fermez cet onglet et réessayez.", WARNING_NOTICE
        )
        self.missing_label.setVisible(False)
        layout.addWidget(self.missing_label)
        self._scroll.setWidget(content)
        outer.addWidget(self._scroll)

    def _build_header(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("caseHeader")
        frame.setStyleSheet(
            "QFrame#caseHeader { background: palette(base); border: 1px solid palette(mid);"
            " border-radius: 6px; }"
        )
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(6)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.reference_label = QLabel()
        self.reference_label.setObjectName("referenceLabel")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.reference_label.setFont(font)
        self.reference_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_badge = StateBadge()
        self.person_label = QLabel()
        self.person_label.setObjectName("personLabel")
        person_font = QFont(self.font())
        person_font.setPointSizeF(person_font.pointSizeF() * 1.2)
        self.person_label.setFont(person_font)
        self.open_person_button = QPushButton("Ouvrir la fiche")
        self.open_person_button.setObjectName("openBeneficiaryButton")
        self.open_person_button.setToolTip("Ouvrir la fiche du bénéficiaire")
        self.open_person_button.setAutoDefault(False)
        self.open_person_button.clicked.connect(self._on_open_person)
        top.addWidget(self.reference_label)
        top.addWidget(self.state_badge)
        top.addSpacing(16)
        top.addWidget(self.person_label)
        top.addWidget(self.open_person_button)
        top.addStretch(1)
        layout.addLayout(top)

        self.birth_label = value_label(name="birthLabel")
        self.address_label = value_label(name="addressLabel")
        self.allocataire_label = value_label(name="allocataireLabel")
        self.orientation_label = value_label(name="orientationLabel")
        self.referent_label = value_label(name="referentLabel")
        self.household_label = value_label(name="householdLabel")
        grid = key_value_grid(
            [
                ("Né(e) le", self.birth_label),
                ("Adresse", self.address_label),
                ("N° allocataire", self.allocataire_label),
                ("Orientation", self.orientation_label),
                ("Référent", self.referent_label),
                ("Foyer", self.household_label),
            ],
            columns=3,
        )
        layout.addLayout(grid)
        self.state_notice = notice()
        self.state_notice.setObjectName("stateNotice")
        layout.addWidget(self.state_notice)
        return frame

    def _build_job_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        self.job_values: dict[str, QLabel] = {}
        names = [
            ("employer_name", "Employeur"),
            ("employer_address", "Adresse de l'employeur"),
            ("job_title", "Poste"),
            ("contract_type", "Type de contrat"),
            ("weekly_hours", "Durée hebdomadaire"),
            ("request_date", "Date de la demande"),
            ("job_start", "Début de l'emploi"),
            ("trial_end", "Fin de la période d'essai"),
            ("contract_end", "Fin du contrat"),
            ("six_month_end", "Fin des six mois"),
            ("exit", "Sortie"),
            ("observations", "Invitation (observations)"),
        ]
        pairs = []
        for key, label in names:
            widget = value_label(name=f"job_{key}")
            self.job_values[key] = widget
            pairs.append((label, widget))
        layout.addLayout(key_value_grid(pairs, columns=2))
        layout.addStretch(1)
        return page

    def _build_conditions_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        self.eligibility_panel = EligibilityPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.eligibility_panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(scroll)
        return page

    def _build_aids_tab(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(16)
        self.aid_model = RecordTableModel(
            [
                Column("Aide", lambda a: a.component.label),
                Column("Montant mensuel", lambda a: format_cents(a.monthly_cents), RIGHT),
                Column("Mois", lambda a: str(a.months), CENTER),
                Column("Total", lambda a: format_cents(a.total_cents), RIGHT),
                Column("Payé à", lambda a: a.payee),
            ],
            self,
        )
        self.aid_table = make_table(self.aid_model, stretch=4, name="aidTable")
        left = QVBoxLayout()
        left.addWidget(self.aid_table)
        left.addStretch(1)
        layout.addLayout(left, 3)
        box = QGroupBox("Montants du dossier")
        box.setObjectName("amountsBox")
        self.amount_values: dict[str, QLabel] = {}
        self.amount_captions: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        for row, (key, label) in enumerate(
            [
                ("asked", "Total des aides"),
                ("total", "Total engagé"),
                ("paid", "Payé"),
                ("mandated", "Mandaté"),
                ("planned", "Prévu"),
                ("suspended", "Suspendu"),
                ("cancelled", "Annulé"),
            ]
        ):
            caption = muted(f"{label} :")
            widget = value_label(name=f"amount_{key}")
            widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.amount_values[key] = widget
            self.amount_captions[key] = caption
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(grid)
        box_layout.addStretch(1)
        box.setMinimumWidth(260)
        layout.addWidget(box, 1)
        return page

    def _build_instalments_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        self.instalments_empty = muted(
            "Aucune échéance : le calendrier des paiements est établi à l'attribution."
        )
        layout.addWidget(self.instalments_empty)
        self.instalment_model = RecordTableModel(
            [
                Column("Mois", lambda i: month_label(i.due_month)),
                Column("Aide", lambda i: i.component.label),
                Column("Montant", lambda i: format_cents(i.amount_cents), RIGHT),
                Column(
                    "Statut", lambda i: i.status.label, colour=_status_colour, bold=lambda i: True
                ),
                Column("Payé à", lambda i: i.payee),
            ],
            self,
        )
        self.instalment_table = make_table(self.instalment_model, stretch=4, name="instalmentTable")
        self.instalment_table.selectionModel().selectionChanged.connect(
            self._on_instalment_selected
        )
        layout.addWidget(self.instalment_table, 1)
        return page

    def _build_meetings_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        self.new_meeting_button = QPushButton(Action.ADD_MEETING.label)
        self.new_meeting_button.setObjectName("newMeetingButton")
        self.new_meeting_button.setAutoDefault(False)
        self.new_meeting_button.clicked.connect(lambda: self.run_action(Action.ADD_MEETING))
        bar.addWidget(self.new_meeting_button)
        self.meetings_hint = muted("Double-cliquez sur un entretien pour l'ouvrir.")
        bar.addWidget(self.meetings_hint, 1)
        layout.addLayout(bar)
        self.meetings_empty = muted("Aucun entretien enregistré.")
        layout.addWidget(self.meetings_empty)
        self.meeting_model = RecordTableModel(
            [
                Column("Date", lambda m: format_date(m.held_on)),
                Column("Type", lambda m: m.kind.label),
                Column("Mode", lambda m: m.mode.label),
                Column("Freins abordés", lambda m: _obstacles(m.obstacles)),
                Column("Prochain entretien", lambda m: format_date(m.next_meeting_on) or "—"),
            ],
            self,
        )
        self.meeting_table = make_table(self.meeting_model, stretch=3, name="meetingTable")
        self.meeting_table.doubleClicked.connect(lambda index: self.open_meeting(index.row()))
        self.meeting_table.selectionModel().selectionChanged.connect(self._on_meeting_selected)
        layout.addWidget(self.meeting_table, 1)
        self.meeting_text = QTextBrowser()
        self.meeting_text.setObjectName("meetingText")
        self.meeting_text.setOpenLinks(False)
        self.meeting_text.setMinimumHeight(90)
        layout.addWidget(self.meeting_text, 1)
        return page

    def _build_decisions_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        self.decisions_empty = muted("Aucune décision pour l'instant.")
        layout.addWidget(self.decisions_empty)
        self.decision_model = RecordTableModel(
            [
                Column("N°", lambda d: d.number),
                Column("Nature", lambda d: d.kind.label),
                Column("Date", lambda d: format_date(d.decided_on)),
                Column("Auteur", lambda d: d.author),
                Column("Motivation", lambda d: " ".join(d.motivation.split()) or "—"),
            ],
            self,
        )
        self.decision_table = make_table(self.decision_model, stretch=4, name="decisionTable")
        self.decision_table.selectionModel().selectionChanged.connect(self._on_decision_selected)
        layout.addWidget(self.decision_table, 1)
        self.decision_text = QTextBrowser()
        self.decision_text.setObjectName("decisionText")
        self.decision_text.setMinimumHeight(70)
        layout.addWidget(self.decision_text, 1)
        return page

    def _build_documents_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        # Buttons of the letters feature (produce, preview, print…): the documents panel.
        self.documents_actions = QHBoxLayout()
        layout.addLayout(self.documents_actions)
        self.documents_empty = muted("Aucun document")
        self.documents_empty.setObjectName("documentsEmpty")
        layout.addWidget(self.documents_empty)
        self.document_model = RecordTableModel(document_columns(), self)
        self.document_table = make_table(self.document_model, stretch=4, name="documentTable")
        layout.addWidget(self.document_table, 1)
        layout.addStretch(0)  # takes the room while the table is hidden (no document yet)
        self.documents_panel = DocumentsPanel(self, self._db, self._actor)
        self.documents_actions.addWidget(self.documents_panel)
        return page

    def _build_history_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 12, 12, 12)
        self.show_reads = QCheckBox("Afficher les consultations du dossier")
        self.show_reads.setObjectName("showReads")
        self.show_reads.toggled.connect(lambda _on: self._fill_history())
        layout.addWidget(self.show_reads)
        self.history_model = RecordTableModel(
            [
                Column("Date", lambda h: h.at.strftime("%d/%m/%Y %H:%M")),
                Column("Qui", lambda h: h.who),
                Column("Poste", lambda h: h.workstation),
                Column("Action", lambda h: ACTION_LABELS.get(h.action, "Autre action")),
                Column("Résumé", lambda h: h.summary),
                Column("Modifications", lambda h: describe_changes(h.changes)),
            ],
            self,
        )
        self.history_table = make_table(self.history_model, stretch=5, name="historyTable")
        layout.addWidget(self.history_table, 1)
        return page

    # --- showing -------------------------------------------------------------------------
    def _show_missing(self) -> None:
        self.reference_label.setText("Dossier introuvable")
        self.state_badge.setVisible(False)
        self.open_person_button.setVisible(False)
        self.timeline.setVisible(False)
        self.tabs.setVisible(False)
        self.state_notice.setVisible(False)
        self.missing_label.setVisible(True)

    def _show(self, d: CaseDetail) -> None:
        self._detail = d
        for widget in (self.state_badge, self.open_person_button, self.tabs):
            widget.setVisible(True)  # after a first failed load
        self.missing_label.setVisible(False)
        self.reference_label.setText(d.reference)
        self.state_badge.set_state(d.state)
        self.person_label.setText(d.person_name)
        self.birth_label.setText(_birth_text(d.person_birth_date, self._today))
        self.address_label.setText(d.person_address or "—")
        self.allocataire_label.setText(d.allocataire or "—")
        self.orientation_label.setText(
            (d.orientation or "Non renseignée")
            + (" — accompagnement global" if d.global_support else "")
        )
        self.referent_label.setText(d.referent or "Non attribué")
        self.household_label.setText(_household_text(d) or "Personne seule")
        text, style = self._state_text(d)
        self.state_notice.setText(text)
        self.state_notice.setStyleSheet(style)
        self.state_notice.setVisible(bool(text))
        self._show_actions(d)
        self.timeline.set_case(d, self._today)
        # Nothing to draw before the grant (or after a refusal): keep the screen calm.
        has_items = bool(d.instalments or d.meetings)
        self.timeline.setVisible(has_items)
        self.timeline_note.setVisible(
            not has_items and d.state in (CaseState.DRAFT, CaseState.SUBMITTED)
        )
        self._fill_job(d)
        self.eligibility_panel.set_eligibility(d.eligibility, d.scale_description)
        self._fill_aids(d)
        self._fill_instalments(d)
        self._fill_meetings(d)
        self._fill_decisions(d)
        self._fill_documents(d)
        self._fill_history()

    @staticmethod
    def _first_tab(d: CaseDetail) -> int:
        """Where a case opens: the conditions while a decision is awaited, the decision
        once refused, the job otherwise."""
        if d.state in (CaseState.DRAFT, CaseState.SUBMITTED):
            return TAB_CONDITIONS
        if d.state is CaseState.REFUSED:
            return TAB_DECISIONS
        return TAB_JOB

    def _state_text(self, d: CaseDetail) -> tuple[str, str]:
        last = d.decisions[-1] if d.decisions else None
        decided = f" le {format_date(last.decided_on)} (décision {last.number})" if last else ""
        texts = {
            CaseState.DRAFT: "Brouillon : complétez la demande puis soumettez-la à validation.",
            CaseState.SUBMITTED: "Demande soumise : en attente de la décision d'un valideur. "
            + d.eligibility.summary(),
            CaseState.GRANTED: f"Pack accordé{decided} ; le suivi commence avec l'emploi, le "
            f"{format_date(d.job_start)}.",
            CaseState.IN_PROGRESS: f"Suivi en cours jusqu'au {format_date(d.six_month_end)}.",
            CaseState.SUSPENDED: "Suivi suspendu : les échéances prévues sont en attente "
            "jusqu'à la reprise.",
            CaseState.REFUSED: f"Pack refusé{decided}.",
        }
        if d.state is CaseState.COMPLETED:
            situation = {True: "toujours en emploi", False: "n'est plus en emploi"}.get(
                d.employed_at_exit, "situation à la sortie non renseignée"
            )
            text = f"Dispositif terminé le {format_date(d.end_date)} : {situation}."
        elif d.state is CaseState.ENDED_EARLY:
            text = f"Arrêté avant terme le {format_date(d.end_date)} : {_exit_text(d)}."
        else:
            text = texts.get(d.state, "")
        open_states = (CaseState.GRANTED, CaseState.IN_PROGRESS, CaseState.SUSPENDED)
        if d.observations_invited_on and d.state in open_states:
            text += f" Fin anticipée envisagée : {describe_notice(d)}."
            return text, WARNING_NOTICE
        warn = d.state in (CaseState.SUSPENDED, CaseState.REFUSED, CaseState.ENDED_EARLY)
        return text, WARNING_NOTICE if warn else INFO_NOTICE

    def _show_actions(self, d: CaseDetail) -> None:
        while self.actions_bar.count():
            item = self.actions_bar.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.action_buttons = {}
        actions = [] if self._db.read_only else list(d.actions)
        ordered = sorted(
            (a for a in actions if a not in SEVERE),
            key=lambda a: PRIMARY_ORDER.index(a) if a in PRIMARY_ORDER else len(PRIMARY_ORDER),
        )
        severe = [a for a in actions if a in SEVERE]
        primary = ordered[0] if ordered else None
        for action in ordered:
            self.actions_bar.addWidget(self._action_button(action, action is primary))
        self.actions_bar.addStretch(1)
        for action in severe:
            self.actions_bar.addWidget(self._action_button(action, False, severe=True))
        if not actions:
            if self._db.read_only:
                reason = "Base ouverte en lecture seule : aucune action possible."
            elif d.state in (CaseState.REFUSED, CaseState.ENDED_EARLY):
                reason = "Dossier clos : aucune action possible."
            elif d.state is CaseState.SUBMITTED:
                reason = "En attente de la décision d'une personne habilitée à valider."
            else:
                reason = "Aucune action ne vous est ouverte sur ce dossier."
            label = QLabel(reason)
            label.setStyleSheet(MUTED_STYLE)
            label.setObjectName("noActions")
            self.actions_bar.insertWidget(0, label)
        can_meet = Action.ADD_MEETING in actions
        self.new_meeting_button.setVisible(can_meet)

    def _action_button(self, action: Action, primary: bool, severe: bool = False) -> QPushButton:
        button = QPushButton(action.label)
        button.setObjectName(f"action_{action.value}")
        button.setAutoDefault(False)
        if primary:
            button.setDefault(True)
            button.setStyleSheet(PRIMARY_BUTTON)
        elif severe:
            button.setStyleSheet("QPushButton { color: #a3261e; padding: 5px 12px; }")
        else:
            button.setStyleSheet("QPushButton { padding: 5px 12px; }")
        button.clicked.connect(lambda _checked=False, a=action: self.run_action(a))
        self.action_buttons[action] = button
        return button

    def _fill_job(self, d: CaseDetail) -> None:
        exit_text = ""
        if d.end_date:
            exit_text = f"{format_date(d.end_date)} — {_exit_text(d)}"
        values = {
            "employer_name": d.employer_name,
            "employer_address": d.employer_address,
            "job_title": d.job_title,
            "contract_type": d.contract_type,
            "weekly_hours": d.weekly_hours,
            "request_date": format_date(d.request_date),
            "job_start": format_date(d.job_start),
            "trial_end": format_date(d.trial_end),
            "contract_end": format_date(d.contract_end)
            or ("Sans fin (CDI)" if d.contract_type == ContractType.CDI.label else ""),
            "six_month_end": format_date(d.six_month_end),
            "exit": exit_text,
            "observations": describe_notice(d)[:1].upper() + describe_notice(d)[1:],
        }
        for key, widget in self.job_values.items():
            widget.setText(values.get(key) or "—")

    def _fill_aids(self, d: CaseDetail) -> None:
        order = list(Component)
        aids = sorted(d.aids, key=lambda a: order.index(a.component))
        self.aid_model.set_rows(aids, ids=[a.component for a in aids])
        self._fit_table(self.aid_table, len(aids))
        money = {
            "asked": sum(a.total_cents for a in d.aids),
            "total": d.total_cents,
            "paid": d.cents_with_status(InstalmentStatus.PAID),
            "mandated": d.cents_with_status(InstalmentStatus.MANDATED),
            "planned": d.cents_with_status(InstalmentStatus.PLANNED, InstalmentStatus.TO_SETTLE),
            "suspended": d.cents_with_status(InstalmentStatus.SUSPENDED),
            "cancelled": d.cents_with_status(InstalmentStatus.CANCELLED),
        }
        scheduled = bool(d.instalments)
        for key, widget in self.amount_values.items():
            widget.setText(format_cents(money[key]))
            caption_visible = key == "asked" or scheduled
            widget.setVisible(caption_visible)
            self.amount_captions[key].setVisible(caption_visible)
        bold = QFont(self.font())
        bold.setBold(True)
        self.amount_values["asked"].setFont(bold)
        self.amount_values["total"].setFont(bold)

    def _fill_instalments(self, d: CaseDetail) -> None:
        self.instalment_model.set_rows(d.instalments)
        empty = not d.instalments
        self.instalments_empty.setVisible(empty)
        self.instalment_table.setVisible(not empty)

    def _fill_meetings(self, d: CaseDetail) -> None:
        meetings = sorted(d.meetings, key=lambda m: m.held_on, reverse=True)
        self.meeting_model.set_rows(meetings)
        empty = not meetings
        self.meetings_empty.setVisible(empty)
        self.meeting_table.setVisible(not empty)
        self.meeting_text.setVisible(not empty)
        self.meetings_hint.setVisible(not empty)
        self.meeting_text.setHtml("")
        if meetings:
            select_row(self.meeting_table, 0)

    def _fill_decisions(self, d: CaseDetail) -> None:
        decisions = sorted(d.decisions, key=lambda x: (x.decided_on, x.number), reverse=True)
        self.decision_model.set_rows(decisions)
        empty = not decisions
        self.decisions_empty.setVisible(empty)
        self.decision_table.setVisible(not empty)
        self.decision_text.setVisible(not empty)
        self.decision_text.setHtml("")
        if decisions:
            select_row(self.decision_table, 0)

    def _fill_documents(self, d: CaseDetail) -> None:
        self.document_model.set_rows(d.documents)
        empty = not d.documents
        self.documents_empty.setVisible(empty)
        self.document_table.setVisible(not empty)
        self.documents_panel.refresh(d)

    def _fill_history(self) -> None:
        if self._detail is None:
            return
        entries = [
            h for h in self._detail.history if self.show_reads.isChecked() or h.action != "read"
        ]
        self.history_model.set_rows(entries, ids=list(range(len(entries))))

    @staticmethod
    def _fit_table(table: QTableView, rows: int) -> None:
        """A short table as tall as its rows (no empty grey area under three lines)."""
        header = table.horizontalHeader().sizeHint().height()
        height = header + table.verticalHeader().defaultSectionSize() * max(rows, 1) + 4
        table.setMaximumHeight(height)
        table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

    # --- selection between the tables and the timeline ---------------------------------
    def _selected_instalment(self) -> uuid.UUID | None:
        row = selected_row(self.instalment_table)
        return self.instalment_model.id_at(row) if row >= 0 else None

    def select_instalment(self, instalment_id: uuid.UUID) -> None:
        """Select the instalment in its table and in the timeline."""
        row = self.instalment_model.row_of(instalment_id)
        if row < 0:
            return
        self._syncing = True
        try:
            select_row(self.instalment_table, row)
        finally:
            self._syncing = False
        self.timeline.select(instalment_id)

    def _on_timeline_instalment(self, instalment_id: uuid.UUID) -> None:
        self.tabs.setCurrentIndex(TAB_INSTALMENTS)
        self.select_instalment(instalment_id)

    def _on_instalment_selected(self, _selected: QItemSelection, _deselected: QItemSelection):
        if self._syncing:
            return
        self.timeline.select(self._selected_instalment())

    def _on_timeline_meeting(self, meeting_id: uuid.UUID) -> None:
        row = self.meeting_model.row_of(meeting_id)
        if row < 0:
            return
        self.tabs.setCurrentIndex(TAB_MEETINGS)
        self._syncing = True
        try:
            select_row(self.meeting_table, row)
        finally:
            self._syncing = False
        self._show_meeting(row)

    def _on_meeting_selected(self, _selected: QItemSelection, _deselected: QItemSelection):
        row = selected_row(self.meeting_table)
        self._show_meeting(row)
        if not self._syncing and row >= 0:
            self.timeline.select(self.meeting_model.id_at(row))

    def _show_meeting(self, row: int) -> None:
        if row < 0:
            self.meeting_text.setHtml("")
            return
        m: MeetingView = self.meeting_model.row_object(row)
        parts = [
            f"<b>{html.escape(m.kind.label)} du {format_date(m.held_on)}</b> — "
            f"{html.escape(m.mode.label)}"
        ]
        for label, text in (
            ("Participants", m.participants),
            ("Freins abordés", _obstacles(m.obstacles)),
            ("Situation dans l'emploi", m.job_situation),
            ("Compte rendu", m.notes),
            ("Suites à donner", m.next_steps),
            ("Prochain entretien", format_date(m.next_meeting_on)),
        ):
            if text:
                body = html.escape(text).replace("\n", "<br>")
                parts.append(f"<b>{label} :</b> {body}")
        self.meeting_text.setHtml("<br>".join(parts))

    def _on_decision_selected(self, _selected: QItemSelection, _deselected: QItemSelection):
        row = selected_row(self.decision_table)
        if row < 0:
            self.decision_text.setHtml("")
            return
        d: DecisionView = self.decision_model.row_object(row)
        motivation = (
            html.escape(d.motivation).replace("\n", "<br>")
            if d.motivation
            else "<i>Pas de motivation (décision favorable).</i>"
        )
        statement = (
            "<br><b>Attestation du valideur :</b> " + html.escape(d.statement)
            if d.statement
            else ""
        )
        self.decision_text.setHtml(
            f"<b>Décision {html.escape(d.number)}</b> — {html.escape(d.kind.label)} du "
            f"{format_date(d.decided_on)}, par {html.escape(d.author)}<br>{motivation}" + statement
        )

    # --- actions -------------------------------------------------------------------------
    def _on_open_person(self) -> None:
        if self._detail is not None:
            self.openBeneficiaryRequested.emit(self._detail.beneficiary_id)

    def run_action(self, action: Action) -> bool:
        """Run an allowed action through its dialog; reload and emit ``changed`` when done."""
        if self._detail is None or action not in self._detail.actions or self._db.read_only:
            return False
        handlers: dict[Action, Callable[[], bool]] = {
            Action.EDIT: self._edit,
            Action.SUBMIT: lambda: self._decide(decision_dialogs.confirm_submit),
            Action.GRANT: lambda: self._decide(decision_dialogs.confirm_grant),
            Action.REFUSE: lambda: self._decide(decision_dialogs.ask_refusal),
            Action.START: lambda: self._decide(decision_dialogs.confirm_start),
            Action.SUSPEND: lambda: self._decide(decision_dialogs.ask_suspension),
            Action.RESUME: lambda: self._decide(decision_dialogs.confirm_resume),
            Action.INVITE_OBSERVATIONS: lambda: self._decide(
                decision_dialogs.ask_observations_notice
            ),
            Action.END_EARLY: lambda: self._decide(decision_dialogs.ask_early_end),
            Action.COMPLETE: lambda: self._decide(decision_dialogs.ask_completion),
            Action.ADD_MEETING: lambda: self._meeting(None),
        }
        done = handlers[action]()
        if done:
            log.info("Action %s done on case %s", action.value, self._case_id)
            self.reload()
            self.changed.emit(self._case_id)
        return done

    def _decide(self, ask: Callable[..., bool]) -> bool:
        return ask(self, self._db, self._actor, self._case_id, detail=self._detail)

    def _edit(self) -> bool:
        editor = CaseEditor(self._db, self._actor, case_id=self._case_id, parent=self)
        try:
            return editor.loaded and case_widgets.exec_dialog(editor)
        finally:
            editor.deleteLater()

    def _meeting(self, meeting: MeetingView | None) -> bool:
        may_edit = Action.ADD_MEETING in (self._detail.actions if self._detail else [])
        dialog = MeetingDialog(
            self._db,
            self._actor,
            self._case_id,
            meeting,
            self,
            read_only=not may_edit,
        )
        try:
            return case_widgets.exec_dialog(dialog) and may_edit
        finally:
            dialog.deleteLater()

    def open_meeting(self, row: int) -> bool:
        """Open the meeting of ``row`` (double-click): editable when the user may record
        meetings on this case, read-only otherwise. True when it was changed."""
        if row < 0 or row >= self.meeting_model.rowCount():
            return False
        done = self._meeting(self.meeting_model.row_object(row))
        if done:
            self.reload()
            self.changed.emit(self._case_id)
        return done


# --- text helpers ----------------------------------------------------------------------------
def _obstacles(codes: tuple[str, ...]) -> str:
    labels = []
    for code in codes:
        try:
            labels.append(Obstacle(code).label)
        except ValueError:
            labels.append(code)
    return ", ".join(labels) or "—"


def _exit_text(d: CaseDetail) -> str:
    if d.exit_reason == "completed":
        return "fin du dispositif"
    try:
        return ExitReason(d.exit_reason).label.lower() if d.exit_reason else "motif non renseigné"
    except ValueError:
        return d.exit_reason


def _birth_text(birth: date | None, today: date | None) -> str:
    if birth is None:
        return "—"
    today = today or clock.today()
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{format_date(birth)} ({age} ans)"


def _household_text(d: CaseDetail) -> str:
    parts = []
    for member in d.household:
        relation = member.relation.lower()
        born = f", né(e) le {format_date(member.birth_date)}" if member.birth_date else ""
        parts.append(f"{member.name} ({relation}{born})")
    return " ; ".join(parts)


__all__ = ["CaseView", "EligibilityPanel", "french_changes"]
