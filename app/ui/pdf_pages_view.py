"""The pages of a PDF one below the other on a grey desk, rendered by QtPdf.

Why not ``QPdfView``: it draws neither the visible signature (a widget annotation) nor
ordinary annotations, so a signed letter would look unsigned; the pages are rendered by
:func:`app.ui.pdf_printing.render_page` instead (see that module).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.pdf_printing import render_page

ZOOM_STEPS = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0]
FIT_WIDTH, FIT_PAGE = "width", "page"


class PdfPagesView(QScrollArea):
    """The pages one below the other on a grey desk (see module docstring); fit-to-width,
    whole page, or a zoom factor."""

    pageChanged = Signal(int)
    zoomChanged = Signal(float)

    MARGIN = 16
    SPACING = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPages")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        desk = QWidget()
        desk.setObjectName("pdfDesk")
        desk.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        desk.setStyleSheet("QWidget#pdfDesk { background: #8d949c; }")
        self._layout = QVBoxLayout(desk)
        self._layout.setContentsMargins(self.MARGIN, self.MARGIN, self.MARGIN, self.MARGIN)
        self._layout.setSpacing(self.SPACING)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setWidget(desk)
        self._desk = desk
        self._document: QPdfDocument | None = None
        self._labels: list[QLabel] = []
        self._mode: str = FIT_WIDTH
        self._factor = 1.0
        self._current = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)
        self._timer.timeout.connect(self._render)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    # --- state ---------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def factor(self) -> float:
        """The zoom factor in use (for the fit modes, the one computed at the last render)."""
        return self._factor

    @property
    def current_page(self) -> int:
        return self._current

    def page_label(self, page: int) -> QLabel:
        return self._labels[page]

    def set_document(self, document: QPdfDocument | None) -> None:
        self._document = document
        for label in self._labels:
            label.hide()
            label.deleteLater()
        self._labels = []
        count = document.pageCount() if document is not None else 0
        for page in range(count):
            label = QLabel()
            label.setObjectName(f"pdfPage{page + 1}")
            label.setAccessibleName(f"Page {page + 1} sur {count}")
            label.setStyleSheet("QLabel { background: white; border: 1px solid #5f666d; }")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self._labels.append(label)
        self._current = 0
        self._render()
        self.verticalScrollBar().setValue(0)

    def set_mode(self, mode: str) -> None:
        self._mode = mode
        self._render()

    def set_factor(self, factor: float) -> None:
        self._mode = "custom"
        self._factor = max(0.25, min(factor, 4.0))
        self._render()

    def zoom_in(self) -> None:
        self.set_factor(next((z for z in ZOOM_STEPS if z > self._factor + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOM_STEPS if z < self._factor - 0.01]
        self.set_factor(smaller[-1] if smaller else ZOOM_STEPS[0])

    def go_to(self, page: int) -> None:
        if not self._labels:
            return
        page = max(0, min(page, len(self._labels) - 1))
        self._desk.adjustSize()
        self.verticalScrollBar().setValue(max(self._labels[page].y() - self.MARGIN, 0))
        self._set_current(page)

    # --- rendering -----------------------------------------------------------------------
    def _scale_for(self, points: QSizeF) -> float:
        # The room inside the frame, less the vertical scroll bar whenever the pages may be
        # taller than the view (fitting the width must not bring a horizontal one).
        frame = 2 * self.frameWidth()
        scroll_bar = self.verticalScrollBar().sizeHint().width()
        many = len(self._labels) > 1 or self._mode not in (FIT_PAGE,)
        room_w = self.width() - frame - 2 * self.MARGIN - 6 - (scroll_bar if many else 0)
        room_h = self.height() - frame - 2 * self.MARGIN - 6
        room_w, room_h = max(room_w, 100), max(room_h, 100)
        # 1.0 = the paper's real size on a 96 dpi screen
        width_px, height_px = points.width() * 96 / 72, points.height() * 96 / 72
        if self._mode == FIT_WIDTH:
            return room_w / width_px
        if self._mode == FIT_PAGE:
            return min(room_w / width_px, room_h / height_px)
        return self._factor

    def _render(self) -> None:
        document = self._document
        if document is None or not self._labels:
            return
        ratio = self.devicePixelRatioF()
        self._factor = self._scale_for(document.pagePointSize(0))
        for page, label in enumerate(self._labels):
            points = document.pagePointSize(page)
            width = round(points.width() * 96 / 72 * self._factor)
            height = round(points.height() * 96 / 72 * self._factor)
            image = render_page(document, page, QSize(round(width * ratio), round(height * ratio)))
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setFixedSize(width + 2, height + 2)
        self.zoomChanged.emit(self._factor)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._mode in (FIT_WIDTH, FIT_PAGE):
            self._timer.start()

    def _on_scrolled(self, value: int) -> None:
        middle = value + self.viewport().height() // 3
        page = 0
        for index, label in enumerate(self._labels):
            if label.y() <= middle:
                page = index
        self._set_current(page)

    def _set_current(self, page: int) -> None:
        if page != self._current:
            self._current = page
            self.pageChanged.emit(page)
