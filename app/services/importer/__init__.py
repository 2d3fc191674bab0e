"""Beneficiary import from CSV extracts (CAF, MSA or the département's own software).

What the file may look like: UTF-8 (with or without BOM) or Windows-1252 (also UTF-16 with
BOM, as Excel's "texte Unicode" writes it), ``;`` ``,`` or tab separated, quoted fields with
doubled quotes and line breaks, dates ``jj/mm/aaaa``, column names written any usual way
("N° allocataire", "Né(e) le", "CP"...). Unknown columns are ignored and listed.

What happens: every data line is either created, updated, unchanged, rejected (with its
physical line number and the French reasons) or an identity conflict; blank lines are
counted apart. A file that cannot be read at all raises :class:`ImportFileError` before
anything is written. The lines are planned in short reads and, while the next ones are
planned, written all or nothing in short transactions (:mod:`app.services.importer.writing`), so
that other stations keep saving during an import; one audit event per person and one for the
file; a dry run writes nothing. Matching: a known (paying body, allocataire number) updates
that person, unless the line's first name, birth date or last name say it is someone else:
that line is an :class:`IdentityConflict`, written only if the user confirms it
(:func:`apply_identity_choices`). Without a number, an existing person with the same folded
last name, first name and birth date is updated; otherwise a new person is created.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from app.models import Beneficiary
from app.services import audit, clock
from app.services.actor import Actor
from app.services.beneficiaries import refresh_search_columns, stored_value
from app.services.importer import writing
from app.services.importer.columns import FIELD_LABELS, field_for_header
from app.services.importer.planning import CHUNK, Planner
from app.services.importer.reading import (
    Record,
    decode,
    find_header,
    read_bytes,
    read_records,
    refuse,
)
from app.services.importer.report import (
    IdentityConflict,
    ImportCancelled,
    ImportFileError,
    ImportReport,
    RejectedLine,
    line_list,
)
from app.services.importer.rows import Parsed
from app.services.storage import Database
from app.services.text import fold

__all__ = [
    "CHUNK",
    "FIELD_LABELS",
    "IdentityConflict",
    "ImportCancelled",
    "ImportFileError",
    "ImportReport",
    "RejectedLine",
    "apply_identity_choices",
    "field_for_header",
    "import_file",
    "line_list",
]

log = logging.getLogger(__name__)


def apply_identity_choices(
    db: Database, actor: Actor, file_name: str, chosen: list[IdentityConflict]
) -> tuple[list[int], list[int]]:
    """Apply the lines the user confirmed despite the identity (one transaction); returns
    the lines applied and those whose person changed meanwhile on another station."""
    applied: list[int] = []
    overtaken: list[int] = []
    with db.write() as s:
        for c in chosen:
            b = s.get(Beneficiary, c.beneficiary_id)
            if b is None or b.version_id != c.version_id:
                overtaken.append(c.line_number)
                continue
            before = audit.snapshot(b)
            for name in c.present:
                setattr(b, name, stored_value(name, getattr(c.data, name)))
            refresh_search_columns(b)
            b.updated_by = actor.login
            s.flush()
            old, new = audit.changes(before, audit.snapshot(b))
            audit.record(
                s,
                actor,
                "update",
                "beneficiary",
                b.id,
                summary=(
                    f"{b.display_name} — import « {file_name} », ligne {c.line_number} : "
                    "identité différente confirmée"
                ),
                before=old,
                after=new,
            )
            applied.append(c.line_number)
    log.info("Identity conflicts of %s: %s applied, %s overtaken", file_name, applied, overtaken)
    return applied, overtaken


def _parse(path: Path, dry_run: bool) -> Parsed:
    name = path.name or str(path)
    raw = read_bytes(path)
    if not raw.strip(b" \t\r\n\x1a"):
        raise refuse(f"Le fichier « {name} » est vide.")
    text, encoding, notes = decode(raw, name)
    lines = io.StringIO(text, newline="").readlines()
    if not any(line.strip() for line in lines):
        raise refuse(f"Le fichier « {name} » est vide.")
    layout = find_header(lines, name)
    columns = layout.columns
    records = read_records(lines, layout, name)
    report = ImportReport(
        file_name=name,
        encoding=encoding,
        delimiter=layout.delimiter,
        dry_run=dry_run,
        header_line=layout.header_index + 1,
        notes=notes,
        recognised_columns=[
            (columns.header[i], FIELD_LABELS[f]) for i, f in columns.fields.items()
        ],
        ignored_columns=[columns.header[i] for i in columns.ignored],
        lines_before_header=[
            i + 1 for i, line in enumerate(lines[: layout.header_index]) if line.strip()
        ],
    )
    folded_header = [fold(h) for h in columns.header]
    today = clock.today()
    unnamed = {i for i, h in enumerate(columns.header) if not h}
    unnamed_with_data: set[int] = set()
    kept: list[Record] = []
    for record in records:
        cells = [c.strip() for c in record.cells]
        if not any(cells):
            report.blank_lines.append(record.first_line)
            continue
        if fold(cells[0]) == folded_header[0] and [fold(c) for c in cells] == folded_header:
            report.repeated_headers.append(record.first_line)
            continue
        unnamed_with_data.update(i for i in unnamed if i < len(cells) and cells[i])
        kept.append(record)
    report.ignored_columns += [
        f"colonne n° {i + 1} (sans titre)" for i in sorted(unnamed_with_data)
    ]
    report.lines_read = len(kept)
    return Parsed(report, kept, columns, layout.delimiter, today)


CANCELLED = "Import annulé : aucune donnée du fichier n'a été enregistrée."


def _finish(s: Session, actor: Actor, report: ImportReport, writes: writing.Plan) -> None:
    """In the import's last transaction: count the lines another station overtook as
    rejected, then the file's own audit event."""
    created = {c.line for c in writes.creations}
    for line, reason in writes.lost:
        if line in created:
            report.created -= 1
        else:
            report.updated -= 1
        report.rejected.append(RejectedLine(line, reason))
    report.rejected.sort(key=lambda r: r.line_number)
    audit.record(
        s,
        actor,
        "import",
        "beneficiary_import",
        summary=(
            f"Import de « {report.file_name} » : {report.lines_read} lignes, "
            f"{report.created} créés, {report.updated} mis à jour, "
            f"{report.unchanged} inchangés, {len(report.rejected)} rejetés"
        ),
        after={
            "file": report.file_name,
            "encoding": report.encoding,
            "lines": report.lines_read,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        },
    )


def import_file(
    db: Database,
    actor: Actor,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import beneficiaries from a CSV file; see the module docstring.

    Raises ImportFileError (file unusable, nothing written), ImportCancelled (rolled back),
    or the storage errors of ``db.write()`` (database locked, read-only...).
    """
    path = Path(path)
    try:
        parsed = _parse(path, dry_run)
    except ImportFileError as exc:
        log.warning("Import of %s refused: %s %s", path, exc, exc.detail)
        raise
    report = parsed.report
    total = report.lines_read

    def check_cancel() -> None:
        if cancelled is not None and cancelled():
            raise ImportCancelled(CANCELLED)

    try:
        if not dry_run:
            writing.undo_abandoned(db)  # an import a crash cut off, on any station
        # Planned in short reads, without holding the base, while the chunks planned are
        # being written (each chunk checks again that its people did not change meanwhile).
        importer = Planner(db, actor, report, report.file_name)
        work = importer.planned(parsed, progress, check_cancel)
        if dry_run:
            for _ in work:
                pass
        else:
            writing.apply(
                db,
                actor,
                importer.writes,
                work=work,
                finish=lambda s, writes: _finish(s, actor, report, writes),
                cancelled=cancelled,
                cancel_error=lambda: ImportCancelled(CANCELLED),
            )
    except ImportCancelled:
        log.info("Import of %s cancelled by the user: rolled back", path)
        raise
    if total == 0 and progress is not None:
        progress(0, 0)
    log.info(
        "Import of %s%s (%s, delimiter %r): %d lines, %d created, %d updated, "
        "%d unchanged, %d rejected, %d blank",
        path,
        " (dry run)" if dry_run else "",
        report.encoding,
        report.delimiter,
        report.lines_read,
        report.created,
        report.updated,
        report.unchanged,
        len(report.rejected),
        len(report.blank_lines),
    )
    return report
