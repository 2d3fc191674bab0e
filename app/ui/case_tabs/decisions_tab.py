"""The « Décisions » tab of a case: the decisions, most recent first, with the selected
one's motivation and the validator's statement below."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QWidget

from app.services.case_view import CaseDetail, DecisionView
from app.services.text import format_date
from app.ui.case_tabs.records_tab import RecordsTab
from app.ui.case_widgets import Column


class DecisionsTab(RecordsTab):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            [
                Column("N°", lambda d: d.number),
                Column("Nature", lambda d: d.kind.label),
                Column("Date", lambda d: format_date(d.decided_on)),
                Column("Auteur", lambda d: d.author),
                Column("Motivation", lambda d: " ".join(d.motivation.split()) or "—"),
            ],
            empty_text="Aucune décision pour l'instant.",
            stretch=4,
            table_name="decisionTable",
            text_name="decisionText",
            text_height=70,
            parent=parent,
        )

    def show_case(self, d: CaseDetail) -> None:
        self.set_records(sorted(d.decisions, key=lambda x: (x.decided_on, x.number), reverse=True))

    def describe(self, record: DecisionView) -> str:
        d = record
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
        return (
            f"<b>Décision {html.escape(d.number)}</b> — {html.escape(d.kind.label)} du "
            f"{format_date(d.decided_on)}, par {html.escape(d.author)}<br>{motivation}" + statement
        )
