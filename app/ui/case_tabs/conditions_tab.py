"""The « Conditions » tab of a case: the eligibility panel (one line per rule), scrolled."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from app.services.case_view import CaseDetail
from app.ui.eligibility_panel import EligibilityPanel


class ConditionsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.eligibility_panel = EligibilityPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.eligibility_panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(scroll)

    def show_case(self, d: CaseDetail) -> None:
        self.eligibility_panel.set_eligibility(d.eligibility, d.scale_description)
