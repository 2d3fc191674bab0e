"""The annual report (« bilan annuel »): the year's figures, tables and charts in a PDF.

First page: the département's letterhead, as the letters have it
(:func:`app.services.letter_pdf.draw_letterhead`); then the key figures, the four charts
of :mod:`app.services.charts` (vector graphics), the envelope and the aid per component,
the use by the professionals with the offices that made no request, the estimated saving
(always labelled « estimation ») and the signature block, whose box takes the visible
electronic signature (:func:`app.services.signing.sign_pdf`), as a letter's does.

:func:`render_annual_report` only draws; :func:`produce_annual_report` signs (optional)
and archives it beside the database like the letters (``<base>-documents/<year>/bilans/``,
a new version superseding the previous one, SHA-256 and signer recorded, audit trail).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)
from sqlalchemy import select

from app.models import Document
from app.models.enums import DocumentKind
from app.services import audit, clock, figures
from app.services.actor import Actor
from app.services.cases import require_user
from app.services.documents import (
    ProducedDocument,
    documents_root,
    record_document,
    same_person,
    write_new_version,
)
from app.services.errors import NotAllowed
from app.services.evaluation import ESTIMATION, Evaluation, Period, Scope, evaluate
from app.services.letter_pdf import (
    ELECTRONIC_MENTION,
    SignatureBox,
    SignaturePlace,
    paragraph,
    paragraph_styles,
    register_fonts,
    signature_block,
)
from app.services.report_pdf import TEXT_W, ReportDocument, letterhead_of, report_table
from app.services.settings import OfficeSettings, load_settings
from app.services.storage import Database

if TYPE_CHECKING:
    from app.services.signing import SignedPdf
from app.services.text import format_cents, format_date

log = logging.getLogger(__name__)

HAND_MENTION = "Bilan non signé électroniquement : à signer à la main."


@dataclass(frozen=True)
class ReportSigner:
    """Who signs the report: name and capacity (CRPA L212-1), as printed."""

    name: str
    capacity: str


@dataclass
class RenderedReport:
    pdf: bytes
    signature: SignaturePlace
    pages: int
    evaluation: Evaluation


def title_of(year: int) -> str:
    return f"Bilan annuel du Pack sortie RSA — année {year}"


def reference_of(year: int) -> str:
    return f"BILAN-{year}"


def _pairs(pairs: list[tuple[str, str]], styles: dict) -> Table:
    """Label and value lines, the value in bold."""
    rows = [[paragraph(a, styles["cell"]), paragraph(b, styles["cell_bold"])] for a, b in pairs]
    return report_table(rows, [100 * mm, TEXT_W - 100 * mm], header=False)


def _chart(drawing: Drawing) -> Drawing:
    """The chart scaled to the text width (the drawings are 480 pt wide)."""
    factor = min(1.0, TEXT_W / drawing.width)
    drawing.scale(factor, factor)
    drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
    return drawing


def report_story(
    ev: Evaluation, signer: ReportSigner, place: SignaturePlace, *, electronic: bool
) -> list[Flowable]:
    styles = paragraph_styles()
    body, heading, small = styles["body"], styles["heading"], styles["small"]
    cell, bold = styles["cell"], styles["cell_bold"]
    year = ev.period.start.year
    story: list[Flowable] = [
        Paragraph(escape(title_of(year)), styles["subject"]),
        paragraph(
            f"{ev.scope_label}. Chiffres arrêtés au "
            f"{format_date(figures.period_end(ev))}. {ev.people_helped.target_note}",
            body,
        ),
        Paragraph("Les chiffres clés", heading),
    ]
    lines = figures.headline(ev)
    rows = [[Paragraph("Indicateur", bold), Paragraph("Valeur", bold), Paragraph("", bold)]]
    rows += [
        [
            paragraph(line.label, cell),
            paragraph(line.value, bold),
            paragraph(line.full_comment, cell),
        ]
        for line in lines
    ]
    story.append(report_table(rows, [58 * mm, 34 * mm, TEXT_W - 92 * mm]))
    charts = figures.drawings(ev)
    story += [
        CondPageBreak(70 * mm),
        Paragraph("Graphiques", heading),
        _chart(charts["monthly"]),
        Spacer(1, 8),
        KeepTogether([_chart(charts["funnel"])]),
        Spacer(1, 8),
        KeepTogether([_chart(charts["exits"])]),
        Spacer(1, 8),
        KeepTogether([_chart(charts["envelope"])]),
    ]
    story += [Paragraph("Enveloppe et aides", heading), _pairs(figures.envelope_lines(ev), styles)]
    components = figures.component_rows(ev)
    if components:
        comp_rows = [
            [Paragraph(t, bold) for t in ("Aide", "Personnes", "Total", "Moyenne par personne")]
        ]
        comp_rows += [[paragraph(c, cell) for c in row[:4]] for row in components]
        story += [
            Spacer(1, 6),
            report_table(comp_rows, [70 * mm, 28 * mm, 38 * mm, TEXT_W - 136 * mm]),
        ]
    story += [
        Paragraph("Recours au Pack par les professionnels", heading),
        _pairs(figures.use_lines(ev), styles),
    ]
    silent = figures.offices_without_request(ev)
    if silent:
        story.append(paragraph(f"Bureaux sans aucune demande sur l'année ({len(silent)}) :", body))
        story += [paragraph(f"• {name}", small) for name in silent]
    else:
        story.append(paragraph("Chaque bureau a fait au moins une demande sur l'année.", body))
    saving = ev.saving
    story += [
        Paragraph(f"Économie estimée ({ESTIMATION})", heading),
        paragraph(
            f"Économie nette estimée : {format_cents(saving.net_cents)} ({ESTIMATION}), soit "
            f"{format_cents(saving.rsa_avoided_cents)} de RSA évité sur "
            f"{str(saving.months_in_work).replace('.', ',')} mois en emploi, moins "
            f"{format_cents(saving.aid_cents)} d'aides versées pour ces mois.",
            body,
        ),
    ]
    if saving.formula:
        story.append(paragraph(saving.formula, small))
    mention = (
        ELECTRONIC_MENTION.format(name=signer.name, capacity=signer.capacity or "signataire")
        if electronic
        else HAND_MENTION
    )
    right: list[Flowable] = []
    if signer.capacity:
        right.append(paragraph(signer.capacity, styles["signer"]))
    right += [
        Paragraph(f"<b>{escape(signer.name)}</b>", styles["signer"]),
        SignatureBox(place, electronic),
    ]
    story += [Spacer(1, 10), signature_block(mention, right, styles, TEXT_W)]
    return story


def render_annual_report(
    db: Database,
    actor: Actor,
    year: int,
    *,
    signer: ReportSigner | None = None,
    electronic: bool = False,
    scope: Scope | None = None,
    settings: OfficeSettings | None = None,
) -> RenderedReport:
    """The year's report as the actor may see it, signed by ``signer`` (default: the
    actor); ``electronic`` prints the L212-3 mention and leaves the box to the stamp."""
    settings = settings or load_settings(db)
    ev = evaluate(db, actor, Period.year(year), scope, settings=settings)
    signer = signer or ReportSigner(actor.display, actor.capacity)
    register_fonts()
    place = SignaturePlace()
    buffer = io.BytesIO()
    doc = ReportDocument(
        buffer,
        letterhead_of(settings, clock.today()),
        title=title_of(year),
        footer=f"bilan annuel {year} du Pack sortie RSA",
        subject=reference_of(year),
    )
    doc.build(report_story(ev, signer, place, electronic=electronic))
    return RenderedReport(buffer.getvalue(), place, doc.page, ev)


def sign_report(rendered: RenderedReport, signer, city: str) -> tuple[bytes, SignedPdf]:
    """``rendered`` signed with ``signer`` (a LoadedSigner) in its signature box."""
    from app.services.signing import sign_pdf

    signed = sign_pdf(
        rendered.pdf,
        signer,
        field_box=rendered.signature.box,
        page=rendered.signature.page,
        location=city,
        reason="Bilan annuel du Pack sortie RSA",
    )
    return signed.data, signed


def report_signer(actor: Actor, signer=None) -> ReportSigner:
    """Who the report names as signer: the certificate's holder, who must be the actor
    (one act, one signer, with their own certificate), or the actor for a hand signature."""
    if signer is None:
        return ReportSigner(actor.display, actor.capacity)
    if not same_person(signer.common_name, actor.display):
        raise NotAllowed(
            f"Le certificat de signature de ce poste est au nom de {signer.common_name}, mais la "
            f"session est celle de {actor.display} : chacun signe avec son propre certificat."
        )
    return ReportSigner(signer.display_name, signer.profile.capacity or actor.capacity)


def produce_annual_report(
    db: Database,
    actor: Actor,
    year: int,
    *,
    signer=None,  # app.services.signing.LoadedSigner, or None for a hand signature
) -> ProducedDocument:
    """Render, sign (when ``signer`` is given) and archive the year's report."""
    require_user(actor)
    if db.read_only:
        raise NotAllowed("La base est en lecture seule : aucun document ne peut être archivé.")
    settings = load_settings(db)
    who = report_signer(actor, signer)
    rendered = render_annual_report(
        db, actor, year, signer=who, electronic=signer is not None, settings=settings
    )
    pdf, signed_by, level, signed_at = rendered.pdf, "", "", None
    if signer is not None:
        pdf, signed = sign_report(rendered, signer, settings.signature_city)
        signed_by, level, signed_at = signed.signer_name, signed.level, signed.signed_at
    digest = hashlib.sha256(pdf).hexdigest()
    root = documents_root(db)
    kind, reference = DocumentKind.ANNUAL_REPORT, reference_of(year)
    path, version = write_new_version(root / str(year) / "bilans", f"{kind.value}-{year}", pdf)
    try:
        with db.write() as s:
            previous = s.scalars(
                select(Document).where(
                    Document.kind == kind.value,
                    Document.reference == reference,
                    Document.superseded.is_(False),
                )
            ).all()
            doc = record_document(
                s,
                actor,
                previous,
                kind=kind,
                reference=reference,
                path=path.relative_to(root).as_posix(),
                sha256=digest,
                signed_by=signed_by,
                signed_at=signed_at,
            )
            audit.record(
                s,
                actor,
                "produce",
                "document",
                doc.id,
                summary=f"{kind.label} {year} v{version}"
                + (f", signé par {signed_by} ({level})" if signed_by else ", non signé"),
                after={"path": doc.path, "sha256": digest, "signed_by": signed_by},
            )
            doc_id = doc.id
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    log.info("Annual report %s written to %s (%s)", year, path, level or "unsigned")
    return ProducedDocument(doc_id, path, digest, kind, version, signed_by, level)
