"""Show and print a PDF letter inside the application (QtPdf: PDFium underneath).

:class:`PdfPreview` opens a file or bytes (through a QBuffer), pages through it, zooms (fit
to the width by default) and prints. :func:`print_pdf` renders each page into an image and
paints it on a ``QPrinter`` page by page; the print dialog goes through
:func:`app.ui.dialogs.print_document`, so tests print into a PDF file.

Why the pages are not shown by ``QPdfView``: the visible electronic signature is a *widget*
annotation (a signature field), and PDFium only draws widgets through a form-fill handle
that QtPdf does not use; ``QPdfView`` does not even draw ordinary annotations. The signed
letter would look unsigned. :class:`PdfPagesView` renders the pages with
``QPdfDocument.render`` and the annotations flag, on an in-memory copy where the signature
widget is relabelled as a stamp annotation (:func:`displayable_pdf`): same bytes length,
same appearance stream, the archived file itself is never touched.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QKeySequence, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.case_widgets import MUTED_STYLE, PRIMARY_BUTTON
from app.ui.widgets import busy_cursor

log = logging.getLogger(__name__)

PRINT_DPI = 300  # enough for text and the logo; a page image stays around 25 MB in memory
ZOOM_STEPS = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0]
FIT_WIDTH, FIT_PAGE = "width", "page"
_WIDGET = re.compile(rb"/Subtype(\s*)/Widget")


def displayable_pdf(data: bytes) -> bytes:
    """A copy of ``data`` whose widget annotations (the visible signature) PDFium draws.

    ``/Subtype /Widget`` becomes ``/Subtype /Stamp `` (same length: the cross-reference
    offsets stay right). For display and printing only, never to be saved or verified."""
    return _WIDGET.sub(lambda m: b"/Subtype" + m.group(1) + b"/Stamp ", data)


def _render_options() -> QPdfDocumentRenderOptions:
    options = QPdfDocumentRenderOptions()
    options.setRenderFlags(QPdfDocumentRenderOptions.RenderFlag.Annotations)
    return options


def render_page(document: QPdfDocument, page: int, size: QSize) -> QImage:
    """Page ``page`` at ``size`` pixels, on white paper (PDFium leaves it transparent)."""
    rendered = document.render(page, size, _render_options())
    paper = QImage(size, QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))
    painter = QPainter(paper)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return paper


class PrintFailed(Exception):
    """The printer could not be opened (shown in French by the caller)."""


def print_pdf(parent: QWidget | None, document: QPdfDocument, title: str) -> int:
    """Print ``document`` after the print dialog; the number of pages printed (0: cancelled).

    Each page is rendered at up to :data:`PRINT_DPI` and scaled onto the whole sheet (the
    letter has its own margins), keeping its proportions."""
    count = document.pageCount()
    if count <= 0:
        return 0
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title or "Pack Sortie")
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setFullPage(True)
    printer.setFromTo(1, count)
    if not dialogs.print_document(parent, printer):
        return 0
    first, last = 0, count - 1
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(printer.fromPage(), 1) - 1
        last = min(max(printer.toPage(), printer.fromPage()), count) - 1
    dpi = min(printer.resolution(), PRINT_DPI)
    painter = QPainter()
    with busy_cursor():
        if not painter.begin(printer):
            raise PrintFailed(printer.printerName() or printer.outputFileName())
        try:
            for n, page in enumerate(range(first, last + 1)):
                if n:
                    printer.newPage()
                points = document.pagePointSize(page)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = render_page(document, page, size)
                sheet = QRectF(painter.viewport())
                scale = min(sheet.width() / size.width(), sheet.height() / size.height())
                width, height = size.width() * scale, size.height() * scale
                target = QRectF(
                    sheet.x() + (sheet.width() - width) / 2,
                    sheet.y() + (sheet.height() - height) / 2,
                    width,
                    height,
                )
                painter.drawImage(target, image)
        finally:
            painter.end()
    printed = last - first + 1
    log.info("Printed %d page(s) of %s", printed, title)
    return printed


def print_with_messages(parent: QWidget | None, document: QPdfDocument, title: str) -> int:
    """:func:`print_pdf`, telling the user (in French) when the printer cannot be used."""
    try:
        return print_pdf(parent, document, title)
    except PrintFailed as exc:
        log.warning("Printer could not be opened: %s", exc)
        dialogs.show_warning(
            parent,
            "L'imprimante n'a pas pu être utilisée. Vérifiez qu'elle est allumée et "
            "connectée, puis réessayez.",
        )
        return 0


def load_pdf(document: QPdfDocument, data: bytes) -> QBuffer | None:
    """Load ``data`` (made displayable) into ``document``; the buffer must be kept alive
    as long as the document is used. None when QtPdf cannot read it."""
    buffer = QBuffer()
    buffer.setData(QByteArray(displayable_pdf(data)))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        document.close()
        buffer.close()
        return None
    return buffer


# --- the page view -----------------------------------------------------------------------------
class PdfPagesView(QScrollArea):
    """The pages one below the other on a grey desk, rendered by QPdfDocument (see module
    docstring); fit-to-width, whole page, or a zoom factor."""

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
        self.widget().adjustSize()
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

    def resizeEvent(self, event) -> None:
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


# --- the preview dialog ------------------------------------------------------------------------
class PdfPreview(QDialog):
    """A letter on screen: pages, zoom, « Imprimer… ». Not modal: the user may keep it open
    beside the case."""

    ZOOM_CHOICES = [
        ("Ajuster à la largeur", FIT_WIDTH),
        ("Page entière", FIT_PAGE),
        *[(f"{round(z * 100)} %", z) for z in ZOOM_STEPS],
    ]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setWindowTitle("Aperçu du document")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(820, 960)
        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.title = ""
        self.path: Path | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar_widget = QWidget()
        bar_widget.setObjectName("previewBar")
        bar = QHBoxLayout(bar_widget)
        bar.setContentsMargins(10, 6, 10, 6)
        bar.setSpacing(6)
        self.previous_button = self._tool("◀", "Page précédente (Page préc.)", "previousPage")
        self.next_button = self._tool("▶", "Page suivante (Page suiv.)", "nextPage")
        self.page_label = QLabel()
        self.page_label.setObjectName("pageLabel")
        self.page_label.setMinimumWidth(
            self.page_label.fontMetrics().horizontalAdvance("Page 00 sur 00") + 8
        )
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_out_button = self._tool("−", "Réduire (Ctrl+-)", "zoomOut")
        self.zoom_combo = QComboBox()
        self.zoom_combo.setObjectName("zoomCombo")
        self.zoom_combo.setAccessibleName("Zoom")
        for text, value in self.ZOOM_CHOICES:
            self.zoom_combo.addItem(text, value)
        self.zoom_combo.activated.connect(self._on_zoom_chosen)
        self.zoom_in_button = self._tool("+", "Agrandir (Ctrl++)", "zoomIn")
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setStyleSheet(MUTED_STYLE)
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("000 %"))
        self.print_button = QPushButton("Imprimer…")
        self.print_button.setObjectName("printButton")
        self.print_button.setStyleSheet(PRIMARY_BUTTON)
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_document)
        self.close_button = QPushButton("Fermer")
        self.close_button.setObjectName("closeButton")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.page_label)
        bar.addWidget(self.next_button)
        bar.addSpacing(14)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.zoom_combo)
        bar.addWidget(self.zoom_in_button)
        bar.addWidget(self.zoom_label)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.close_button)
        layout.addWidget(bar_widget)
        self.pages = PdfPagesView()
        layout.addWidget(self.pages, 1)
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.zoom_in_button.clicked.connect(self.pages.zoom_in)
        self.zoom_out_button.clicked.connect(self.pages.zoom_out)
        self.pages.pageChanged.connect(lambda _page: self._update_navigation())
        self.pages.zoomChanged.connect(self._on_zoom_changed)
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.pages.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.pages.zoom_out),
            (QKeySequence.StandardKey.Print, self.print_document),
            (QKeySequence(Qt.Key.Key_PageDown), self.next_page),
            (QKeySequence(Qt.Key.Key_PageUp), self.previous_page),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)
        self._update_navigation()

    def _tool(self, text: str, tip: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.setObjectName(name)
        button.setMinimumWidth(30)
        return button

    # --- loading -------------------------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Show the PDF file ``path``; False (and the user told why) when unreadable."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("Preview: %s unreadable (%s)", path, exc)
            dialogs.show_warning(
                self.parentWidget() or self,
                f"Le document « {path.name} » ne peut pas être lu ({exc.strerror or exc}).",
            )
            return False
        self.path = path
        return self.open_bytes(data, path.name)

    def open_bytes(self, data: bytes, title: str = "") -> bool:
        """Show a PDF held in memory (e.g. a letter before it is archived)."""
        self.pages.set_document(None)
        self.document.close()
        if self._buffer is not None:
            self._buffer.close()
        self._buffer = load_pdf(self.document, data)
        if self._buffer is None:
            dialogs.show_warning(
                self.parentWidget() or self,
                "Ce document n'est pas un PDF lisible : il ne peut pas être affiché.",
            )
            self._update_navigation()
            return False
        self.title = title
        self.setWindowTitle(f"Aperçu — {title}" if title else "Aperçu du document")
        self.pages.set_document(self.document)
        self._update_navigation()
        return True

    # --- navigation and zoom -------------------------------------------------------------
    def page_count(self) -> int:
        return self.document.pageCount() if self._buffer is not None else 0

    def current_page(self) -> int:
        return self.pages.current_page

    def go_to_page(self, page: int) -> None:
        self.pages.go_to(page)
        self._update_navigation()

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def _update_navigation(self) -> None:
        count = self.page_count()
        page = self.current_page()
        self.page_label.setText(f"Page {page + 1} sur {count}" if count else "Aucune page")
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page < count - 1)
        for widget in (self.zoom_in_button, self.zoom_out_button, self.zoom_combo):
            widget.setEnabled(count > 0)
        self.print_button.setEnabled(count > 0)

    def _on_zoom_chosen(self, index: int) -> None:
        value = self.zoom_combo.itemData(index)
        if value in (FIT_WIDTH, FIT_PAGE):
            self.pages.set_mode(value)
        else:
            self.pages.set_factor(float(value))

    def _on_zoom_changed(self, factor: float) -> None:
        self.zoom_label.setText(f"{round(factor * 100)} %")
        mode = self.pages.mode
        index = next(
            (
                i
                for i, (_text, value) in enumerate(self.ZOOM_CHOICES)
                if value == mode or (mode == "custom" and value == factor)
            ),
            -1,
        )
        if index >= 0:
            self.zoom_combo.setCurrentIndex(index)
        else:
            self.zoom_combo.setCurrentIndex(-1)
            self.zoom_combo.setPlaceholderText(f"{round(factor * 100)} %")

    # --- printing ------------------------------------------------------------------------
    def print_document(self) -> int:
        """Print the document shown (after the print dialog); the pages printed."""
        if self.page_count() == 0:
            return 0
        return print_with_messages(self, self.document, self.title)


def print_file(parent: QWidget | None, path: Path) -> int:
    """Print an archived PDF without showing it; the pages printed (0: cancelled/failed)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.warning("Print: %s unreadable (%s)", path, exc)
        dialogs.show_warning(
            parent, f"Le document « {path.name} » ne peut pas être lu ({exc.strerror or exc})."
        )
        return 0
    document = QPdfDocument()
    buffer = load_pdf(document, data)
    if buffer is None:
        dialogs.show_warning(
            parent, "Ce document n'est pas un PDF lisible : il ne peut pas être imprimé."
        )
        return 0
    try:
        return print_with_messages(parent, document, path.name)
    finally:
        document.close()
        buffer.close()
