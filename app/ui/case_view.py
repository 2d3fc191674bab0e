"""The case screen: who and what (header), what may be done now (action buttons from the
read model's allowed actions), the aid timeline, then one tab per concern: job, conditions,
aid, instalments, meetings, decisions, documents and history (:mod:`app.ui.case_tabs`).

Everything shown comes from one :class:`app.services.case_view.CaseDetail`; every action goes
through its dialog (:mod:`app.ui.decision_dialogs`, the case editor, the meeting dialog),
then the case is reloaded and ``changed`` is emitted so that lists refresh. The screen ties
the tabs to the timeline: an instalment or a meeting clicked in one is selected in the other.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CaseState
from app.services.actor import Actor
from app.services.case_view import Action, CaseDetail, MeetingView, load_case
from app.services.storage import Database
from app.ui import case_widgets, decision_dialogs, status
from app.ui.case_editor import CaseEditor
from app.ui.case_tabs import CaseTab
from app.ui.case_tabs.aids_tab import AidsTab
from app.ui.case_tabs.conditions_tab import ConditionsTab
from app.ui.case_tabs.decisions_tab import DecisionsTab
from app.ui.case_tabs.documents_tab import DocumentsTab
from app.ui.case_tabs.history_tab import HistoryTab
from app.ui.case_tabs.instalments_tab import InstalmentsTab
from app.ui.case_tabs.job_tab import JobTab
from app.ui.case_tabs.meetings_tab import MeetingsTab
from app.ui.case_texts import birth_text, french_changes, household_text, state_notice
from app.ui.case_widgets import (
    INFO_NOTICE,
    MUTED_STYLE,
    PRIMARY_BUTTON,
    WARNING_NOTICE,
    StateBadge,
    key_value_grid,
    muted,
    notice,
    value_label,
)
from app.ui.meeting_dialog import MeetingDialog
from app.ui.timeline import AidTimeline

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
    def detail(self) -> CaseDetail | None:
        return self._detail

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
        selected = self.instalments.selected_id()
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
        layout.addWidget(self._build_tabs(), 1)
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

    def _build_tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.setMinimumHeight(300)
        case_widgets.steady_tabs(self.tabs)
        self.job = JobTab()
        self.conditions = ConditionsTab()
        self.aids = AidsTab()
        self.instalments = InstalmentsTab()
        self.instalments.instalmentSelected.connect(self.timeline.select)
        self.meetings = MeetingsTab()
        self.meetings.newMeetingRequested.connect(lambda: self.run_action(Action.ADD_MEETING))
        self.meetings.openRequested.connect(self.open_meeting)
        self.meetings.meetingSelected.connect(self.timeline.select)
        self.decisions = DecisionsTab()
        self.documents = DocumentsTab(
            self._db,
            self._actor,
            selected_meeting=self.meetings.selected_meeting,
            reload=self.reload,
        )
        self.documents.documents_panel.caseChanged.connect(self.changed)
        self.history = HistoryTab()
        self._pages: list[CaseTab] = [
            self.job,
            self.conditions,
            self.aids,
            self.instalments,
            self.meetings,
            self.decisions,
            self.documents,
            self.history,
        ]
        titles = ["Emploi", "Conditions", "Aides", "Échéances"]
        titles += ["Entretiens", "Décisions", "Documents", "Historique"]
        for page, title in zip(self._pages, titles, strict=True):
            assert isinstance(page, QWidget)
            self.tabs.addTab(page, title)
        self._name_tab_widgets()
        return self.tabs

    def _name_tab_widgets(self) -> None:
        """The tabs' widgets under the names callers and tests know them by."""
        self.job_values = self.job.job_values
        self.eligibility_panel = self.conditions.eligibility_panel
        self.aid_model = self.aids.aid_model
        self.amount_values = self.aids.amount_values
        self.instalment_model = self.instalments.instalment_model
        self.instalment_table = self.instalments.instalment_table
        self.instalments_empty = self.instalments.instalments_empty
        self.meeting_model = self.meetings.model
        self.meeting_table = self.meetings.table
        self.meeting_text = self.meetings.text
        self.new_meeting_button = self.meetings.new_meeting_button
        self.decision_model = self.decisions.model
        self.decision_table = self.decisions.table
        self.decision_text = self.decisions.text
        self.document_model = self.documents.document_model
        self.document_table = self.documents.document_table
        self.documents_empty = self.documents.documents_empty
        self.documents_panel = self.documents.documents_panel
        self.history_model = self.history.history_model
        self.show_reads = self.history.show_reads

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
        self._show_header(d)
        self._show_actions(d)
        self.timeline.set_case(d, self._today)
        # Nothing to draw before the grant (or after a refusal): keep the screen calm.
        has_items = bool(d.instalments or d.meetings)
        self.timeline.setVisible(has_items)
        self.timeline_note.setVisible(
            not has_items and d.state in (CaseState.DRAFT, CaseState.SUBMITTED)
        )
        for page in self._pages:
            page.show_case(d)

    def _show_header(self, d: CaseDetail) -> None:
        self.reference_label.setText(d.reference)
        self.state_badge.set_state(d.state)
        self.person_label.setText(d.person_name)
        self.birth_label.setText(birth_text(d.person_birth_date, self._today))
        self.address_label.setText(d.person_address or "—")
        self.allocataire_label.setText(d.allocataire or "—")
        self.orientation_label.setText(
            (d.orientation or "Non renseignée")
            + (" — accompagnement global" if d.global_support else "")
        )
        self.referent_label.setText(d.referent or "Non attribué")
        self.household_label.setText(household_text(d) or "Personne seule")
        text, warning = state_notice(d)
        self.state_notice.setText(text)
        self.state_notice.setStyleSheet(WARNING_NOTICE if warning else INFO_NOTICE)
        self.state_notice.setVisible(bool(text))

    @staticmethod
    def _first_tab(d: CaseDetail) -> int:
        """Where a case opens: the conditions while a decision is awaited, the decision
        once refused, the job otherwise."""
        if d.state in (CaseState.DRAFT, CaseState.SUBMITTED):
            return TAB_CONDITIONS
        if d.state is CaseState.REFUSED:
            return TAB_DECISIONS
        return TAB_JOB

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
            label = QLabel(self._no_action_reason(d))
            label.setStyleSheet(MUTED_STYLE)
            label.setObjectName("noActions")
            self.actions_bar.insertWidget(0, label)
        self.new_meeting_button.setVisible(Action.ADD_MEETING in actions)

    def _no_action_reason(self, d: CaseDetail) -> str:
        if self._db.read_only:
            return "Base ouverte en lecture seule : aucune action possible."
        if d.state in (CaseState.REFUSED, CaseState.ENDED_EARLY):
            return "Dossier clos : aucune action possible."
        if d.state is CaseState.SUBMITTED:
            return "En attente de la décision d'une personne habilitée à valider."
        return "Aucune action ne vous est ouverte sur ce dossier."

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

    # --- selection between the tabs and the timeline -----------------------------------
    def select_instalment(self, instalment_id: uuid.UUID) -> None:
        """Select the instalment in its table and in the timeline."""
        if self.instalments.select(instalment_id):
            self.timeline.select(instalment_id)

    def _on_timeline_instalment(self, instalment_id: uuid.UUID) -> None:
        self.tabs.setCurrentIndex(TAB_INSTALMENTS)
        self.select_instalment(instalment_id)

    def _on_timeline_meeting(self, meeting_id: uuid.UUID) -> None:
        if not self.meetings.has(meeting_id):
            return
        self.tabs.setCurrentIndex(TAB_MEETINGS)
        self.meetings.select(meeting_id)

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


__all__ = ["CaseView", "french_changes"]
