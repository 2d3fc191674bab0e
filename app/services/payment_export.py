"""A payment batch as the finance software's file: CSV, ``;``, UTF-8 with BOM, decimal comma.

One line per transfer (payee, IBAN, BIC, amount, remittance text, component, beneficiary,
case, decision, month), then a control line with the count and the total. Written
atomically (a temporary file beside it, then a rename) to the chosen place and archived
beside the base (``<base>-documents/paiements/``); a later export copies the archived file,
so the finance office always gets again the very file it received (``file_sha256``).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import logging
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.models import PaymentBatch
from app.models.enums import BatchStatus
from app.services import audit
from app.services.actor import Actor
from app.services.errors import DatabaseUnavailable, UserFacingError
from app.services.payments import BatchInfo, Rejection, load_batch, require_finance
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

HEADER = [
    "Référence",
    "Bénéficiaire du virement",
    "IBAN",
    "BIC",
    "Montant",
    "Libellé",
    "Composante",
    "Allocataire",
    "Dossier",
    "Décision",
    "Échéance",
]


def _amount(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def batch_csv(info: BatchInfo) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for t in info.transfers:
        writer.writerow(
            [
                t.reference,
                t.payee_name,
                t.payee_iban,
                t.payee_bic,
                _amount(t.amount_cents),
                t.remittance,
                t.component.label,
                t.beneficiary,
                t.case_reference,
                t.decision_number,
                format_date(t.due_month),
            ]
        )
    total = sum(t.amount_cents for t in info.transfers)
    writer.writerow(
        [f"TOTAL {info.number}", f"{len(info.transfers)} virements", "", "", _amount(total)]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_atomically(target: Path, data: bytes) -> None:
    staged = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partiel")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(data)
        os.replace(staged, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        raise DatabaseUnavailable(
            f"Impossible d'écrire « {target} » (dossier en lecture seule, disque plein ?) : "
            "rien n'a été enregistré.",
            detail=str(exc),
        ) from exc


def send_file(
    archived: Path | None, out: Path | None, make: Callable[[], bytes]
) -> tuple[bytes, list[Path]]:
    """A batch's file, to its archive and to ``out``: made the first time; afterwards the
    archived bytes (a confirmation may since have taken rejected transfers out of the
    batch: the finance office gets again the very file it received)."""
    targets = [p for p in (archived, Path(out) if out else None) if p is not None]
    if not targets:  # a base on a server keeps no archive folder
        raise UserFacingError("Choisissez le fichier où enregistrer le lot.")
    data = archived.read_bytes() if archived is not None and archived.exists() else make()
    for target in targets:
        if target != archived or not target.exists():
            write_atomically(target, data)
    return data, targets


def archive_path(db: Database, number: str) -> Path | None:
    root = db.documents_dir
    return root / "paiements" / f"{number}.csv" if root else None


def export_batch(db: Database, actor: Actor, number: str, out: Path | None = None) -> Path:
    """Write the batch's CSV (to ``out`` and to the archive); returns where it went."""
    require_finance(actor, "exporter un lot de paiement")
    info = load_batch(db, number)
    data, targets = send_file(archive_path(db, info.number), out, lambda: batch_csv(info))
    digest = hashlib.sha256(data).hexdigest()
    with db.write() as s:
        batch = s.get(PaymentBatch, info.id)
        assert batch is not None
        first = batch.status == BatchStatus.OPEN.value
        if batch.file_sha256 and batch.file_sha256 != digest:
            log.warning("Batch %s exported again with other content", info.number)
        if first:
            batch.status = BatchStatus.EXPORTED.value
            batch.exported_at = datetime.now(UTC)
        batch.file_sha256 = digest
        batch.updated_by = actor.login
        audit.record(
            s,
            actor,
            "payment_export",
            "payment_batch",
            batch.id,
            summary=f"Lot {info.number} exporté ({len(info.transfers)} virements) : "
            + ", ".join(str(t) for t in targets),
            after={"sha256": digest},
        )
    return targets[-1]


def read_rejections(path: Path) -> list[Rejection]:
    """The transfers the bank rejected: a CSV with the columns « Référence » and « Motif »
    (``;`` or ``,``, UTF-8 or Windows-1252), as the finance office sends it back."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UserFacingError(f"Le fichier « {path} » est illisible.", detail=str(exc)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserFacingError(f"Le fichier « {Path(path).name} » est vide.")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    header = [fold(h) for h in rows[0]]
    if "reference" not in header or "motif" not in header:
        raise UserFacingError(
            f"« {Path(path).name} » n'est pas un fichier de virements rejetés : il lui faut les "
            "colonnes « Référence » et « Motif »."
        )
    ref, why = header.index("reference"), header.index("motif")
    found = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(ref, why) or not row[ref].strip():
            raise UserFacingError(
                f"« {Path(path).name} », ligne {number} : référence ou motif manquant. "
                "Rien n'a été enregistré."
            )
        found.append(Rejection(row[ref].strip(), row[why].strip() or "Rejeté par la banque"))
    return found
