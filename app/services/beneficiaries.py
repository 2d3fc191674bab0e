"""Beneficiaries: the edit form's data, validated saves and the folded search columns.

The list's read model (search, filters, pages) is :mod:`app.services.beneficiary_search`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app.models import Beneficiary, HouseholdMember
from app.models.enums import Civility, Orientation, PayingBody, Relation, SupportContract
from app.services import access_log, audit, clock, validation
from app.services.actor import Actor
from app.services.errors import ValidationError
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import fold
from app.services.visibility import require_read


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
        "search_text": " " + " ".join([w for w in words if w]) + " ",
        "sort_name": fold(f"{last_name} {first_name}")[:210],
        "commune_key": fold(commune)[:120],
    }


# The columns the folded ones are made from.
SEARCH_SOURCES = (
    "last_name",
    "birth_name",
    "first_name",
    "commune",
    "postcode",
    "allocataire_number",
)


def search_columns_of(values: Mapping[str, Any]) -> dict[str, str]:
    """:func:`search_columns` of a row's values (the columns of :data:`SEARCH_SOURCES`)."""
    return search_columns(
        values["last_name"],
        values["birth_name"] or "",
        values["first_name"],
        values["commune"] or "",
        values["postcode"] or "",
        values["allocataire_number"],
    )


def refresh_search_columns(b: Beneficiary) -> None:
    """Recompute the folded columns; call after any change of names, commune or number.
    An anonymised record gets an empty search text: it is never found by name again."""
    columns = search_columns_of({name: getattr(b, name) for name in SEARCH_SOURCES})
    if b.anonymised_at is not None:
        columns["search_text"] = ""
    for name, value in columns.items():
        setattr(b, name, value)


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


# Free-text fields of the form: (label, longest length, several lines allowed).
TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "last_name": ("Nom", validation.NAME_MAX, False),
    "birth_name": ("Nom de naissance", validation.NAME_MAX, False),
    "first_name": ("Prénom", validation.NAME_MAX, False),
    "address_line1": ("Adresse", validation.ADDRESS_LINE_MAX, False),
    "address_line2": ("Complément d'adresse", validation.ADDRESS_LINE_MAX, False),
    "commune": ("Commune", validation.COMMUNE_MAX, False),
    "phone": ("Téléphone", validation.PHONE_MAX, False),
    "email": ("E-mail", validation.EMAIL_MAX, False),
    "notes": ("Notes", validation.NOTES_MAX, True),
}

_VALUES = {
    kind: frozenset(member.value for member in kind)
    for kind in (Civility, PayingBody, Orientation, SupportContract, Relation)
}

COPIED_FIELDS = [
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
    today = today or clock.today()
    for name, (label, limit, multiline) in TEXT_FIELDS.items():
        if msg := validation.text_error(getattr(data, name), label, limit, multiline=multiline):
            errors[name] = msg
    if not data.last_name.strip():
        errors["last_name"] = "Le nom est obligatoire."
    if not data.first_name.strip():
        errors["first_name"] = "Le prénom est obligatoire."
    if data.civility and data.civility not in _VALUES[Civility]:
        errors["civility"] = "Civilité inconnue."
    if data.birth_date and (msg := validation.birth_date_error(data.birth_date, today)):
        errors["birth_date"] = msg
    if data.postcode and (msg := validation.postcode_error(data.postcode)):
        errors["postcode"] = msg
    if data.phone and "phone" not in errors and (msg := validation.phone_error(data.phone)):
        errors["phone"] = msg
    if data.email and "email" not in errors and (msg := validation.email_error(data.email)):
        errors["email"] = msg
    if data.paying_body not in _VALUES[PayingBody]:
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
    if data.orientation and data.orientation not in _VALUES[Orientation]:
        errors["orientation"] = "Orientation inconnue."
    if data.orientation_date and data.orientation_date > today:
        errors["orientation_date"] = "La date d'orientation est dans le futur."
    if data.rsa_open_since and data.rsa_open_since > today:
        errors["rsa_open_since"] = "La date d'ouverture du droit RSA est dans le futur."
    born = data.birth_date
    if born and data.orientation_date and data.orientation_date < born:
        errors["orientation_date"] = "La date d'orientation précède la date de naissance."
    if born and data.rsa_open_since and data.rsa_open_since < born:
        errors["rsa_open_since"] = "L'ouverture du droit RSA précède la date de naissance."
    if data.support_contract and data.support_contract not in _VALUES[SupportContract]:
        errors["support_contract"] = "Contrat inconnu."
    for n, member in enumerate(data.household, start=1):
        if member.relation not in _VALUES[Relation]:
            errors[f"household.{n}"] = f"Membre du foyer n° {n} : lien inconnu."
        elif member.birth_date and member.birth_date > today:
            errors[f"household.{n}"] = f"Membre du foyer n° {n} : date de naissance future."
        else:
            for text, what in ((member.last_name, "Nom"), (member.first_name, "Prénom")):
                label = f"{what} du membre du foyer n° {n}"
                if msg := validation.text_error(text, label, validation.NAME_MAX):
                    errors[f"household.{n}"] = msg
                    break
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
                    Beneficiary.id != data.id if data.id else true(),
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
                from app.services.edit_conflicts import EditConflict, who

                by = who(s, b.updated_by)
                raise EditConflict("Ce bénéficiaire", input_of(b), by, b.updated_at)
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


NULL_WHEN_EMPTY = ("allocataire_number", "nir", "orientation", "support_contract")


def stored_value(name: str, value: Any) -> Any:
    """A form's value as the column keeps it: an empty identifier or choice is NULL."""
    return (value or None) if name in NULL_WHEN_EMPTY else value


def apply_input(session: Session, b: Beneficiary, data: BeneficiaryInput) -> None:
    for name in COPIED_FIELDS:
        setattr(b, name, stored_value(name, getattr(data, name)))
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


def input_of(b: Beneficiary) -> BeneficiaryInput:
    """A stored person as the form's data, at its version."""
    data = BeneficiaryInput(
        id=b.id,
        version_id=b.version_id,
        household=[
            HouseholdInput(m.relation, m.first_name, m.last_name, m.birth_date) for m in b.household
        ],
    )
    for name in COPIED_FIELDS:
        value = getattr(b, name)
        setattr(
            data, name, "" if value is None and name in ("allocataire_number", "nir") else value
        )
    return data


def load_beneficiary(db: Database, beneficiary_id: uuid.UUID, actor: Actor) -> BeneficiaryInput:
    """The form's data; reading a person's file is recorded in the access log."""
    with db.write() if not db.read_only else db.read() as s:
        b = s.get(Beneficiary, beneficiary_id)
        if b is None:
            raise ValidationError({"id": "Ce bénéficiaire n'existe plus."})
        require_read(actor, b)
        data = input_of(b)
        if not db.read_only:
            access_log.record(
                s, actor, "read", beneficiary_id=b.id, details={"entity": "beneficiary"}
            )
        return data
