"""Show and print a PDF letter inside the application (QtPdf: PDFium underneath).

:class:`PdfPreview` opens a file or bytes (through a QBuffer), pages through it, zooms (fit
to the width by default) and prints. The pages are shown by
:class:`app.ui.pdf_pages_view.PdfPagesView`; reading, rendering and printing a PDF (and why
the visible signature needs a relabelled copy) are in :mod:`app.ui.pdf_printing`, whose
names this module still offers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import dialogs
from app.ui.case_widgets import MUTED_STYLE, PRIMARY_BUTTON
from app.ui.pdf_pages_view import FIT_PAGE, FIT_WIDTH, ZOOM_STEPS, PdfPagesView
from app.ui.pdf_printing import (
    PRINT_DPI,
    PrintFailed,
    displayable_pdf,
    load_pdf,
    print_file,
    print_pdf,
    print_with_messages,
    render_page,
)

__all__ = [
    "FIT_PAGE",
    "FIT_WIDTH",
    "PRINT_DPI",
    "ZOOM_STEPS",
    "PdfPagesView",
    "PdfPreview",
    "PrintFailed",
    "displayable_pdf",
    "load_pdf",
    "print_file",
    "print_pdf",
    "print_with_messages",
    "render_page",
]

log = logging.getLogger(__name__)


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
        shortcuts: list[tuple[QKeySequence | QKeySequence.StandardKey, Callable[[], object]]] = [
            (QKeySequence.StandardKey.ZoomIn, self.pages.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.pages.zoom_out),
            (QKeySequence.StandardKey.Print, self.print_document),
            (QKeySequence(Qt.Key.Key_PageDown), self.next_page),
            (QKeySequence(Qt.Key.Key_PageUp), self.previous_page),
        ]
        for keys, slot in shortcuts:
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
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
