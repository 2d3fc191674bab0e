"""Produce the annual report from the « Tableau de bord »: ask how it is signed, produce
and archive it in a worker (:mod:`app.services.annual_report`), then show it in the PDF
preview, from which it is printed."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.services.actor import Actor
from app.services.storage import Database
from app.ui import dialogs, status
from app.ui.pdf_preview import PdfPreview
from app.ui.signer_setup import HAND, SignerSession, signer_session_of
from app.ui.workers import run_with_progress

log = logging.getLogger(__name__)

SIGNATURE_CHOICES = ["Signer électroniquement", "Imprimer pour signature manuscrite"]


def produce_annual_report(
    parent: QWidget, db: Database, actor: Actor, year: int
) -> PdfPreview | None:
    """The archived report of ``year`` shown in a preview, or None (cancelled, refused)."""
    from app.services.annual_report import produce_annual_report as produce

    if db.read_only:
        dialogs.show_warning(
            parent, "La base est ouverte en lecture seule : le bilan ne peut pas être archivé."
        )
        return None
    session = signer_session_of(parent) or SignerSession()
    choice = dialogs.ask_choice(
        parent,
        f"Bilan annuel {year} : il sera archivé avec les courriers.\n\nComment sera-t-il signé ?",
        SIGNATURE_CHOICES,
        title="Bilan annuel",
        default=0 if session.configured_path else 1,
    )
    if choice is None or choice < 0:
        return None
    signer = None
    if choice == 0:
        resolved = session.resolve(parent, db, actor, capacity=actor.capacity)
        if resolved is None:
            return None
        signer = None if resolved == HAND else resolved

    ok, produced = status.attempt(
        parent,
        lambda: run_with_progress(
            parent,
            f"Production du bilan annuel {year}…",
            lambda _progress, _cancelled: produce(db, actor, year, signer=signer),
            cancellable=False,
        ),
    )
    if not ok or produced is None:
        return None
    log.info("Annual report %s produced: %s", year, produced.path)
    preview = PdfPreview(parent.window())
    preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if not preview.open_file(produced.path):
        preview.deleteLater()
        return None
    signed = (
        f"signé électroniquement par {produced.signed_by} ({produced.level})"
        if produced.signed_by
        else "à imprimer et à signer à la main"
    )
    preview.setWindowTitle(f"Bilan annuel {year}, version {produced.version} — {signed}")
    preview.show()
    preview.raise_()
    return preview
