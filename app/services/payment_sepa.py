"""A payment batch as a SEPA credit transfer file (``pain.001.001.03``), for a régie or a
delegated body paying from its own account; built and checked against the schema by the
``sepaxml`` library. One transfer per payee and month; the département's account from the
settings (Paramètres › Paiements). The first export is archived beside the base and every
later export copies it, so the file the bank received is the one shown again."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from pathlib import Path

from app.services import audit, clock
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.payment_export import send_file
from app.services.payments import load_batch, require_finance
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_month
from app.services.validation import compact

log = logging.getLogger(__name__)


def archive_path(db: Database, number: str) -> Path | None:
    root = db.documents_dir
    return root / "paiements" / f"{number}.xml" if root else None


def batch_sepa(db: Database, number: str, execution: date) -> bytes:
    from sepaxml import SepaTransfer

    settings = load_settings(db)
    if not (settings.debtor_iban and settings.debtor_bic):
        raise UserFacingError(
            "Le fichier SEPA demande le compte payeur du département : renseignez son IBAN et "
            "son BIC dans Paramètres (Département et courriers)."
        )
    info = load_batch(db, number)
    config = {
        "name": settings.debtor_name or settings.department_name,
        "IBAN": compact(settings.debtor_iban),
        "BIC": settings.debtor_bic.strip().upper(),
        "batch": True,
        "currency": "EUR",
    }
    sepa = SepaTransfer(config, clean=True)
    grouped: dict[tuple[str, str, date], list] = defaultdict(list)
    for t in info.transfers:
        grouped[(t.payee_name, t.payee_iban, t.due_month)].append(t)
    for (name, iban, month), transfers in grouped.items():
        first = transfers[0]
        payment = {
            "name": name,
            "IBAN": iban,
            "amount": sum(t.amount_cents for t in transfers),
            "execution_date": execution,
            "description": (
                f"Pack sortie RSA {first.decision_number} {first.case_reference} "
                f"{format_month(month)}"
            )[:140],
            "endtoend_id": first.reference,
        }
        if first.payee_bic:
            payment["BIC"] = first.payee_bic
        sepa.add_payment(payment)
    try:
        return sepa.export(validate=True)
    except Exception as exc:  # sepaxml raises plain exceptions for invalid content
        log.error("SEPA file of %s refused by the schema: %s", number, exc)
        raise UserFacingError(
            f"Le fichier SEPA du lot {number} n'a pas pu être produit (contenu refusé par le "
            "schéma pain.001.001.03) : vérifiez les noms et IBAN des bénéficiaires du lot.",
            detail=str(exc),
        ) from exc


def export_sepa(db: Database, actor: Actor, number: str, out: Path | None = None) -> Path:
    """The batch's SEPA file, to ``out`` and to the archive; returns where it went."""
    require_finance(actor, "exporter un lot de paiement")
    number = number.strip()
    _data, targets = send_file(
        archive_path(db, number), out, lambda: batch_sepa(db, number, clock.today())
    )
    with db.write() as s:
        audit.record(
            s,
            actor,
            "payment_export",
            "payment_batch",
            number,
            summary=f"Lot {number} : fichier SEPA " + ", ".join(map(str, targets)),
        )
    log.info("SEPA file of batch %s written to %s", number, ", ".join(map(str, targets)))
    return targets[-1]
