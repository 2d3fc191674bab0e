"""A document of several pages under the département's letterhead (the annual report, the
right-of-access export): the letterhead on the first page, a footer naming the document
and the page on every page, and the tables' house style."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Table, TableStyle

from app.services.letter_pdf import (
    ACCENT,
    FONT,
    MARGIN,
    PAGE_H,
    PAGE_W,
    Letterhead,
    draw_letterhead,
)
from app.services.settings import OfficeSettings

TEXT_W = PAGE_W - 2 * MARGIN
BOTTOM = 16 * mm
FIRST_TOP = 52 * mm  # below the letterhead
GRID = colors.HexColor("#d0d7de")
HEAD_BG = colors.HexColor("#e8eef5")


def letterhead_of(settings: OfficeSettings, issued_on: date) -> Letterhead:
    """The département's own letterhead (no office): for the documents it issues itself."""
    return Letterhead(
        department=settings.department_name,
        office_name="",
        office_address=settings.department_address,
        office_phone="",
        logo_path=settings.logo_path,
        city=settings.signature_city,
        issued_on=issued_on,
    )


def _frame(name: str, top: float) -> Frame:
    """The text's frame from ``top`` (below the page's top edge) to the footer."""
    height = PAGE_H - top - BOTTOM
    return Frame(MARGIN, BOTTOM, TEXT_W, height, id=name, leftPadding=0, rightPadding=0,
                 topPadding=0, bottomPadding=0)  # fmt: skip


class ReportDocument(BaseDocTemplate):
    """``footer`` names the document at the foot of every page, beside its number."""

    def __init__(
        self, buffer: io.BytesIO, head: Letterhead, *, title: str, footer: str, subject: str = ""
    ) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=BOTTOM,
            title=title,
            author=head.department,
            subject=subject,
            creator="Pack Sortie",
        )
        self.head, self.footer = head, footer
        first, later = _frame("first", FIRST_TOP), _frame("later", MARGIN)
        self.addPageTemplates(
            [
                PageTemplate(
                    id="First", frames=[first], onPage=self._first, autoNextPageTemplate="Later"
                ),
                PageTemplate(id="Later", frames=[later], onPage=self._footer),
            ]
        )

    def _first(self, canvas: Any, doc: Any) -> None:
        draw_letterhead(canvas, self.head)
        self._footer(canvas, doc)

    def _footer(self, canvas: Any, doc: Any) -> None:
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#5f6368"))
        canvas.drawString(MARGIN, 9 * mm, f"{self.head.department} — {self.footer}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.setFillColor(colors.black)


def report_table(
    rows: Sequence[Sequence[Any]], widths: Sequence[float], *, header: bool = True
) -> Table:
    """Rows of paragraphs (or strings), lines between them, the first row as a heading."""
    table = Table([list(r) for r in rows], colWidths=list(widths), repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
        ]
    table.setStyle(TableStyle(style))
    return table
