"""The French wording of a beneficiary's file: ages, « il y a … », household members."""

from __future__ import annotations

from datetime import date

from app.models.enums import Civility, LabelledEnum, Relation
from app.services.beneficiaries import BeneficiaryInput, HouseholdInput
from app.services.dates import age_on
from app.services.text import format_date


def age_text(birth: date | None, today: date) -> str:
    """'9 ans', '1 an', '7 mois' (under one year); '' when unknown or in the future."""
    if birth is None or birth > today:
        return ""
    years = age_on(birth, today)
    if years >= 1:
        return f"{years} an{'s' if years > 1 else ''}"
    months = (today.year - birth.year) * 12 + today.month - birth.month - (today.day < birth.day)
    return f"{max(months, 0)} mois"


def ago_text(day: date, today: date) -> str:
    """' (il y a 17 jours)', ' (il y a 5 mois)', ' (il y a 2 ans)'; '' for today or later."""
    days = (today - day).days
    if days <= 0:
        return ""
    if days < 60:
        return f" (il y a {days} jour{'s' if days > 1 else ''})"
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    if months < 24:
        return f" (il y a {months} mois)"
    return f" (il y a {age_on(day, today)} ans)"


def last_contact_text(day: date | None, today: date) -> str:
    """'03/04/2018 (il y a 17 jours)', or that no meeting was recorded."""
    if day is None:
        return "Aucun entretien enregistré"
    return f"{format_date(day)}{ago_text(day, today)}"


def person_title(data: BeneficiaryInput) -> str:
    """The tab title, as in the list: 'LEFÈVRE Hélène'."""
    return f"{data.last_name.upper()} {data.first_name}".strip()


def enum_label(enum: type[LabelledEnum], value: str | None) -> str:
    """The French label of a stored value ('' for none; the value itself if unknown)."""
    if not value:
        return ""
    try:
        return enum(value).label
    except ValueError:
        return value


def born_text(civility: str) -> str:
    return "Née" if civility == Civility.MRS.value else "Né"


def member_text(member: HouseholdInput, today: date) -> str:
    """'Enfant : Zoé Lefèvre, 9 ans (née le 02/03/2016)'."""
    name = f"{member.first_name} {member.last_name}".strip() or "Sans nom"
    text = f"{enum_label(Relation, member.relation) or 'Membre'} : {name}"
    if member.birth_date is not None:
        age = age_text(member.birth_date, today)
        born = f"né(e) le {format_date(member.birth_date)}"
        text += f", {age} ({born})" if age else f" ({born})"
    return text
