"""Right of access (RGPD art. 15, domain.md §5): everything held on one person, as a
readable PDF (the letters' letterhead and styles, app.services.letter_pdf) and the same
content as JSON beside it.

What it holds: identity (NIR and IBAN included: the person is entitled to them), household,
cases with their aids, decisions and their motivation, instalments and meetings, the
archived letters (a list), and who accessed the file (the access log). The person is
designated by an allocataire number, a case reference (DOS-…), a decision number (PSR-…)
or the person's id (:func:`find_person`). The export itself is logged.
"""

from __future__ import annotations

import io
import json
import logging
import os
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.models import Beneficiary, Case, Decision, Document, User
from app.models.enums import (
    CaseState,
    Civility,
    Component,
    DecisionKind,
    DocumentKind,
    InstalmentStatus,
    MeetingKind,
    MeetingMode,
    Orientation,
    Relation,
    SupportContract,
)
from app.services import access_log, clock
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.letter_pdf import (
    Letterhead,
    paragraph,
    paragraph_styles,
    register_fonts,
)
from app.services.report_pdf import TEXT_W, ReportDocument, letterhead_of, report_table
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_cents, format_date, format_month
from app.services.visibility import require_read

log = logging.getLogger(__name__)

INTRO = (
    "En application de l'article 15 du règlement général sur la protection des données "
    "(RGPD), voici l'ensemble des informations que le service détient sur vous dans "
    "l'application du Pack sortie RSA : votre identité, votre foyer, vos dossiers avec les "
    "décisions et leur motivation, les échéances, les entretiens, la liste des courriers "
    "archivés et les accès à votre dossier. Le même contenu est fourni dans un fichier JSON."
)


class PersonNotFound(UserFacingError):
    pass


def find_person(db: Database, reference: str) -> uuid.UUID:
    """The person a reference designates: a case reference (DOS-…), a decision number
    (PSR-…), the person's id or an allocataire number (spaces ignored)."""
    ref = reference.strip()
    if not ref:
        raise PersonNotFound("Indiquez la personne : n° allocataire, référence de dossier ou id.")
    with db.read() as s:
        try:
            person = s.get(Beneficiary, uuid.UUID(ref))
            if person is not None:
                return person.id
        except ValueError:
            pass
        upper = ref.upper()
        found = s.scalar(select(Case.beneficiary_id).where(Case.reference == upper))
        if found is None:
            found = s.scalar(
                select(Case.beneficiary_id)
                .join(Decision, Decision.case_id == Case.id)
                .where(Decision.number == upper)
            )
        if found is not None:
            return found
        number = ref.replace(" ", "")
        people = s.scalars(
            select(Beneficiary.id).where(Beneficiary.allocataire_number == number)
        ).all()
    if len(people) == 1:
        return people[0]
    if len(people) > 1:
        raise PersonNotFound(
            f"Le n° allocataire « {ref} » est celui de plusieurs personnes (CAF et MSA) : "
            "désignez-la par la référence d'un de ses dossiers."
        )
    raise PersonNotFound(
        f"Aucune personne ne correspond à « {ref} » dans cette base (n° allocataire, "
        "référence de dossier DOS-…, n° de décision PSR-… ou identifiant)."
    )


def _label(enum: Any, value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_record(db: Database, actor: Actor, person_id: uuid.UUID) -> dict[str, Any]:
    """Everything held on the person, JSON-ready (codes with their French labels)."""
    with db.read() as s:
        b = s.get(Beneficiary, person_id)
        if b is None:
            raise PersonNotFound("Cette personne n'existe plus dans la base.")
        require_read(actor, b)
        names = {u.id: u.full_name for u in s.scalars(select(User))}
        cases = s.scalars(
            select(Case)
            .where(Case.beneficiary_id == person_id)
            .order_by(Case.request_date)
            .options(
                selectinload(Case.aid_lines),
                selectinload(Case.instalments),
                selectinload(Case.decisions),
                selectinload(Case.meetings),
            )
        ).all()
        case_ids = [c.id for c in cases]
        docs = (
            s.scalars(
                select(Document).where(Document.case_id.in_(case_ids)).order_by(Document.created_at)
            ).all()
            if case_ids
            else []
        )
        accesses = access_log.entries_of_person(s, person_id)
        reference_of = {c.id: c.reference for c in cases}
        return {
            "produced_on": clock.today().isoformat(),
            "identity": {
                "id": str(b.id),
                "civility": _label(Civility, b.civility),
                "last_name": b.last_name,
                "birth_name": b.birth_name,
                "first_name": b.first_name,
                "birth_date": _iso(b.birth_date),
                "address": [
                    x
                    for x in (b.address_line1, b.address_line2, f"{b.postcode} {b.commune}".strip())
                    if x
                ],
                "phone": b.phone,
                "email": b.email,
                "paying_body": b.paying_body,
                "allocataire_number": b.allocataire_number or "",
                "nir": b.nir or "",
                "iban": b.iban,
                "bic": b.bic,
                "rsa_open_since": _iso(b.rsa_open_since),
                "rsa_closed_on": _iso(b.rsa_closed_on),
                "orientation": _label(Orientation, b.orientation),
                "orientation_date": _iso(b.orientation_date),
                "global_support": b.global_support,
                "support_contract": _label(SupportContract, b.support_contract),
                "referent": names.get(b.referent_id, "") if b.referent_id else "",
                "office": b.office.name if b.office else "",
                "notes": b.notes,
                "anonymised_at": _iso(b.anonymised_at),
            },
            "household": [
                {
                    "relation": _label(Relation, m.relation),
                    "first_name": m.first_name,
                    "last_name": m.last_name,
                    "birth_date": _iso(m.birth_date),
                }
                for m in b.household
            ],
            "cases": [_case_record(c, names) for c in cases],
            "documents": [
                {
                    "case": reference_of.get(d.case_id, "") if d.case_id else "",
                    "kind": _label(DocumentKind, d.kind),
                    "reference": d.reference,
                    "created_at": _iso(d.created_at),
                    "signed_by": d.signed_by,
                    "superseded": d.superseded,
                }
                for d in docs
            ],
            "accesses": [
                {
                    "at": _iso(e.local_at),
                    "user": e.who,
                    "workstation": e.workstation,
                    "action": e.action_label,
                    "case": e.case_reference,
                    "details": e.details_text,
                }
                for e in accesses
            ],
        }


def _case_record(c: Case, names: dict[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "reference": c.reference,
        "state": _label(CaseState, c.state),
        "request_date": _iso(c.request_date),
        "employer": c.employer_name,
        "job_title": c.job_title,
        "job_start": _iso(c.job_start),
        "contract_end": _iso(c.contract_end),
        "end_date": _iso(c.end_date),
        "referent": names.get(c.referent_id, "") if c.referent_id else "",
        "notes": c.notes,
        "aids": [
            {
                "component": _label(Component, a.component),
                "monthly_cents": a.monthly_cents,
                "months": a.months,
            }
            for a in c.aid_lines
        ],
        "decisions": [
            {
                "number": d.number,
                "kind": _label(DecisionKind, d.kind),
                "decided_on": _iso(d.decided_on),
                "motivation": d.motivation,
                "statement": d.override_motivation,
                "signer": d.signer_name,
            }
            for d in c.decisions
        ],
        "instalments": [
            {
                "component": _label(Component, i.component),
                "month": _iso(i.due_month),
                "amount_cents": i.amount_cents,
                "status": _label(InstalmentStatus, i.status),
                "payee": i.payee_name,
                "paid_on": _iso(i.paid_on),
            }
            for i in sorted(c.instalments, key=lambda i: (i.due_month, i.component))
        ],
        "meetings": [
            {
                "held_on": _iso(m.held_on),
                "kind": _label(MeetingKind, m.kind),
                "mode": _label(MeetingMode, m.mode),
                "participants": m.participants,
                "job_situation": m.job_situation,
                "notes": m.notes,
                "next_steps": m.next_steps,
            }
            for m in c.meetings
        ],
    }


# --- the PDF ----------------------------------------------------------------------------------
def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value[:10])) if value else "—"


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float], styles: dict) -> Table:
    cells = [
        [paragraph(str(v), styles["cell_bold" if n == 0 else "cell"]) for v in row]
        for n, row in enumerate(rows)
    ]
    return report_table(cells, widths)


def _facts(pairs: Sequence[tuple[str, str]], styles: dict) -> Table:
    rows = [
        [paragraph(k, styles["cell_bold"]), paragraph(v or "—", styles["cell"])] for k, v in pairs
    ]
    table = Table(rows, colWidths=[48 * mm, TEXT_W - 48 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _full_name(member: dict[str, Any]) -> str:
    return f"{member['first_name']} {member['last_name']}".strip()


def render_pdf(record: dict[str, Any], head: Letterhead) -> bytes:
    register_fonts()
    styles = paragraph_styles()
    who = record["identity"]
    name = f"{who['last_name'].upper()} {who['first_name']}".strip()
    story: list[Any] = [
        paragraph(f"Droit d'accès aux données personnelles — {name}", styles["subject"]),
        paragraph(INTRO, styles["body"]),
        paragraph("Identité", styles["heading"]),
        _facts(
            [
                ("Civilité", who["civility"]),
                ("Nom, nom de naissance", f"{who['last_name']} {who['birth_name']}".strip()),
                ("Prénom", who["first_name"]),
                ("Date de naissance", _day(who["birth_date"])),
                ("Adresse", "\n".join(who["address"])),
                ("Téléphone", who["phone"]),
                ("Courriel", who["email"]),
                ("N° allocataire", f"{who['paying_body']} {who['allocataire_number']}".strip()),
                ("NIR", who["nir"]),
                ("IBAN", who["iban"]),
                ("RSA ouvert depuis", _day(who["rsa_open_since"])),
                ("Orientation", who["orientation"]),
                ("Contrat", who["support_contract"]),
                ("Référent, bureau", ", ".join(x for x in (who["referent"], who["office"]) if x)),
                ("Notes", who["notes"]),
            ],
            styles,
        ),
        paragraph("Foyer", styles["heading"]),
    ]
    if record["household"]:
        story.append(
            _table(
                [["Lien", "Prénom et nom", "Né(e) le"]]
                + [
                    [
                        m["relation"],
                        f"{m['first_name']} {m['last_name']}".strip(),
                        _day(m["birth_date"]),
                    ]
                    for m in record["household"]
                ],
                [40 * mm, 90 * mm, TEXT_W - 130 * mm],
                styles,
            )
        )
    else:
        story.append(paragraph("Aucun membre du foyer enregistré.", styles["body"]))
    story.append(paragraph("Dossiers", styles["heading"]))
    if not record["cases"]:
        story.append(paragraph("Aucun dossier.", styles["body"]))
    for case in record["cases"]:
        story += _case_story(case, styles)
    story.append(paragraph("Courriers archivés", styles["heading"]))
    if record["documents"]:
        story.append(
            _table(
                [["Date", "Dossier", "Courrier", "Référence", "Signé par"]]
                + [
                    [
                        _day(d["created_at"]),
                        d["case"],
                        d["kind"] + (" (remplacé)" if d["superseded"] else ""),
                        d["reference"],
                        d["signed_by"] or "—",
                    ]
                    for d in record["documents"]
                ],
                [22 * mm, 32 * mm, 55 * mm, 35 * mm, TEXT_W - 144 * mm],
                styles,
            )
        )
    else:
        story.append(paragraph("Aucun courrier archivé.", styles["body"]))
    story.append(paragraph("Accès à votre dossier", styles["heading"]))
    story.append(
        _table(
            [["Date", "Qui", "Poste", "Action", "Dossier"]]
            + [
                [
                    f"{_day(a['at'])} {a['at'][11:16]}",
                    a["user"],
                    a["workstation"],
                    a["action"],
                    a["case"] or "—",
                ]
                for a in record["accesses"]
            ],
            [32 * mm, 50 * mm, 24 * mm, 40 * mm, TEXT_W - 146 * mm],
            styles,
        )
    )
    buffer = io.BytesIO()
    ReportDocument(
        buffer, head, title=f"Droit d'accès — {name}", footer="droit d'accès (RGPD)"
    ).build(story)
    return buffer.getvalue()


def _case_story(case: dict[str, Any], styles: dict) -> list[Any]:
    story: list[Any] = [
        Spacer(1, 4),
        Paragraph(f"<b>Dossier {case['reference']}</b> — {case['state']}", styles["body"]),
        _facts(
            [
                ("Demande du", _day(case["request_date"])),
                ("Emploi", ", ".join(x for x in (case["job_title"], case["employer"]) if x)),
                ("Début de l'emploi", _day(case["job_start"])),
                ("Fin du dossier", _day(case["end_date"])),
                ("Référent", case["referent"]),
                (
                    "Aides",
                    "\n".join(
                        f"{a['component']} : {format_cents(a['monthly_cents'])} × "
                        f"{a['months']} mois"
                        for a in case["aids"]
                    ),
                ),
                ("Notes", case["notes"]),
            ],
            styles,
        ),
    ]
    for d in case["decisions"]:
        text = f"Décision {d['number']} du {_day(d['decided_on'])} ({d['kind']}). Motivation : "
        text += d["motivation"] or "—"
        if d["statement"]:
            text += f"\nAttestation du valideur : {d['statement']}"
        story.append(paragraph(text, styles["body"]))
    if case["instalments"]:
        story.append(
            _table(
                [["Mois", "Aide", "Montant", "Statut", "Versée à"]]
                + [
                    [
                        format_month(date.fromisoformat(i["month"])),
                        i["component"],
                        format_cents(i["amount_cents"]),
                        i["status"],
                        i["payee"],
                    ]
                    for i in case["instalments"]
                ],
                [28 * mm, 45 * mm, 27 * mm, 28 * mm, TEXT_W - 128 * mm],
                styles,
            )
        )
    for m in case["meetings"]:
        parts = [
            f"{m['kind']} du {_day(m['held_on'])} ({m['mode']})",
            f"Participants : {m['participants']}" if m["participants"] else "",
            f"Situation : {m['job_situation']}" if m["job_situation"] else "",
            f"Compte rendu : {m['notes']}" if m["notes"] else "",
            f"Suites : {m['next_steps']}" if m["next_steps"] else "",
        ]
        story.append(paragraph("\n".join(p for p in parts if p), styles["body"]))
    return story


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partiel")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserFacingError(
            f"Impossible d'écrire « {path} » (dossier inexistant, droits, disque plein ?).",
            detail=str(exc),
        ) from exc


def export_person(db: Database, actor: Actor, person_id: uuid.UUID, out: Path) -> tuple[Path, Path]:
    """Write the PDF at ``out`` and the JSON beside it (same name, ``.json``); logged."""
    record = person_record(db, actor, person_id)
    pdf = render_pdf(record, letterhead_of(load_settings(db), clock.today()))
    out = out if out.suffix.lower() == ".pdf" else out.with_name(out.name + ".pdf")
    json_path = out.with_suffix(".json")
    _write(json_path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
    _write(out, pdf)
    access_log.record_alone(
        db,
        actor,
        "access_export",
        beneficiary_id=person_id,
        details={"entity": "beneficiary", "file": out.name},
    )
    log.info("Right of access of %s exported to %s by %s", person_id, out, actor.login)
    return out, json_path
