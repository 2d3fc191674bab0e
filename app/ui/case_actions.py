"""The action bar of the case screen: one button per action the read model allows, the most
useful next step first and highlighted, the decisions that close a door apart at the right;
when none is allowed, a line saying why. A click is said by ``actionRequested``: the case
screen runs the action.

The bar is a layout, not a widget, so that the case screen's layout follows its buttons even
while the screen is not shown yet (a hidden widget would not tell it its new size).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton

from app.models.enums import CaseState
from app.services.case_view import Action, CaseDetail
from app.ui.case_widgets import MUTED_STYLE, PRIMARY_BUTTON
from app.ui.widgets import clear_layout

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


class CaseActionBar(QHBoxLayout):
    actionRequested = Signal(object)  # Action

    def __init__(self) -> None:
        super().__init__()
        self.setSpacing(8)
        self.buttons: dict[Action, QPushButton] = {}

    def show_actions(self, d: CaseDetail, *, read_only: bool) -> list[Action]:
        """The buttons of the actions ``d`` allows (none on a read-only base); returns them."""
        clear_layout(self)
        self.buttons = {}
        actions = [] if read_only else list(d.actions)
        ordered = sorted(
            (a for a in actions if a not in SEVERE),
            key=lambda a: PRIMARY_ORDER.index(a) if a in PRIMARY_ORDER else len(PRIMARY_ORDER),
        )
        severe = [a for a in actions if a in SEVERE]
        primary = ordered[0] if ordered else None
        for action in ordered:
            self.addWidget(self._button(action, action is primary))
        self.addStretch(1)
        for action in severe:
            self.addWidget(self._button(action, False, severe=True))
        if not actions:
            label = QLabel(_no_action_reason(d, read_only))
            label.setStyleSheet(MUTED_STYLE)
            label.setObjectName("noActions")
            self.insertWidget(0, label)
        return actions

    def _button(self, action: Action, primary: bool, severe: bool = False) -> QPushButton:
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
        button.clicked.connect(lambda _checked=False, a=action: self.actionRequested.emit(a))
        self.buttons[action] = button
        return button


def _no_action_reason(d: CaseDetail, read_only: bool) -> str:
    if read_only:
        return "Base ouverte en lecture seule : aucune action possible."
    if d.state in (CaseState.REFUSED, CaseState.ENDED_EARLY):
        return "Dossier clos : aucune action possible."
    if d.state is CaseState.SUBMITTED:
        return "En attente de la décision d'une personne habilitée à valider."
    return "Aucune action ne vous est ouverte sur ce dossier."
