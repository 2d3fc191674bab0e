"""Lay a :class:`~app.services.letter_content.Letter` out on A4 with ReportLab.

First page: letterhead at the top left, place and date at the top right, recipient's address
in the window of a standard French windowed envelope (110 mm from the left edge, 45 mm from
the top), then references and subject. The body flows below; the signature block keeps
together and reserves the box where the visible electronic signature is stamped; the appeal
routes close the letter. Fonts are embedded (DejaVu Sans: accents, €, ligatures).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.resources import resource_path
from app.services.letter_content import Letter
from app.services.text import format_cents, format_long_date, format_month

FONT, FONT_BOLD, FONT_ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
WINDOW_LEFT, WINDOW_TOP, WINDOW_W, WINDOW_H = 110 * mm, 45 * mm, 85 * mm, 38 * mm
FIRST_FRAME_TOP = 90 * mm  # below the address window and the references
SIGNATURE_W, SIGNATURE_H = 72 * mm, 20 * mm
ACCENT = colors.HexColor("#1f4e79")
ELECTRONIC_MENTION = (
    "Acte signé électroniquement par {name}, {capacity}, conformément à l'article L. 212-3 "
    "du code des relations entre le public et l'administration. Son authenticité peut être "
    "vérifiée dans tout lecteur PDF."
)
HAND_MENTION = (
    "Document non signé électroniquement : il doit être signé à la main pour valoir notification."
)
NOTES_HAND_MENTION = "Compte rendu non signé électroniquement : à signer à la main."


def register_fonts() -> None:
    """Register our three faces and their family (idempotent; other code may have
    registered some DejaVu faces under the same names already)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file in (
        (FONT, "DejaVuSans.ttf"),
        (FONT_BOLD, "DejaVuSans-Bold.ttf"),
        (FONT_ITALIC, "DejaVuSans-Oblique.ttf"),
    ):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
    )


def paragraph_styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=12.5, alignment=TA_LEFT, spaceAfter=5
    )
    return {
        "body": base,
        "subject": ParagraphStyle(
            "subject", parent=base, fontName=FONT_BOLD, fontSize=10.5, spaceAfter=10
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=FONT_BOLD,
            spaceBefore=6,
            spaceAfter=3,
            textColor=ACCENT,
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=9, leading=11.5, spaceAfter=0
        ),
        "signer": ParagraphStyle("signer", parent=base, spaceAfter=1),
        "mention": ParagraphStyle(
            "mention",
            parent=base,
            fontName=FONT_ITALIC,
            fontSize=8,
            leading=10.5,
        ),
    }


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


@dataclass
class SignaturePlace:
    """Where the signature box landed: page index (0-based) and PDF-point rectangle."""

    page: int = 0
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


class SignatureBox(Flowable):
    """Reserves the visible signature's place and records it while the page is drawn."""

    def __init__(self, place: SignaturePlace, electronic: bool) -> None:
        super().__init__()
        self.place, self.electronic = place, electronic
        self.width, self.height = SIGNATURE_W, SIGNATURE_H

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.place.page = self.canv.getPageNumber() - 1
        self.place.box = (x, y, x + self.width, y + self.height)
        if not self.electronic:
            self.canv.setStrokeColor(colors.HexColor("#9aa0a6"))
            self.canv.setDash(2, 2)
            self.canv.rect(0, 0, self.width, self.height)
            self.canv.setFont(FONT, 7.5)
            self.canv.setFillColor(colors.HexColor("#5f6368"))
            self.canv.drawString(3, self.height - 10, "Signature manuscrite :")


@dataclass
class RenderedLetter:
    pdf: bytes
    signature: SignaturePlace
    pages: int


@dataclass(frozen=True)
class Letterhead:
    """What the top of a document's first page shows: who writes, from where, when."""

    department: str
    office_name: str
    office_address: str
    office_phone: str
    logo_path: str
    city: str
    issued_on: date


def draw_letterhead(canvas, head: Letterhead) -> None:
    """The département's letterhead at the top left (logo, name, office and its address),
    place and date at the top right: the letters' and the annual report's first page."""
    top = PAGE_H - MARGIN
    x = MARGIN
    if head.logo_path:
        try:
            canvas.drawImage(
                head.logo_path,
                x,
                top - 18 * mm,
                width=34 * mm,
                height=18 * mm,
                preserveAspectRatio=True,
                anchor="sw",
                mask="auto",
            )
            top -= 21 * mm
        except OSError:
            pass  # an unreadable logo must not stop a decision letter
    canvas.setFillColor(ACCENT)
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(x, top - 4 * mm, head.department)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 8.5)
    y = top - 9 * mm
    for line in [
        head.office_name,
        *head.office_address.splitlines(),
        f"Tél. {head.office_phone}" if head.office_phone else "",
    ]:
        if line:
            canvas.drawString(x, y, line)
            y -= 3.8 * mm
    canvas.setFont(FONT, 9.5)
    canvas.drawRightString(
        PAGE_W - MARGIN,
        PAGE_H - MARGIN - 4 * mm,
        f"{head.city}, le {format_long_date(head.issued_on)}",
    )


class _Doc(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, letter: Letter) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=16 * mm,
            title=letter.subject,
            author=letter.department,
            subject=letter.reference_line,
            creator="Pack Sortie",
        )
        self.letter = letter
        width = PAGE_W - 2 * MARGIN
        first_top = FIRST_FRAME_TOP if letter.is_correspondence else 62 * mm
        first = Frame(
            MARGIN,
            16 * mm,
            width,
            PAGE_H - first_top - 16 * mm,
            id="first",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        later = Frame(
            MARGIN,
            16 * mm,
            width,
            PAGE_H - MARGIN - 16 * mm,
            id="later",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate(
                    id="First",
                    frames=[first],
                    onPage=self._first_page,
                    autoNextPageTemplate="Later",
                ),
                PageTemplate(id="Later", frames=[later], onPage=self._footer),
            ]
        )

    def _first_page(self, canvas, doc) -> None:
        letter = self.letter
        x = MARGIN
        draw_letterhead(
            canvas,
            Letterhead(
                letter.department,
                letter.office_name,
                letter.office_address,
                letter.office_phone,
                letter.logo_path,
                letter.city,
                letter.issued_on,
            ),
        )
        if letter.is_correspondence:
            canvas.setFont(FONT, 10)
            ty = PAGE_H - WINDOW_TOP - 6 * mm
            for line in letter.recipient[:6]:
                canvas.drawString(WINDOW_LEFT + 4 * mm, ty, line)
                ty -= 5 * mm
        ref_y = (
            PAGE_H - (WINDOW_TOP + WINDOW_H + 2 * mm)
            if letter.is_correspondence
            else (PAGE_H - 48 * mm)
        )
        canvas.setFont(FONT, 8.5)
        canvas.drawString(x, ref_y, f"Réf. : {letter.reference_line}")
        if letter.followed_by:
            canvas.drawString(x, ref_y - 4 * mm, f"Affaire suivie par : {letter.followed_by}")
        self._footer(canvas, doc)

    def _footer(self, canvas, doc) -> None:
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#5f6368"))
        canvas.drawString(MARGIN, 9 * mm, f"Pack sortie RSA — {self.letter.reference_line}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.setFillColor(colors.black)


def _schedule_table(letter: Letter, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """One row per month, one column per aid: six rows at most, so the letter fits a page."""
    components = list(dict.fromkeys(r.component for r in letter.schedule))
    months = sorted({r.month for r in letter.schedule})
    cell, bold = styles["cell"], styles["cell_bold"]
    rows: list[list] = [
        [Paragraph("Mois", bold)]
        + [Paragraph(escape(c), bold) for c in components]
        + [Paragraph("Total du mois", bold)]
    ]
    cancelled_any = False
    for month in months:
        line = [paragraph(format_month(month), cell)]
        month_total = 0
        for component in components:
            items = [r for r in letter.schedule if r.month == month and r.component == component]
            parts = []
            for r in items:
                if r.status == "cancelled":
                    cancelled_any = True
                    parts.append(f"<strike>{escape(format_cents(r.amount_cents))}</strike>*")
                else:
                    month_total += r.amount_cents
                    parts.append(escape(format_cents(r.amount_cents)))
            line.append(Paragraph(" + ".join(parts) or "—", cell))
        line.append(Paragraph(escape(format_cents(month_total)), cell))
        rows.append(line)
    totals = [Paragraph("Total", bold)]
    for component in components:
        cents = sum(
            r.amount_cents
            for r in letter.schedule
            if r.component == component and r.status != "cancelled"
        )
        totals.append(Paragraph(escape(format_cents(cents)), bold))
    totals.append(Paragraph(escape(format_cents(letter.schedule_total_cents)), bold))
    rows.append(totals)
    width = 174 * mm
    first = 30 * mm
    other = (width - first) / (len(components) + 1)
    table = Table(rows, colWidths=[first] + [other] * (len(components) + 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#d0d7de")),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    payees = dict.fromkeys((r.component, r.payee) for r in letter.schedule)
    if len({p for _, p in payees}) == 1:
        who = f"Les versements sont faits au nom de : {next(iter(payees))[1]}."
    else:
        who = (
            "Versements faits au nom de : "
            + " ; ".join(f"{c.lower()} : {p}" for c, p in payees)
            + "."
        )
    flowables: list[Flowable] = [table, Spacer(1, 3), paragraph(who, styles["small"])]
    if letter.schedule_note:
        flowables.append(paragraph(letter.schedule_note, styles["small"]))
    if cancelled_any:
        flowables.append(paragraph("* Versement annulé.", styles["small"]))
    return flowables


def _facts_table(letter: Letter, styles: dict[str, ParagraphStyle]) -> Table:
    rows = [
        [paragraph(label, styles["cell_bold"]), paragraph(value, styles["cell"])]
        for label, value in letter.facts
    ]
    table = Table(rows, colWidths=[45 * mm, 129 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def signature_block(
    mention: str, signer: list[Flowable], styles: dict[str, ParagraphStyle], width: float = 174 * mm
) -> KeepTogether:
    """The signature mention at the left, who signs (and the box of :class:`SignatureBox`)
    at the right, kept on one page: the letters' and the annual report's last block."""
    block = Table(
        [[paragraph(mention, styles["mention"]), signer]],
        colWidths=[width - SIGNATURE_W - 6 * mm, SIGNATURE_W + 6 * mm],
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                ("VALIGN", (1, 0), (1, 0), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 10),
            ]
        )
    )
    return KeepTogether([block])


def render_letter(letter: Letter, *, electronic: bool) -> RenderedLetter:
    """The PDF of a letter; ``electronic`` prints the L212-3 mention and leaves the signature
    box empty for the stamp, otherwise a hand-signature box and the unsigned mention."""
    register_fonts()
    styles = paragraph_styles()
    story: list[Flowable] = [Paragraph(f"Objet : {escape(letter.subject)}", styles["subject"])]
    for part in letter.body.split("\n\n"):
        if part.strip():
            story.append(paragraph(part.strip(), styles["body"]))
    if letter.motivation:
        story += [
            Paragraph(escape(letter.motivation_title), styles["heading"]),
            paragraph(letter.motivation, styles["body"]),
        ]
    if letter.schedule:
        story += [
            Paragraph("Calendrier des versements", styles["heading"]),
            *_schedule_table(letter, styles),
            Spacer(1, 4),
        ]
    if letter.facts:
        story += [_facts_table(letter, styles), Spacer(1, 6)]
    if letter.legal_basis and letter.delegation_line:
        story.append(paragraph(f"Fondement : {letter.legal_basis}", styles["small"]))
    if letter.is_correspondence:
        story.append(
            paragraph(
                "Je vous prie d'agréer l'expression de mes salutations distinguées.", styles["body"]
            )
        )
    place = SignaturePlace()
    # Left: the signature mention; right: who signs, and the box for the visible stamp.
    right: list[Flowable] = []
    if letter.delegation_line:
        right.append(paragraph(letter.delegation_line, styles["signer"]))
    if letter.signer_capacity:
        right.append(paragraph(letter.signer_capacity, styles["signer"]))
    right.append(Paragraph(f"<b>{escape(letter.signer_name)}</b>", styles["signer"]))
    right.append(SignatureBox(place, electronic))
    mention = (
        ELECTRONIC_MENTION.format(
            name=letter.signer_name, capacity=letter.signer_capacity or "signataire"
        )
        if electronic
        else (HAND_MENTION if letter.is_correspondence else NOTES_HAND_MENTION)
    )
    story += [Spacer(1, 4), signature_block(mention, right, styles)]
    if letter.appeal_routes:
        box = Table(
            [
                [Paragraph("Voies et délais de recours", styles["cell_bold"])],
                [paragraph(letter.appeal_routes, styles["small"])],
            ],
            colWidths=[174 * mm],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa0a6")),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f6f8fa")),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        story += [Spacer(1, 5), KeepTogether([box])]
    buffer = io.BytesIO()
    doc = _Doc(buffer, letter)
    doc.build(story)
    return RenderedLetter(buffer.getvalue(), place, doc.page)
