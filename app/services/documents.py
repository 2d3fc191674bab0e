"""Produce, sign and archive documents; list what is to be produced today.

Every produced PDF is archived beside the database (``<name>-documents/<year>/<case>/``),
recorded with its SHA-256, signer and case, and never overwritten: producing it again
writes a new version that supersedes the previous one. The file is written first (created
exclusively) and removed again if the database refuses the record, so there is never a
record without its file nor a stray file without its record.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.models import Case, Decision, Document
from app.models.enums import DocumentKind
from app.services import audit, clock
from app.services.actor import Actor
from app.services.cases import require_user
from app.services.errors import NotAllowed, UserFacingError
from app.services.letter_content import DECISION_OF_KIND, OPEN_STATES, Letter, build_letter
from app.services.letter_pdf import render_letter
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

KIND_OF_DECISION = {v.value: k for k, v in DECISION_OF_KIND.items()}


@dataclass(frozen=True)
class ProducedDocument:
    id: uuid.UUID
    path: Path
    sha256: str
    kind: DocumentKind
    version: int
    signed_by: str
    level: str  # "PAdES B-B", "PAdES B-T", or "" when not signed


class ArchiveUnavailable(UserFacingError):
    retryable = True


def documents_root(db: Database) -> Path:
    root = db.documents_dir
    if root is None:
        raise ArchiveUnavailable(
            "Aucun dossier d'archives n'est défini pour la base du serveur : un administrateur "
            "le choisit dans Paramètres (« Dossier des documents », un dossier partagé du "
            "Département)."
        )
    return root


def letter_for(
    db: Database, case_id: uuid.UUID, kind: DocumentKind, meeting_id: uuid.UUID | None = None
) -> Letter:
    """What the letter says, with the département's settings."""
    settings = load_settings(db)
    with db.read() as s:
        return build_letter(s, settings, case_id, kind, meeting_id=meeting_id)


def render(
    db: Database,
    case_id: uuid.UUID,
    kind: DocumentKind,
    *,
    electronic: bool,
    meeting_id: uuid.UUID | None = None,
) -> tuple[Letter, bytes, object]:
    """The letter and its unsigned PDF (for the preview, or before signing)."""
    letter = letter_for(db, case_id, kind, meeting_id)
    rendered = render_letter(letter, electronic=electronic)
    return letter, rendered.pdf, rendered.signature


def produce_document(
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    kind: DocumentKind,
    *,
    signer=None,  # app.services.signing.LoadedSigner, or None for a hand signature
    meeting_id: uuid.UUID | None = None,
) -> ProducedDocument:
    require_user(actor)
    if db.read_only:
        raise NotAllowed("La base est en lecture seule : aucun document ne peut être archivé.")
    letter = letter_for(db, case_id, kind, meeting_id)
    signed_for = ""
    if signer is not None:
        letter, signed_for = signing_identity(letter, actor, signer)
    rendered = render_letter(letter, electronic=signer is not None)
    pdf, place = rendered.pdf, rendered.signature
    signed_by, level, signed_at = "", "", None
    if signer is not None:
        from app.services.signing import sign_pdf

        signed = sign_pdf(pdf, signer, field_box=place.box, page=place.page, location=letter.city)
        pdf, signed_by, level, signed_at = (
            signed.data,
            signed.signer_name,
            signed.level,
            signed.signed_at,
        )
    digest = hashlib.sha256(pdf).hexdigest()
    root = documents_root(db)
    folder = root / str(letter.issued_on.year) / letter.case_reference
    stem = f"{kind.value}-{letter.decision_number or letter.issued_on.isoformat()}"
    path, version = write_new_version(folder, stem, pdf)
    try:
        with db.write() as s:
            decision_id = (
                s.scalar(select(Decision.id).where(Decision.number == letter.decision_number))
                if letter.decision_number
                else None
            )
            previous = s.scalars(
                select(Document).where(
                    Document.case_id == case_id,
                    Document.kind == kind.value,
                    Document.superseded.is_(False),
                    Document.decision_id == decision_id if decision_id else true(),
                    Document.meeting_id == meeting_id if meeting_id else true(),
                )
            ).all()
            sending = _record_sending(s, actor, case_id, letter) if letter.reply_by else ""
            doc = record_document(
                s,
                actor,
                previous,
                kind=kind,
                reference=letter.decision_number or letter.case_reference,
                path=path.relative_to(root).as_posix(),
                sha256=digest,
                signed_by=signed_by,
                signed_at=signed_at,
                case_id=case_id,
                decision_id=decision_id,
                meeting_id=meeting_id,
            )
            audit.record(
                s,
                actor,
                "produce",
                "document",
                doc.id,
                case_id=case_id,
                summary=f"{kind.label} {doc.reference} v{version}"
                + (
                    f", signé par {signed_by} ({level})"
                    if signed_by
                    else ", non signé électroniquement"
                )
                + (f", par délégation pour {signed_for}" if signed_for else "")
                + sending,
                after={
                    "path": doc.path,
                    "sha256": digest,
                    "signed_by": signed_by,
                    "signed_for": signed_for,
                },
            )
            doc_id = doc.id
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    log.info("Document %s written to %s (%s)", kind.value, path, level or "unsigned")
    return ProducedDocument(doc_id, path, digest, kind, version, signed_by, level)


def record_document(
    s: Session,
    actor: Actor,
    previous: Sequence[Document],
    *,
    kind: DocumentKind,
    reference: str,
    path: str,
    sha256: str,
    signed_by: str,
    signed_at: datetime | None,
    case_id: uuid.UUID | None = None,
    decision_id: uuid.UUID | None = None,
    meeting_id: uuid.UUID | None = None,
) -> Document:
    """The record of a new archived version (``path`` relative to the archive), flushed;
    the ``previous`` versions it replaces are marked superseded."""
    for old in previous:
        old.superseded, old.updated_by = True, actor.login
    doc = Document(
        case_id=case_id,
        decision_id=decision_id,
        meeting_id=meeting_id,
        kind=kind.value,
        reference=reference,
        path=path,
        sha256=sha256,
        signed_by=signed_by,
        signed_at=signed_at,
        supersedes_id=previous[-1].id if previous else None,
        created_by=actor.login,
        updated_by=actor.login,
    )
    s.add(doc)
    s.flush()
    return doc


def _record_sending(s: Session, actor: Actor, case_id: uuid.UUID, letter: Letter) -> str:
    """A notice is sent the day it is produced: the delay for observations runs from then.

    Sending it again never shortens the delay the person was given by an earlier letter."""
    case = s.get(Case, case_id)
    if case is None or case.observations_grounds.strip() != letter.motivation:
        raise NotAllowed(
            "L'invitation à présenter des observations a changé pendant la préparation du "
            "courrier : produisez-le à nouveau."
        )
    reply_by = cast(date, letter.reply_by)
    if case.observations_sent_on is not None and case.observations_deadline is not None:
        reply_by = max(reply_by, case.observations_deadline)
    case.observations_sent_on, case.observations_deadline = letter.issued_on, reply_by
    case.updated_by = actor.login
    return (
        f", envoyée le {format_date(letter.issued_on)} : observations possibles jusqu'au "
        f"{format_date(reply_by)} inclus"
    )


def same_person(a: str, b: str) -> bool:
    """Two spellings of one name: case, accents, hyphens and word order aside
    ('AUBERT Marc' is 'Marc Aubert')."""
    return bool(fold(a)) and sorted(fold(a).split()) == sorted(fold(b).split())


def signing_identity(letter: Letter, actor: Actor, signer) -> tuple[Letter, str]:
    """The letter as it must be signed with ``signer``'s certificate, and for whom.

    The person named as signer must hold the certificate (CRPA L212-1 and L212-3: one act,
    one signer). The certificate must be the logged-in user's own; the letter is signed by
    the author it names, or, in the author's place, by a validator with delegation, who is
    then the one named (with the certificate's capacity) and recorded as signing for the
    author. Anything else is refused: no letter carries two signers."""
    holder = signer.common_name
    if not same_person(holder, actor.display):
        raise NotAllowed(
            f"Le certificat de signature de ce poste est au nom de {holder}, mais la session "
            f"est celle de {actor.display} : chacun signe avec son propre certificat. "
            "Configurez votre certificat (Documents › Certificat de signature)."
        )
    if same_person(holder, letter.signer_name):
        return letter, ""
    if not actor.is_validator:
        raise NotAllowed(
            f"Ce courrier est signé par {letter.signer_name or 'son auteur'} : seul l'auteur "
            "ou un valideur ayant délégation peut le signer électroniquement. Demandez-lui de "
            "le produire, ou produisez-le sans signature électronique pour signature à la main."
        )
    capacity = signer.profile.capacity or actor.capacity or letter.signer_capacity
    return replace(letter, signer_name=actor.display, signer_capacity=capacity), (
        letter.signer_name
    )


def write_new_version(folder: Path, stem: str, data: bytes) -> tuple[Path, int]:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveUnavailable(
            f"Le dossier d'archives « {folder} » ne peut pas être créé (partage en lecture "
            "seule ou déconnecté ?).",
            detail=str(exc),
        ) from exc
    for version in range(1, 1000):
        path = folder / f"{stem}-v{version}.pdf"
        try:
            with path.open("xb") as fh:  # never overwrite an archived document
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return path, version
        except FileExistsError:
            continue
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise ArchiveUnavailable(f"Impossible d'écrire « {path} ».", detail=str(exc)) from exc
    raise ArchiveUnavailable(f"Trop de versions de « {stem} » dans {folder}.")


def archived_sha256(db: Database, file: Path) -> str | None:
    """The SHA-256 recorded for this archived file (matched by its path), if any."""
    root = db.documents_dir
    if root is None:
        return None
    try:
        relative = file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    with db.read() as s:
        return s.scalar(select(Document.sha256).where(Document.path == relative))


def find_by_sha256(db: Database, digest: str) -> Document | None:
    with db.read() as s:
        return s.scalar(select(Document).where(Document.sha256 == digest).limit(1))


@dataclass(frozen=True)
class PendingLetter:
    case_id: uuid.UUID
    reference: str
    person: str
    kind: DocumentKind
    decided_on: date


def letters_to_produce(db: Database, day: date | None = None) -> list[PendingLetter]:
    """Decisions of ``day`` that have no current document yet, and the invitations to
    present observations decided that day and not sent yet."""
    day = day or clock.today()
    pending: list[PendingLetter] = []
    with db.read() as s:
        done = {
            (d.case_id, d.decision_id, d.kind)
            for d in s.scalars(select(Document).where(Document.superseded.is_(False)))
        }
        for decision in s.scalars(select(Decision).where(Decision.decided_on == day)):
            kind = KIND_OF_DECISION[decision.kind]
            if (decision.case_id, decision.id, kind.value) in done:
                continue
            case = decision.case
            pending.append(PendingLetter(case.id, decision.number, _person(case), kind, day))
        unsent = select(Case).where(
            Case.observations_invited_on == day,
            Case.observations_sent_on.is_(None),
            Case.state.in_(OPEN_STATES),
        )
        for case in s.scalars(unsent):
            kind = DocumentKind.OBSERVATIONS_NOTICE
            pending.append(PendingLetter(case.id, case.reference, _person(case), kind, day))
    return sorted(pending, key=lambda p: (p.kind.value, p.reference))


def _person(case: Case) -> str:
    return f"{case.beneficiary.last_name.upper()} {case.beneficiary.first_name}"


@dataclass
class BatchResult:
    produced: list[ProducedDocument]
    failed: list[tuple[PendingLetter, str]]
    cancelled: bool = False


def produce_batch(
    db: Database,
    actor: Actor,
    items: list[PendingLetter],
    *,
    signer=None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BatchResult:
    """Each letter in its own transaction: a failure is reported, the others go on."""
    result = BatchResult([], [])
    for n, item in enumerate(items):
        if cancelled and cancelled():
            result.cancelled = True
            break
        try:
            result.produced.append(
                produce_document(db, actor, item.case_id, item.kind, signer=signer)
            )
        except UserFacingError as exc:
            result.failed.append((item, exc.message))
        if progress:
            progress(n + 1, len(items))
    return result
