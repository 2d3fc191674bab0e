"""The « Entretiens » tab of a case: the meetings, most recent first, the selected one's
report below, a button to record a new one. Double-clicking a meeting asks to open it
(``openRequested``); the meeting the user selects is said by ``meetingSelected`` (for the
timeline); :meth:`MeetingsTab.select` selects one without saying it back."""

from __future__ import annotations

import html
import uuid

from PySide6.QtCore import QItemSelection, QModelIndex, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.services.case_view import Action, CaseDetail, MeetingView
from app.services.text import format_date
from app.ui.case_tabs import QuietSelection
from app.ui.case_tabs.records_tab import RecordsTab
from app.ui.case_texts import obstacles_text
from app.ui.case_widgets import Column, muted, selected_row


class MeetingsTab(RecordsTab):
    newMeetingRequested = Signal()
    openRequested = Signal(int)  # the row double-clicked
    meetingSelected = Signal(object)  # uuid.UUID, selected by the user

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            [
                Column("Date", lambda m: format_date(m.held_on)),
                Column("Type", lambda m: m.kind.label),
                Column("Mode", lambda m: m.mode.label),
                Column("Freins abordés", lambda m: obstacles_text(m.obstacles)),
                Column("Prochain entretien", lambda m: format_date(m.next_meeting_on) or "—"),
            ],
            empty_text="Aucun entretien enregistré.",
            stretch=3,
            table_name="meetingTable",
            text_name="meetingText",
            text_height=90,
            parent=parent,
        )
        self._selection = QuietSelection(self.table)
        self.text.setOpenLinks(False)
        self.table.doubleClicked.connect(self._on_double_click)

    def _add_top(self, layout: QVBoxLayout) -> None:
        bar = QHBoxLayout()
        self.new_meeting_button = QPushButton(Action.ADD_MEETING.label)
        self.new_meeting_button.setObjectName("newMeetingButton")
        self.new_meeting_button.setAutoDefault(False)
        self.new_meeting_button.clicked.connect(lambda: self.newMeetingRequested.emit())
        bar.addWidget(self.new_meeting_button)
        self.meetings_hint = muted("Double-cliquez sur un entretien pour l'ouvrir.")
        bar.addWidget(self.meetings_hint, 1)
        layout.addLayout(bar)

    def show_case(self, d: CaseDetail) -> None:
        meetings = sorted(d.meetings, key=lambda m: m.held_on, reverse=True)
        self.meetings_hint.setVisible(bool(meetings))
        self.set_records(meetings)

    def describe(self, record: MeetingView) -> str:
        m = record
        parts = [
            f"<b>{html.escape(m.kind.label)} du {format_date(m.held_on)}</b> — "
            f"{html.escape(m.mode.label)}"
        ]
        for label, text in (
            ("Participants", m.participants),
            ("Freins abordés", obstacles_text(m.obstacles)),
            ("Situation dans l'emploi", m.job_situation),
            ("Compte rendu", m.notes),
            ("Suites à donner", m.next_steps),
            ("Prochain entretien", format_date(m.next_meeting_on)),
        ):
            if text:
                body = html.escape(text).replace("\n", "<br>")
                parts.append(f"<b>{label} :</b> {body}")
        return "<br>".join(parts)

    # --- selection -----------------------------------------------------------------------
    def selected_meeting(self) -> MeetingView | None:
        row = selected_row(self.table)
        return self.model.row_object(row) if row >= 0 else None

    def select(self, meeting_id: uuid.UUID) -> bool:
        """Select the meeting and show its report (not said by ``meetingSelected``); False
        when it is not in the table."""
        row = self.model.row_of(meeting_id)
        if row < 0:
            return False
        self._selection.select(row)
        self.show_row(row)
        return True

    def has(self, meeting_id: uuid.UUID) -> bool:
        return self.model.row_of(meeting_id) >= 0

    def _on_selected(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        super()._on_selected(selected, deselected)
        row = selected_row(self.table)
        if not self._selection.quiet and row >= 0:
            self.meetingSelected.emit(self.model.id_at(row))

    def _on_double_click(self, index: QModelIndex) -> None:
        self.openRequested.emit(index.row())
