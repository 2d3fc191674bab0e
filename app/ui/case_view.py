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

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from app.models.enums import CaseState
from app.services.actor import Actor
from app.services.case_view import Action, CaseDetail, MeetingView, load_case
from app.services.storage import Database
from app.ui import case_widgets, decision_dialogs, status
from app.ui.case_actions import CaseActionBar
from app.ui.case_editor import CaseEditor
from app.ui.case_header import CaseHeader
from app.ui.case_tabs import CaseTab
from app.ui.case_tabs.aids_tab import AidsTab
from app.ui.case_tabs.conditions_tab import ConditionsTab
from app.ui.case_tabs.decisions_tab import DecisionsTab
from app.ui.case_tabs.documents_tab import DocumentsTab
from app.ui.case_tabs.history_tab import HistoryTab
from app.ui.case_tabs.instalments_tab import InstalmentsTab
from app.ui.case_tabs.job_tab import JobTab
from app.ui.case_tabs.meetings_tab import MeetingsTab
from app.ui.case_widgets import WARNING_NOTICE, muted, notice
from app.ui.meeting_dialog import MeetingDialog
from app.ui.timeline import AidTimeline

log = logging.getLogger(__name__)

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
    def action_buttons(self) -> dict[Action, QPushButton]:
        """The buttons of the actions offered now."""
        return self.action_bar.buttons

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
        self.header = CaseHeader(self)
        self.header.openPersonRequested.connect(self._on_open_person)
        layout.addWidget(self.header)
        self.action_bar = CaseActionBar()
        self.action_bar.actionRequested.connect(self.run_action)
        layout.addLayout(self.action_bar)
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
        self._name_widgets()

    def _build_tabs(self) -> QTabWidget:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.setMinimumHeight(300)
        case_widgets.steady_tabs(self.tabs)
        self.job = JobTab()
        self.conditions = ConditionsTab()
        self.aids = AidsTab()
        self.instalments = InstalmentsTab()
        self.instalments.instalmentSelected.connect(self._select_in_timeline)
        self.meetings = MeetingsTab()
        self.meetings.newMeetingRequested.connect(lambda: self.run_action(Action.ADD_MEETING))
        self.meetings.openRequested.connect(self.open_meeting)
        self.meetings.meetingSelected.connect(self._select_in_timeline)
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
        return self.tabs

    def _name_widgets(self) -> None:
        """The header's and the tabs' widgets under the names callers and tests know."""
        header = self.header
        self.reference_label = header.reference_label
        self.state_badge = header.state_badge
        self.person_label = header.person_label
        self.open_person_button = header.open_person_button
        self.birth_label = header.birth_label
        self.address_label = header.address_label
        self.allocataire_label = header.allocataire_label
        self.orientation_label = header.orientation_label
        self.referent_label = header.referent_label
        self.household_label = header.household_label
        self.state_notice = header.state_notice
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
        self.header.show_missing()
        self.timeline.setVisible(False)
        self.tabs.setVisible(False)
        self.missing_label.setVisible(True)

    def _show(self, d: CaseDetail) -> None:
        self._detail = d
        self.tabs.setVisible(True)  # after a first failed load
        self.missing_label.setVisible(False)
        self.header.show_case(d, self._today)
        actions = self.action_bar.show_actions(d, read_only=self._db.read_only)
        self.new_meeting_button.setVisible(Action.ADD_MEETING in actions)
        self.timeline.set_case(d, self._today)
        # Nothing to draw before the grant (or after a refusal): keep the screen calm.
        has_items = bool(d.instalments or d.meetings)
        self.timeline.setVisible(has_items)
        self.timeline_note.setVisible(
            not has_items and d.state in (CaseState.DRAFT, CaseState.SUBMITTED)
        )
        for page in self._pages:
            page.show_case(d)

    @staticmethod
    def _first_tab(d: CaseDetail) -> int:
        """Where a case opens: the conditions while a decision is awaited, the decision
        once refused, the job otherwise."""
        if d.state in (CaseState.DRAFT, CaseState.SUBMITTED):
            return TAB_CONDITIONS
        if d.state is CaseState.REFUSED:
            return TAB_DECISIONS
        return TAB_JOB

    # --- selection between the tabs and the timeline -----------------------------------
    def select_instalment(self, instalment_id: uuid.UUID) -> None:
        """Select the instalment in its table and in the timeline."""
        if self.instalments.select(instalment_id):
            self.timeline.select(instalment_id)

    def _select_in_timeline(self, item_id: uuid.UUID | None) -> None:
        """An instalment or a meeting the user selected in its tab."""
        self.timeline.select(item_id)

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
