"""One figure of the « Tableau de bord » as a card: its label, its value in large type and a
comment; a click (or Entrée, Espace) asks for the cases behind it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.services import figures
from app.ui.case_widgets import MUTED_STYLE

CARD_STYLE = (
    "#figureCard { background: palette(base); border: 1px solid palette(mid);"
    " border-radius: 6px; }"
    "#figureCard:hover, #figureCard:focus { border: 1px solid #1f4e79; }"
)


class FigureCard(QFrame):
    """One figure: its label, its value in large type, a comment; a click (or Entrée,
    Espace) asks for its cases."""

    clicked = Signal()

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.line: figures.FigureLine | None = None
        self.setObjectName("figureCard")
        self.setStyleSheet(CARD_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(2)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.value = QLabel(self)
        self.value.setObjectName("figureValue")
        self.value.setStyleSheet("font-size: 17pt; font-weight: bold; color: #1f4e79;")
        self.comment = QLabel(self)
        self.comment.setWordWrap(True)
        self.comment.setStyleSheet(MUTED_STYLE)
        for label in (self.label, self.value, self.comment):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)

    def set_line(self, line: figures.FigureLine) -> None:
        self.line = line
        self.label.setText(line.label)
        self.value.setText(line.value)
        self.comment.setText(line.comment)
        self.comment.setVisible(bool(line.comment))
        clickable = line.figure is not None
        self.setCursor(
            Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor
        )
        tip = "\n".join(
            t
            for t in (line.explanation, "Cliquer pour voir les dossiers" if clickable else "")
            if t
        )
        self.setToolTip(tip)
        self.setAccessibleName(f"{line.label} : {line.value}")
        self.setAccessibleDescription(line.full_comment)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            event.accept()
            return
        super().keyPressEvent(event)
