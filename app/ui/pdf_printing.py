"""Reading a PDF letter into QtPdf (PDFium underneath), rendering its pages and printing it.

:func:`print_pdf` renders each page into an image and paints it on a ``QPrinter`` page by
page; the print dialog goes through :func:`app.ui.dialogs.print_document`, so tests print
into a PDF file.

Why the pages are rendered with the annotations flag, on a copy: the visible electronic
signature is a *widget* annotation (a signature field), and PDFium only draws widgets
through a form-fill handle that QtPdf does not use. The signed letter would look unsigned.
:func:`load_pdf` loads an in-memory copy where the signature widget is relabelled as a
stamp annotation (:func:`displayable_pdf`): same bytes length, same appearance stream, the
archived file itself is never touched.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from app.ui import dialogs
from app.ui.widgets import busy_cursor

log = logging.getLogger(__name__)

PRINT_DPI = 300  # enough for text and the logo; a page image stays around 25 MB in memory
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
