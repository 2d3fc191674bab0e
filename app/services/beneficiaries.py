"""Beneficiaries: the searchable list (filtered and sorted in SQL, fetched by pages),
the edit form's data, and validated saves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal_column, select, text
from sqlalchemy.orm import Session, aliased

from app.models import Beneficiary, HouseholdMember, Institution, Office, User
from app.models.enums import CaseState, Civility, Orientation, PayingBody, Relation, SupportContract
from app.services import audit, validation
from app.services.actor import Actor
from app.services.errors import ValidationError
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import fold, search_terms

NO_CASE = "none"  # case_state filter value: beneficiaries who never had a case


@dataclass(frozen=True)
class BeneficiaryFilter:
    text: str = ""
    orientation: str | None = None
    institution_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None
    referent_id: uuid.UUID | None = None
    case_state: str | None = None  # a CaseState value, or NO_CASE


@dataclass(frozen=True)
class BeneficiaryRow:
    id: uuid.UUID
    name: str
    birth_date: date | None
    allocataire: str
    commune: str
    orientation: str
    referent: str
    office: str
    case_state: str


SORT_KEYS = (
    "name",
    "birth_date",
    "allocataire",
    "commune",
    "orientation",
    "referent",
    "office",
    "case_state",
)


def search_columns(
    last_name: str,
    birth_name: str,
    first_name: str,
    commune: str,
    postcode: str,
    allocataire_number: str | None,
) -> dict[str, str]:
    """The folded columns of a person: search text, name and commune sort keys.

    Compound names are also indexed glued together, so "ndiaye" finds "N'Diaye" and
    "dasilva" finds "Da Silva"."""
    names = [fold(x) for x in (last_name, birth_name, first_name)]
    glued = [n.replace(" ", "") for n in names if " " in n]
    words = [*names, *glued, fold(commune), postcode or "", allocataire_number or ""]
    return {
        "search_text": " " + " ".join(w for w in words if w) + " ",
        "sort_name": fold(f"{last_name} {first_name}")[:210],
        "commune_key": fold(commune)[:120],
    }


def refresh_search_columns(b: Beneficiary) -> None:
    """Recompute the folded columns; call after any change of names, commune or number.
    An anonymised record gets an empty search text: it is never found by name again."""
    columns = search_columns(
        b.last_name,
        b.birth_name or "",
        b.first_name,
        b.commune or "",
        b.postcode or "",
        b.allocataire_number,
    )
    if b.anonymised_at is not None:
        columns["search_text"] = ""
    for name, value in columns.items():
        setattr(b, name, value)


# Above this many matches, walking the name index and keeping the matching rows finds the
# first page faster than fetching every match and sorting them (measured on 300 000 rows:
# "l" 246 ms -> 10 ms); below it, the reverse ("ndiaye" 3 ms vs 35 ms).
WIDE_MATCH = 2_000


def _fts_match(terms: list[str]) -> str:
    return " AND ".join(f'"{term}"*' for term in terms)  # fold() leaves only [a-z0-9]


def _text_condition(terms: list[str], dialect: str, wide: bool = False) -> ColumnElement[bool]:
    """Every word of the search box must start a word of the person's folded search text.

    SQLite answers from the FTS5 index (app/migrations/fts.py); other servers use LIKE.
    ``wide``: a unary ``+`` keeps SQLite from driving the query from the match list, so it
    walks the name index in order instead (see WIDE_MATCH)."""
    if dialect == "sqlite":
        rowid = "+beneficiary.rowid" if wide else "beneficiary.rowid"
        return literal_column(rowid).in_(
            text("SELECT rowid FROM beneficiary_fts WHERE beneficiary_fts MATCH :match").bindparams(
                match=_fts_match(terms)
            )
        )
    return and_(*(Beneficiary.search_text.like(f"% {term}%") for term in terms))


def _only_text(flt: BeneficiaryFilter) -> bool:
    return not (
        flt.orientation or flt.office_id or flt.institution_id or flt.referent_id or flt.case_state
    )


def _fts_count(session: Session, terms: list[str], cap: int | None = None) -> int:
    inner = "SELECT rowid FROM beneficiary_fts WHERE beneficiary_fts MATCH :match"
    if cap is not None:
        inner += f" LIMIT {int(cap)}"
    return (
        session.execute(
            text(f"SELECT count(*) FROM ({inner})"), {"match": _fts_match(terms)}
        ).scalar()
        or 0
    )


def _filtered(query: Select, flt: BeneficiaryFilter, dialect: str, wide: bool = False) -> Select:
    not_anonymised = (
        literal_column("+beneficiary.anonymised_at") if wide else Beneficiary.anonymised_at
    )
    conds = [not_anonymised.is_(None)]
    if terms := search_terms(flt.text):
        conds.append(_text_condition(terms, dialect, wide))
    if flt.orientation:
        conds.append(Beneficiary.orientation == flt.orientation)
    if flt.office_id:
        conds.append(Beneficiary.office_id == flt.office_id)
    if flt.institution_id:
        conds.append(
            exists().where(
                Office.id == Beneficiary.office_id, Office.institution_id == flt.institution_id
            )
        )
    if flt.referent_id:
        conds.append(Beneficiary.referent_id == flt.referent_id)
    if flt.case_state == NO_CASE:
        conds.append(Beneficiary.current_case_state.is_(None))
    elif flt.case_state:
        conds.append(Beneficiary.current_case_state == flt.case_state)
    return query.where(and_(*conds))


def count_beneficiaries(db: Database, flt: BeneficiaryFilter) -> int:
    terms = search_terms(flt.text)
    with db.read() as s:
        if terms and db.dialect == "sqlite" and _only_text(flt):
            # Anonymised people have an empty search text: the index alone counts (3 ms
            # for 76 000 matches instead of 52 ms through the table).
            return _fts_count(s, terms)
        query = _filtered(select(func.count()).select_from(Beneficiary), flt, db.dialect)
        return s.scalar(query) or 0


def list_beneficiaries(
    db: Database,
    flt: BeneficiaryFilter,
    *,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[BeneficiaryRow]:
    referent = aliased(User)
    office = aliased(Office)
    key = {
        "name": Beneficiary.sort_name,
        "birth_date": Beneficiary.birth_date,
        "allocataire": Beneficiary.allocataire_number,
        "commune": Beneficiary.commune_key,
        "orientation": Beneficiary.orientation,
        "referent": referent.last_name,
        "office": office.name,
        "case_state": Beneficiary.current_case_state,
    }[sort]
    order = [key.desc() if descending else key.asc()]
    if sort != "name":
        order.append(Beneficiary.sort_name)
    order.append(Beneficiary.id)
    columns = (
        select(
            Beneficiary.id,
            Beneficiary.last_name,
            Beneficiary.first_name,
            Beneficiary.birth_date,
            Beneficiary.allocataire_number,
            Beneficiary.paying_body,
            Beneficiary.commune,
            Beneficiary.orientation,
            referent.first_name,
            referent.last_name,
            office.name,
            Beneficiary.current_case_state,
        )
        .outerjoin(referent, referent.id == Beneficiary.referent_id)
        .outerjoin(office, office.id == Beneficiary.office_id)
    )
    terms = search_terms(flt.text)
    with db.read() as s:
        wide = bool(
            terms
            and sort == "name"
            and db.dialect == "sqlite"
            and _fts_count(s, terms, cap=WIDE_MATCH) >= WIDE_MATCH
        )
        query = _filtered(columns, flt, db.dialect, wide)
        rows = s.execute(query.order_by(*order).offset(offset).limit(limit)).all()
    return [
        BeneficiaryRow(
            id=r[0],
            name=f"{r[1].upper()} {r[2]}",
            birth_date=r[3],
            allocataire=f"{r[5]} {r[4]}" if r[4] else "",
            commune=r[6] or "",
            orientation=Orientation(r[7]).label if r[7] else "",
            referent=f"{r[8]} {r[9]}" if r[9] else "",
            office=r[10] or "",
            case_state=CaseState(r[11]).label if r[11] else "",
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class Lookups:
    """What the filters and the form offer: institutions, offices, référents."""

    institutions: list[Choice]
    offices: list[Choice]
    referents: list[Choice]


def lookups(db: Database) -> Lookups:
    with db.read() as s:
        institutions = [
            Choice(i.id, i.name) for i in s.scalars(select(Institution).order_by(Institution.name))
        ]
        offices = [Choice(o.id, o.name) for o in s.scalars(select(Office).order_by(Office.name))]
        referents = [
            Choice(u.id, f"{u.last_name.upper()} {u.first_name}".strip())
            for u in s.scalars(
                select(User)
                .where(User.active.is_(True), User.is_referent.is_(True))
                .order_by(User.last_name, User.first_name)
            )
        ]
    return Lookups(institutions, offices, referents)


@dataclass
class HouseholdInput:
    relation: str = Relation.CHILD.value
    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None


@dataclass
class BeneficiaryInput:
    """The edit form's content. ``id`` None means a new beneficiary."""

    id: uuid.UUID | None = None
    version_id: int | None = None
    civility: str = ""
    last_name: str = ""
    birth_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    address_line1: str = ""
    address_line2: str = ""
    postcode: str = ""
    commune: str = ""
    phone: str = ""
    email: str = ""
    paying_body: str = PayingBody.CAF.value
    allocataire_number: str = ""
    nir: str = ""
    iban: str = ""
    rsa_open_since: date | None = None
    orientation: str | None = None
    orientation_date: date | None = None
    global_support: bool = False
    support_contract: str | None = None
    referent_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None
    notes: str = ""
    household: list[HouseholdInput] = field(default_factory=list)


_COPIED = [
    f.name for f in fields(BeneficiaryInput) if f.name not in ("id", "version_id", "household")
]


def validate(
    data: BeneficiaryInput,
    *,
    nir_enabled: bool = False,
    today: date | None = None,
    caf_digits: int = validation.CAF_DIGITS,
    stored_nir: str | None = None,
) -> dict[str, str]:
    """Field name -> French message, for every problem found (empty when all is well)."""
    errors: dict[str, str] = {}
    today = today or date.today()
    if not data.last_name.strip():
        errors["last_name"] = "Le nom est obligatoire."
    if not data.first_name.strip():
        errors["first_name"] = "Le prénom est obligatoire."
    if data.civility and data.civility not in {c.value for c in Civility}:
        errors["civility"] = "Civilité inconnue."
    if data.birth_date and (msg := validation.birth_date_error(data.birth_date, today)):
        errors["birth_date"] = msg
    if data.postcode and (msg := validation.postcode_error(data.postcode)):
        errors["postcode"] = msg
    if data.phone and (msg := validation.phone_error(data.phone)):
        errors["phone"] = msg
    if data.email and (msg := validation.email_error(data.email)):
        errors["email"] = msg
    if data.paying_body not in {p.value for p in PayingBody}:
        errors["paying_body"] = "Organisme payeur inconnu (CAF ou MSA)."
    elif data.allocataire_number and (
        msg := validation.allocataire_error(data.allocataire_number, data.paying_body, caf_digits)
    ):
        errors["allocataire_number"] = msg
    if data.iban and (msg := validation.iban_error(data.iban)):
        errors["iban"] = msg
    if data.nir and data.nir != stored_nir:  # a NIR kept from before is left alone
        if not nir_enabled:
            errors["nir"] = "La saisie du NIR n'est pas activée pour ce département."
        elif msg := validation.nir_error(data.nir):
            errors["nir"] = msg
    if data.orientation and data.orientation not in {o.value for o in Orientation}:
        errors["orientation"] = "Orientation inconnue."
    if data.orientation_date and data.orientation_date > today:
        errors["orientation_date"] = "La date d'orientation est dans le futur."
    if data.rsa_open_since and data.rsa_open_since > today:
        errors["rsa_open_since"] = "La date d'ouverture du droit RSA est dans le futur."
    if data.support_contract and data.support_contract not in {c.value for c in SupportContract}:
        errors["support_contract"] = "Contrat inconnu."
    for n, member in enumerate(data.household, start=1):
        if member.relation not in {r.value for r in Relation}:
            errors[f"household.{n}"] = f"Membre du foyer n° {n} : lien inconnu."
        elif member.birth_date and member.birth_date > today:
            errors[f"household.{n}"] = f"Membre du foyer n° {n} : date de naissance future."
    return errors


def normalise(data: BeneficiaryInput) -> None:
    """Trim and put identifiers in their stored form (in place)."""
    for name in (
        "last_name",
        "birth_name",
        "first_name",
        "address_line1",
        "address_line2",
        "commune",
        "email",
        "postcode",
    ):
        setattr(data, name, " ".join(getattr(data, name).split()))
    data.allocataire_number = validation.compact(data.allocataire_number)
    data.iban = validation.compact(data.iban)
    data.nir = validation.compact(data.nir)
    data.phone = " ".join(data.phone.split())


def save_beneficiary(
    db: Database, actor: Actor, data: BeneficiaryInput, *, nir_enabled: bool | None = None
) -> uuid.UUID:
    """Create or update; raises ValidationError (nothing written) or ConflictError.

    ``nir_enabled`` None reads the setting (as the CAF number length always does)."""
    normalise(data)
    settings = load_settings(db)
    stored_nir = None
    if data.id is not None and data.nir:
        with db.read() as s:
            stored_nir = s.scalar(select(Beneficiary.nir).where(Beneficiary.id == data.id))
    errors = validate(
        data,
        nir_enabled=settings.nir_enabled if nir_enabled is None else nir_enabled,
        caf_digits=settings.caf_number_digits,
        stored_nir=stored_nir,
    )
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        if data.allocataire_number:
            clash = s.scalar(
                select(Beneficiary.id).where(
                    Beneficiary.paying_body == data.paying_body,
                    Beneficiary.allocataire_number == data.allocataire_number,
                    Beneficiary.id != data.id if data.id else True,
                )
            )
            if clash:
                raise ValidationError(
                    {
                        "allocataire_number": (
                            f"Le numéro allocataire {data.allocataire_number} est déjà attribué à "
                            "un autre bénéficiaire."
                        )
                    }
                )
        if data.id is None:
            b = Beneficiary(created_by=actor.login)
            s.add(b)
            before: dict = {}
        else:
            found = s.get(Beneficiary, data.id)
            if found is None:
                raise ValidationError({"id": "Ce bénéficiaire n'existe plus."})
            b = found
            if data.version_id is not None and b.version_id != data.version_id:
                from app.services.errors import ConflictError

                raise ConflictError(
                    "Ce bénéficiaire a été modifié sur un autre poste pendant votre saisie. "
                    "Fermez la fiche, rouvrez-la et refaites votre modification."
                )
            before = audit.snapshot(b)
        apply_input(s, b, data)
        b.updated_by = actor.login
        s.flush()
        after = audit.snapshot(b)
        old, new = audit.changes(before, after)
        audit.record(
            s,
            actor,
            "create" if not before else "update",
            "beneficiary",
            b.id,
            summary=b.display_name,
            before=old,
            after=new,
        )
        return b.id


def apply_input(session: Session, b: Beneficiary, data: BeneficiaryInput) -> None:
    for name in _COPIED:
        value = getattr(data, name)
        if name in ("allocataire_number", "nir", "orientation", "support_contract"):
            value = value or None
        setattr(b, name, value)
    b.household = [
        HouseholdMember(
            relation=m.relation,
            first_name=m.first_name.strip(),
            last_name=m.last_name.strip(),
            birth_date=m.birth_date,
        )
        for m in data.household
    ]
    refresh_search_columns(b)


def load_beneficiary(db: Database, beneficiary_id: uuid.UUID, actor: Actor) -> BeneficiaryInput:
    """The form's data; reading a person's file is recorded in the access log."""
    with db.write() if not db.read_only else db.read() as s:
        b = s.get(Beneficiary, beneficiary_id)
        if b is None:
            raise ValidationError({"id": "Ce bénéficiaire n'existe plus."})
        data = BeneficiaryInput(
            id=b.id,
            version_id=b.version_id,
            household=[
                HouseholdInput(m.relation, m.first_name, m.last_name, m.birth_date)
                for m in b.household
            ],
        )
        for name in _COPIED:
            value = getattr(b, name)
            setattr(
                data, name, "" if value is None and name in ("allocataire_number", "nir") else value
            )
        if not db.read_only:
            audit.record(s, actor, "read", "beneficiary", b.id, summary=b.display_name)
        return data
