"""One record made a row: each cell read as its field (dates, civility, paying body,
orientation, yes/no), then checked as a form would be, the problems in French."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import String

from app.models import Beneficiary
from app.models.enums import Orientation, PayingBody
from app.services import validation
from app.services.beneficiaries import (
    BeneficiaryInput,
    normalise,
    validate,
)
from app.services.importer.columns import DATE_FIELDS, FIELD_LABELS, Columns, folded_key
from app.services.importer.reading import Record
from app.services.importer.report import DELIMITER_LABELS, ImportReport
from app.services.text import fold

_CIVILITIES = {
    "m": "M",
    "mr": "M",
    "monsieur": "M",
    "h": "M",
    "homme": "M",
    "masculin": "M",
    "mme": "MME",
    "madame": "MME",
    "mlle": "MME",
    "melle": "MME",
    "mademoiselle": "MME",
    "f": "MME",
    "femme": "MME",
    "feminin": "MME",
}
_ORIENTATIONS = {
    "social": Orientation.SOCIAL.value,
    "sociale": Orientation.SOCIAL.value,
    "soc": Orientation.SOCIAL.value,
    "emploi": Orientation.EMPLOYMENT.value,
    "professionnel": Orientation.EMPLOYMENT.value,
    "professionnelle": Orientation.EMPLOYMENT.value,
    "pro": Orientation.EMPLOYMENT.value,
    "poleemploi": Orientation.EMPLOYMENT.value,
    "francetravail": Orientation.EMPLOYMENT.value,
    "socioprofessionnel": Orientation.SOCIO_PRO.value,
    "socioprofessionnelle": Orientation.SOCIO_PRO.value,
    "sociopro": Orientation.SOCIO_PRO.value,
}
_YES = {"oui", "o", "yes", "y", "1", "x", "vrai", "true"}
_NO = {"non", "n", "no", "0", "faux", "false"}
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)
_MIDNIGHT = re.compile(r"^(\S+)[ T]0?0:00(:00(\.0+)?)?$")


def _orientation(value: str) -> str | None:
    key = folded_key(value)
    for prefix in ("orientation", "parcours", "accompagnement"):
        key = key.removeprefix(prefix)
    return _ORIENTATIONS.get(key)


def _paying_body(value: str) -> str | None:
    key = folded_key(value)
    if key == "msa" or "mutualite" in key or key.startswith("msa"):
        return PayingBody.MSA.value
    if key == "caf" or "allocationsfamiliales" in key or key.startswith("caf"):
        return PayingBody.CAF.value
    return None


def _parse_date(value: str) -> date:
    """jj/mm/aaaa or ISO; a midnight time added by Excel ('12/04/1988 00:00') is dropped."""
    match = _MIDNIGHT.match(value)
    return validation.parse_date(match.group(1) if match else value)


def _cell(value: str) -> str:
    value = value.strip()
    match = _EXCEL_TEXT.match(value)
    return match.group(1).strip() if match else value


_MAX_LENGTH = {
    name: col.type.length
    for name, col in Beneficiary.__table__.columns.items()
    if name in FIELD_LABELS and isinstance(col.type, String) and col.type.length
}


@dataclass
class Row:
    line: int
    data: BeneficiaryInput
    present: list[str]  # fields given by a non-empty cell, in column order
    errors: list[str]
    number_ok: bool  # allocataire number (and paying body) usable as a key

    @property
    def number_key(self) -> tuple[str, str] | None:
        if self.number_ok and self.data.allocataire_number:
            return (self.data.paying_body, self.data.allocataire_number)
        return None

    @cached_property
    def identity(self) -> tuple[str, str, date] | None:
        """Folded last name, first name and birth date, when all three are known."""
        d = self.data
        last, first = fold(d.last_name), fold(d.first_name)
        return (last, first, d.birth_date) if d.birth_date and last and first else None


def _civility(value: str) -> str | None:
    return _CIVILITIES.get(folded_key(value))


def _yes_no(value: str) -> bool | None:
    key = folded_key(value)
    return True if key in _YES else False if key in _NO else None


# A choice column: how its cell is read (None: not understood) and what is said then.
_CHOICE_READERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "civility": (_civility, "Civilité « {value} » inconnue (M. ou Mme)."),
    "paying_body": (_paying_body, "Organisme payeur « {value} » inconnu (CAF ou MSA)."),
    "orientation": (
        _orientation,
        "Orientation « {value} » inconnue (sociale, emploi ou socio-professionnelle).",
    ),
    "global_support": (_yes_no, "Accompagnement global « {value} » : indiquez oui ou non."),
}

_ECHOED = 60  # a rejected value up to this long is shown back in the report
_PLAIN_TEXT = frozenset(FIELD_LABELS) - {*DATE_FIELDS, *_CHOICE_READERS}  # taken as they are read


def build_row(record: Record, columns: Columns, delimiter: str, today: date) -> Row:
    values: dict[str, str] = {}
    for index, name in columns.fields.items():
        if index < len(record.cells) and name not in values:
            value = _cell(record.cells[index])
            if value:
                values[name] = value
    data = BeneficiaryInput()
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name in _PLAIN_TEXT:
            setattr(data, name, value)
        elif name in DATE_FIELDS:
            try:
                setattr(data, name, _parse_date(value))
            except ValueError as exc:
                msg = str(exc)
                label = FIELD_LABELS[name].capitalize()
                problems[name] = f"{label} : {msg[:1].lower()}{msg[1:]}"
        elif name in _CHOICE_READERS:
            read, unknown = _CHOICE_READERS[name]
            chosen = read(value)
            if chosen is None:
                problems[name] = unknown.format(value=value)
            else:
                setattr(data, name, chosen)
        else:
            setattr(data, name, value)
    normalise(data)
    for name, msg in validate(data, today=today).items():
        if name in problems:
            continue
        shown = values.get(name, "")
        echo = shown and len(shown) <= _ECHOED and shown.isprintable()  # not a long or raw text
        problems[name] = f"{msg[:-1]} (lu : « {shown} »)." if echo else msg
    for name in values:
        limit = _MAX_LENGTH.get(name)
        text = getattr(data, name)
        if limit and name not in problems and isinstance(text, str) and len(text) > limit:
            problems[name] = (
                f"{FIELD_LABELS[name].capitalize()} trop long ({limit} caractères au plus)."
            )
    extra = [c for c in record.cells[len(columns.header) :] if c.strip()]
    errors: list[str] = []
    if extra:
        errors.append(
            f"{len(record.cells)} colonnes au lieu de {len(columns.header)} : une valeur contient "
            f"sans doute le séparateur {DELIMITER_LABELS[delimiter]} sans être entre guillemets."
        )
    if record.unclosed_quote or (
        record.last_line > record.first_line and len(record.cells) < len(columns.header)
    ):
        errors.append(
            f"Guillemet non fermé : les lignes {record.first_line} à {record.last_line} ont été "
            "lues comme une seule ligne du tableau."
        )
    errors.extend(problems[k] for k in sorted(problems, key=_order))
    present = [name for name in values if name not in problems]
    if "allocataire_number" in present and "paying_body" not in present:
        present.append("paying_body")  # the number only means something with its body
    number_ok = "allocataire_number" not in problems and "paying_body" not in problems
    return Row(record.first_line, data, present, errors, number_ok)


_FIELD_ORDER = {name: n for n, name in enumerate(FIELD_LABELS)}


def _order(key: str) -> int:
    return _FIELD_ORDER.get(key, len(_FIELD_ORDER))


@dataclass
class Parsed:
    """The file read: its data records, made into rows as they are planned."""

    report: ImportReport
    records: list[Record]
    columns: Columns
    delimiter: str
    today: date

    def rows(self, start: int, stop: int) -> list[Row]:
        return [
            build_row(r, self.columns, self.delimiter, self.today) for r in self.records[start:stop]
        ]
