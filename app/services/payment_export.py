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
from app.services.payments import BatchInfo, Rejection, Transfer, load_batch, require_finance
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

# Each column the finance software may take: key -> (default title, value of a transfer).
COLUMNS: dict[str, tuple[str, Callable[[Transfer], str]]] = {
    "reference": ("Référence", lambda t: t.reference),
    "payee": ("Bénéficiaire du virement", lambda t: t.payee_name),
    "iban": ("IBAN", lambda t: t.payee_iban),
    "bic": ("BIC", lambda t: t.payee_bic),
    "amount": ("Montant", lambda t: _amount(t.amount_cents)),
    "remittance": ("Libellé", lambda t: t.remittance),
    "component": ("Composante", lambda t: t.component.label),
    "beneficiary": ("Allocataire", lambda t: t.beneficiary),
    "case": ("Dossier", lambda t: t.case_reference),
    "decision": ("Décision", lambda t: t.decision_number),
    "month": ("Échéance", lambda t: format_date(t.due_month)),
}
REQUIRED_COLUMNS = ("payee", "iban", "amount")
HEADER = [title for title, _ in COLUMNS.values()]


def parse_columns(text: str) -> list[tuple[str, str]]:
    """The département's columns (Paramètres): one a line, « clé » or « clé = Titre », in
    the file's order; empty: every column with its usual title. ValueError in French."""
    chosen: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, _, title = (part.strip() for part in line.partition("="))
        if key not in COLUMNS:
            raise ValueError(
                f"Colonnes du fichier de paiement, ligne {number} : « {key} » est inconnue "
                f"(possibles : {', '.join(COLUMNS)})."
            )
        if key in (k for k, _ in chosen):
            raise ValueError(f"Colonnes du fichier de paiement : « {key} » figure deux fois.")
        chosen.append((key, title or COLUMNS[key][0]))
    if not chosen:
        return [(key, title) for key, (title, _) in COLUMNS.items()]
    missing = [k for k in REQUIRED_COLUMNS if k not in (c for c, _ in chosen)]
    if missing:
        raise ValueError(
            f"Colonnes du fichier de paiement : il faut au moins {', '.join(REQUIRED_COLUMNS)} "
            f"(manque : {', '.join(missing)})."
        )
    return chosen


def _amount(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def batch_csv(info: BatchInfo, columns: list[tuple[str, str]] | None = None) -> bytes:
    columns = columns or parse_columns("")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in columns])
    for t in info.transfers:
        writer.writerow([COLUMNS[key][1](t) for key, _ in columns])
    total = sum(t.amount_cents for t in info.transfers)
    control = [""] * len(columns)
    control[0] = f"TOTAL {info.number}"
    if len(columns) > 1:
        control[1] = f"{len(info.transfers)} virements"
    control[[k for k, _ in columns].index("amount")] = _amount(total)
    writer.writerow(control)
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
    columns = parse_columns(load_settings(db).payment_csv_columns)
    data, targets = send_file(archive_path(db, info.number), out, lambda: batch_csv(info, columns))
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
