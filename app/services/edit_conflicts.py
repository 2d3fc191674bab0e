"""Two stations editing the same record: the second save is refused with what differs.

A save carries the ``version_id`` the form was loaded at; when another station saved in
between, the service raises :class:`EditConflict` with the record as it is now stored.
The form then shows, field by field, the stored value and its own
(:func:`field_changes`), and the user chooses: reload the stored version, keep their own
entry (:func:`merge`: their changes over the stored version, the other station's changes to
the fields they did not touch kept), or go back to the form. Never a silent win.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.services.errors import ConflictError
from app.services.text import format_cents, format_date

BENEFICIARY_FIELDS: Mapping[str, str] = {
    "civility": "Civilité",
    "last_name": "Nom",
    "birth_name": "Nom de naissance",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "address_line1": "Adresse",
    "address_line2": "Complément d'adresse",
    "postcode": "Code postal",
    "commune": "Commune",
    "phone": "Téléphone",
    "email": "E-mail",
    "paying_body": "Organisme payeur",
    "allocataire_number": "N° allocataire",
    "nir": "NIR",
    "iban": "IBAN",
    "rsa_open_since": "Droit RSA ouvert depuis",
    "orientation": "Orientation",
    "orientation_date": "Date d'orientation",
    "global_support": "Accompagnement global",
    "support_contract": "Contrat",
    "referent_id": "Référent",
    "office_id": "Bureau",
    "notes": "Notes",
    "household": "Composition du foyer",
}
CASE_FIELDS: Mapping[str, str] = {
    "request_date": "Date de la demande",
    "employer_name": "Employeur",
    "employer_address": "Adresse de l'employeur",
    "job_title": "Poste",
    "contract_type": "Type de contrat",
    "job_start": "Début de l'emploi",
    "trial_end": "Fin de la période d'essai",
    "contract_end": "Fin du contrat",
    "weekly_hours": "Durée hebdomadaire",
    "notes": "Notes",
    "aids": "Aides",
}
MEETING_FIELDS: Mapping[str, str] = {
    "held_on": "Date",
    "mode": "Mode",
    "kind": "Type",
    "participants": "Participants",
    "obstacles": "Freins",
    "job_situation": "Situation dans l'emploi",
    "notes": "Notes",
    "next_steps": "Suites à donner",
    "next_meeting_on": "Prochain entretien",
}


@dataclass(frozen=True)
class FieldChange:
    """One field whose stored value is not the one in the form."""

    name: str
    label: str
    theirs: str  # as stored now (shown)
    mine: str  # as in the form (shown)
    by_them: bool  # the other station changed it since the form was loaded
    by_me: bool  # the user changed it in the form


class EditConflict(ConflictError):
    """Another station saved the record since the form was loaded; nothing was written."""

    def __init__(self, what: str, current: Any, by: str, at: datetime | None) -> None:
        when = f" à {at.astimezone().strftime('%H:%M')} le {format_date(at.date())}" if at else ""
        super().__init__(
            f"{what} a été modifié par {by or 'un autre utilisateur'} sur un autre poste{when}, "
            "pendant votre saisie : rien n'a été enregistré."
        )
        self.current = current  # the stored version, as the form's input (its version_id)
        self.by = by
        self.at = at


def who(session: Any, login: str) -> str:
    """The name of the user behind a login (as ``updated_by`` keeps it), else the login."""
    from sqlalchemy import select

    from app.models import User

    user = session.scalar(select(User).where(User.os_login == login)) if login else None
    return user.full_name if user is not None and user.full_name else login


def shown(value: Any) -> str:
    """A value as a person reads it in the comparison."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, list):
        return "; ".join(_item(v) for v in value) or "—"
    return str(value)


def _item(value: Any) -> str:
    """A household member or an aid line, in a few words."""
    parts = []
    for name in ("relation", "first_name", "last_name", "component", "payee_name"):
        if (part := getattr(value, name, None)) not in (None, ""):
            parts.append(str(getattr(part, "value", part)))
    if (born := getattr(value, "birth_date", None)) is not None:
        parts.append(f"né(e) le {format_date(born)}")
    if (cents := getattr(value, "monthly_cents", None)) is not None:
        parts.append(f"{format_cents(cents)} × {getattr(value, 'months', '?')} mois")
    return " ".join(parts) or str(value)


def field_changes(
    original: Any,
    current: Any,
    mine: Any,
    labels: Mapping[str, str],
    names: Mapping[Any, str] | None = None,
) -> list[FieldChange]:
    """The fields where the stored version and the form differ, in the form's order;
    ``names`` shows ids (référent, bureau) as the form does."""
    names = names or {}

    def show(value: Any) -> str:
        return names.get(value, shown(value)) if _hashable(value) else shown(value)

    out = []
    for name, label in labels.items():
        before, theirs, ours = (getattr(x, name) for x in (original, current, mine))
        if theirs == ours:
            continue
        out.append(
            FieldChange(name, label, show(theirs), show(ours), before != theirs, before != ours)
        )
    return out


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def merge(original: Any, current: Any, mine: Any, labels: Mapping[str, str]) -> Any:
    """« Garder ma saisie »: the stored version with the user's own changes put over it;
    saved next at the stored version (a third save in between conflicts again)."""
    merged = copy.deepcopy(current)
    for name in labels:
        if getattr(original, name) != getattr(mine, name):
            setattr(merged, name, copy.deepcopy(getattr(mine, name)))
    return merged
