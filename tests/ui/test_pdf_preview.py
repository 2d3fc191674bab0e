"""The PDF preview (QtPdf): a produced letter on screen with its visible signature, pages and
zoom, and printing page by page into a PDF file through the patched print seam."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter, QPdfWriter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from app.models.enums import DocumentKind
from app.services import documents
from app.services.signing import SignerProfile, load_signer
from app.ui import dialogs
from app.ui.pdf_preview import (
    FIT_PAGE,
    FIT_WIDTH,
    PdfPreview,
    displayable_pdf,
    load_pdf,
    print_file,
    render_page,
)
from tests.factories import granted_case, make_person, make_users
from tests.pki import PASSPHRASE, make_test_pki

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def signed_letter(db, tmp_path):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    pki = make_test_pki(tmp_path)
    signer = load_signer(
        SignerProfile(pki.p12_path, "Marc Aubert", "Responsable de MDS"), PASSPHRASE
    )
    doc = documents.produce_document(
        db, validator, case_id, DocumentKind.GRANT_LETTER, signer=signer
    )
    return doc, case_id


@pytest.fixture
def printed(monkeypatch, tmp_path) -> list[Path]:
    """The print dialog seam: « Imprimer » into a PDF file (one per print)."""
    files: list[Path] = []

    def print_document(_parent, printer: QPrinter) -> bool:
        out = tmp_path / f"imprime-{len(files) + 1}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        files.append(out)
        return True

    monkeypatch.setattr(dialogs, "print_document", print_document)
    return files


def two_pages(path: Path) -> Path:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(QRect(500, 500, 4000, 400), 0, "Première page")
    writer.newPage()
    painter.drawText(QRect(500, 500, 4000, 400), 0, "Deuxième page")
    painter.end()
    return path


def pages_of(path: Path) -> int:
    document = QPdfDocument()
    document.load(str(path))
    return document.pageCount()


def open_preview(qtbot) -> PdfPreview:
    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.resize(760, 900)
    preview.show()
    qtbot.waitExposed(preview)
    return preview


def non_white(image: QImage, box: tuple[int, int, int, int]) -> int:
    x1, y1, x2, y2 = box
    white = QColor("white").rgb()
    return sum(1 for x in range(x1, x2, 2) for y in range(y1, y2, 2) if image.pixel(x, y) != white)


def test_preview_loads_the_produced_letter_and_prints_it(qtbot, signed_letter, printed, shoot):
    doc, _ = signed_letter
    preview = open_preview(qtbot)
    assert preview.open_file(doc.path)
    assert preview.page_count() == 1
    assert preview.windowTitle() == f"Aperçu — {doc.path.name}"
    assert preview.page_label.text() == "Page 1 sur 1"
    assert not preview.previous_button.isEnabled() and not preview.next_button.isEnabled()
    assert preview.pages.mode == FIT_WIDTH
    assert preview.zoom_combo.currentText() == "Ajuster à la largeur"
    qtbot.wait(100)  # the pages are fitted again after the first layout
    pages = preview.pages
    assert pages.horizontalScrollBar().maximum() == 0  # the width fits: no sideways scrolling
    assert pages.page_label(0).width() > 0.85 * pages.viewport().width()
    shoot(preview, "preview")

    assert preview.print_document() == 1
    assert len(printed) == 1 and pages_of(printed[0]) == 1
    assert hashlib.sha256(doc.path.read_bytes()).hexdigest() == doc.sha256  # untouched


def test_the_visible_signature_is_drawn(signed_letter):
    """QtPdf draws a signature field only once relabelled as a stamp (display copy only)."""
    doc, _ = signed_letter
    data = doc.path.read_bytes()
    shown = displayable_pdf(data)
    assert len(shown) == len(data) and b"/Widget" not in shown and b"/Widget" in data
    document = QPdfDocument()
    buffer = load_pdf(document, data)
    assert buffer is not None
    points = document.pagePointSize(0)
    scale = 2.0
    image = render_page(
        document, 0, QSize(round(points.width() * scale), round(points.height() * scale))
    )
    # The stamp of the signature service: x 323-527 pt, y 131-188 pt from the bottom.
    top = points.height() - 188
    box = (int(330 * scale), int((top + 6) * scale), int(520 * scale), int((top + 50) * scale))
    assert non_white(image, box) > 100


def test_preview_of_bytes_before_archiving(qtbot, db, signed_letter):
    _, case_id = signed_letter
    _letter, pdf, _place = documents.render(
        db, case_id, DocumentKind.GRANT_LETTER, electronic=False
    )
    preview = open_preview(qtbot)
    assert preview.open_bytes(pdf, "Notification d'attribution")
    assert preview.page_count() == 1
    assert preview.path is None
    assert preview.windowTitle() == "Aperçu — Notification d'attribution"


def test_pages_and_zoom(qtbot, tmp_path, printed):
    preview = open_preview(qtbot)
    assert preview.open_file(two_pages(tmp_path / "deux.pdf"))
    assert preview.page_count() == 2
    assert preview.page_label.text() == "Page 1 sur 2"
    assert preview.next_button.isEnabled() and not preview.previous_button.isEnabled()
    qtbot.mouseClick(preview.next_button, Qt.MouseButton.LeftButton)
    assert preview.current_page() == 1
    assert preview.page_label.text() == "Page 2 sur 2"
    assert preview.previous_button.isEnabled() and not preview.next_button.isEnabled()
    qtbot.mouseClick(preview.previous_button, Qt.MouseButton.LeftButton)
    assert preview.current_page() == 0

    fit = preview.pages.factor
    qtbot.mouseClick(preview.zoom_in_button, Qt.MouseButton.LeftButton)
    assert preview.pages.factor > fit and preview.pages.mode == "custom"
    assert preview.zoom_label.text() == f"{round(preview.pages.factor * 100)} %"
    preview.zoom_combo.setCurrentIndex(1)
    preview.zoom_combo.activated.emit(1)
    assert preview.pages.mode == FIT_PAGE
    page = preview.pages.page_label(0)
    assert page.height() <= preview.pages.viewport().height()
    qtbot.mouseClick(preview.zoom_out_button, Qt.MouseButton.LeftButton)
    assert preview.pages.mode == "custom"

    assert preview.print_document() == 2
    assert pages_of(printed[0]) == 2


def test_print_range_and_cancel(qtbot, tmp_path, monkeypatch):
    source = two_pages(tmp_path / "deux.pdf")
    out = tmp_path / "page2.pdf"

    def only_second(_parent, printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setFromTo(2, 2)
        return True

    monkeypatch.setattr(dialogs, "print_document", only_second)
    assert print_file(None, source) == 1
    assert pages_of(out) == 1

    monkeypatch.setattr(dialogs, "print_document", lambda _p, _printer: False)
    assert print_file(None, source) == 0


def test_unreadable_files_are_explained(qtbot, tmp_path, fake_dialogs):
    preview = open_preview(qtbot)
    assert not preview.open_file(tmp_path / "absent.pdf")
    assert fake_dialogs.warnings[-1].startswith("Le document « absent.pdf » ne peut pas être lu")
    bad = tmp_path / "faux.pdf"
    bad.write_bytes(b"pas un PDF")
    assert not preview.open_file(bad)
    assert fake_dialogs.warnings[-1] == (
        "Ce document n'est pas un PDF lisible : il ne peut pas être affiché."
    )
    assert preview.page_count() == 0 and not preview.print_button.isEnabled()
    assert print_file(None, bad) == 0
