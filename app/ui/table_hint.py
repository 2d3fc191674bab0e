"""The grey text shown over a table while it has no row (« Aucun dossier… »)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QLabel


class TableHint(QLabel):
    """A centred, word-wrapped hint over ``table``'s viewport; clicks go through it to the
    table. Hidden until shown; :meth:`place` fits it to the viewport (after a resize)."""

    def __init__(self, table: QAbstractScrollArea, text: str = "", *, margin: int = 16) -> None:
        viewport = table.viewport()
        super().__init__(text, viewport)
        self._viewport = viewport
        self._margin = margin
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hide()

    def place(self) -> None:
        m = self._margin
        self.setGeometry(self._viewport.rect().adjusted(m, m, -m, -m))
