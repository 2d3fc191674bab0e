"""A chart of :mod:`app.services.charts` on screen: its SVG painted by QtSvg.

The same ReportLab drawing goes into the annual report's PDF; here it is scaled to the
widget's width, keeping its proportions, on white. QtSvg is imported with this module, which
only the « Tableau de bord » imports, on first show: never at start-up.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget
from reportlab.graphics.shapes import Drawing

from app.resources import resource_path
from app.services.charts import strings, to_svg

_FONTS_LOADED = False


def load_chart_fonts() -> None:
    """Give Qt the charts' font (DejaVu Sans, embedded in the PDF too), once."""
    global _FONTS_LOADED
    if _FONTS_LOADED:
        return
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        QFontDatabase.addApplicationFont(str(resource_path("fonts", name)))
    _FONTS_LOADED = True


class ChartView(QWidget):
    """Shows one drawing, as wide as the widget and as tall as its proportions want."""

    def __init__(self, parent: QWidget | None = None, *, max_scale: float = 1.6) -> None:
        super().__init__(parent)
        load_chart_fonts()
        self._renderer = QSvgRenderer(self)
        self._ratio = 0.5
        self._natural = QSize(480, 240)
        self._max_scale = max_scale
        self.svg = b""
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumWidth(240)

    def set_drawing(self, drawing: Drawing, svg: bytes | None = None) -> None:
        """Show ``drawing`` (``svg``: its :func:`to_svg`, when already made off the GUI
        thread)."""
        self.svg = svg if svg is not None else to_svg(drawing)
        self._renderer.load(QByteArray(self.svg))
        self._ratio = drawing.height / drawing.width
        self._natural = QSize(round(drawing.width), round(drawing.height))
        self.setAccessibleDescription(" ; ".join(strings(drawing)))
        self.setFixedHeight(self.heightForWidth(self.width()))
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return round(min(width, self._natural.width() * self._max_scale) * self._ratio)

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 240 else self._natural.width()
        return QSize(self._natural.width(), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.heightForWidth(max(self.width(), 240)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A grid layout does not ask every row's height for its width: fix it to the width.
        super().resizeEvent(event)
        wanted = self.heightForWidth(self.width())
        if self.height() != wanted or self.minimumHeight() != wanted:
            self.setFixedHeight(wanted)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._renderer.isValid():
            return
        painter = QPainter(self)
        width = min(self.width(), self._natural.width() * self._max_scale)
        height = width * self._ratio
        if height > self.height():
            height = self.height()
            width = height / self._ratio
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
        target = QRectF(6, 0, width - 12, height)
        self._renderer.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self._renderer.render(painter, target)
