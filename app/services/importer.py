"""Beneficiary import from CSV extracts (CAF, MSA or the département's own software).

What the file may look like: UTF-8 (with or without BOM) or Windows-1252 (also UTF-16 with
BOM, as Excel's "texte Unicode" writes it), ``;`` ``,`` or tab separated, quoted fields with
doubled quotes and line breaks, dates ``jj/mm/aaaa``, column names written any usual way
("N° allocataire", "Né(e) le", "CP"...). Unknown columns are ignored and listed.

What happens: every data line is either created, updated, unchanged, rejected (with its
physical line number and the French reasons) or an identity conflict; blank lines are
counted apart. A file that cannot be read at all raises :class:`ImportFileError` before
anything is written. The lines are planned in short reads and, while the next ones are
planned, written all or nothing in short transactions (:mod:`app.services.import_apply`), so
that other stations keep saving during an import; one audit event per person and one for the
file; a dry run writes nothing. Matching: a known (paying body, allocataire number) updates
that person, unless the line's first name, birth date or last name say it is someone else:
that line is an :class:`IdentityConflict`, written only if the user confirms it
(:func:`apply_identity_choices`). Without a number, an existing person with the same folded
last name, first name and birth date is updated; otherwise a new person is created.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from app.models import Beneficiary
from app.models.enums import Orientation, PayingBody
from app.services import audit, clock, import_apply, validation
from app.services.actor import Actor
from app.services.beneficiaries import (
    COPIED_FIELDS,
    BeneficiaryInput,
    normalise,
    refresh_search_columns,
    search_columns,
    stored_value,
    validate,
)
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

CHUNK = 200  # lines per progress report, per batched query and per flush
MAX_BYTES = 100 * 1024 * 1024
HEADER_SEARCH_LINES = 10  # a title line or two may precede the header in some extracts
MAX_LISTED = 60  # informative line lists are cut after this many ranges (never the rejects)
DELIMITERS = (";", ",", "\t")
DELIMITER_LABELS = {";": "point-virgule (;)", ",": "virgule (,)", "\t": "tabulation"}


class ImportFileError(UserFacingError):
    """The file cannot be imported at all (missing, not a CSV, no usable header)."""


class ImportCancelled(UserFacingError):
    """The user stopped the import: everything was rolled back."""


@dataclass(frozen=True)
class RejectedLine:
    line_number: int
    reason: str


@dataclass
class IdentityConflict:
    """A line whose allocataire number is a known person's, but whose name or birth date
    say it is someone else: nothing is written until the user decides."""

    line_number: int
    beneficiary_id: uuid.UUID
    version_id: int  # the person as read; a decision applies only if it still is
    number: str
    stored: str  # « LEFÈVRE Hélène, né(e) le 12/04/1988 »
    incoming: str
    data: BeneficiaryInput
    present: list[str]

    @property
    def text(self) -> str:
        return (
            f"Ligne {self.line_number} : le numéro allocataire {self.number} est celui de "
            f"{self.stored} ; le fichier indique {self.incoming}."
        )


@dataclass
class ImportReport:
    file_name: str
    encoding: str
    delimiter: str
    dry_run: bool = False
    header_line: int = 1
    lines_read: int = 0  # data lines: created + updated + unchanged + rejected
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedLine] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)
    lines_before_header: list[int] = field(default_factory=list)
    repeated_headers: list[int] = field(default_factory=list)
    recognised_columns: list[tuple[str, str]] = field(default_factory=list)  # (header, field)
    ignored_columns: list[str] = field(default_factory=list)
    created_without_number: list[int] = field(default_factory=list)
    matched_by_identity: list[int] = field(default_factory=list)
    conflicts: list[IdentityConflict] = field(default_factory=list)
    possible_duplicates: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def delimiter_label(self) -> str:
        return DELIMITER_LABELS.get(self.delimiter, f"« {self.delimiter} »")

    def as_text(self) -> str:
        dry = self.dry_run
        out = [f"Import du fichier « {self.file_name} »"]
        if dry:
            out.append("SIMULATION : rien n'a été enregistré dans la base.")
        out.append(
            f"Encodage : {self.encoding} — séparateur : {self.delimiter_label} — "
            f"en-tête : ligne {self.header_line}"
        )
        out.extend(self.notes)
        if self.recognised_columns:
            out.append(
                "Colonnes reconnues : "
                + " ; ".join(f"{name} → {label}" for name, label in self.recognised_columns)
            )
        if self.ignored_columns:
            out.append("Colonnes ignorées : " + ", ".join(self.ignored_columns))
        if self.lines_read == 0 and not (self.blank_lines or self.repeated_headers):
            out.append("Aucune ligne de données : le fichier ne contient que l'en-tête.")
        elif self.lines_read == 0:
            out.append("Aucune ligne de données après l'en-tête.")
        else:
            out.append(f"Lignes de données lues : {self.lines_read}")
            out.append(f"  - {'à créer' if dry else 'créés'} : {self.created}")
            out.append(f"  - {'à mettre à jour' if dry else 'mis à jour'} : {self.updated}")
            out.append(f"  - inchangés : {self.unchanged}")
            out.append(f"  - rejetés : {len(self.rejected)}")
            if self.conflicts:
                out.append(f"  - identités à trancher : {len(self.conflicts)}")
        for title, numbers in (
            ("Lignes avant l'en-tête, ignorées", self.lines_before_header),
            ("Lignes vides, ignorées", self.blank_lines),
            ("En-tête répété, ignoré", self.repeated_headers),
            (
                f"{'À créer' if dry else 'Créés'} sans numéro allocataire",
                self.created_without_number,
            ),
            (
                "Rapprochés d'une fiche existante par nom, prénom et date de naissance",
                self.matched_by_identity,
            ),
            (
                "Même nom et prénom qu'une fiche existante ou qu'une autre ligne, sans numéro "
                "allocataire ni date de naissance pour les distinguer (fiche créée, à vérifier)",
                self.possible_duplicates,
            ),
        ):
            if numbers:
                out.append(f"{title} : {line_list(numbers)}")
        if self.conflicts:
            out.append(
                "Identités à trancher (numéro allocataire connu, mais nom, prénom ou date de "
                "naissance différents : rien n'a été modifié, "
                + ("l'import proposera de choisir) :" if dry else "à décider dans l'application) :")
            )
            out.extend(c.text for c in self.conflicts)
        if self.rejected:
            out.append("Lignes rejetées (à corriger dans le fichier puis à réimporter) :")
            out.extend(f"Ligne {r.line_number} : {r.reason}" for r in self.rejected)
        return "\n".join(out)


def line_list(numbers: Iterable[int]) -> str:
    """[3, 4, 5, 9] -> 'lignes 3 à 5, 9' (long lists are cut, with the count left out)."""
    ranges: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    parts = [str(a) if a == b else f"{a} à {b}" for a, b in ranges[:MAX_LISTED]]
    if len(ranges) > MAX_LISTED:
        parts.append(f"… ({len(ranges) - MAX_LISTED} autres groupes de lignes)")
    single = len(ranges) == 1 and ranges[0][0] == ranges[0][1]
    return ("ligne " if single else "lignes ") + ", ".join(parts)


# --- Columns ---------------------------------------------------------------------------

FIELD_LABELS = {
    "civility": "civilité",
    "last_name": "nom",
    "birth_name": "nom de naissance",
    "first_name": "prénom",
    "birth_date": "date de naissance",
    "paying_body": "organisme payeur",
    "allocataire_number": "numéro allocataire",
    "orientation": "orientation",
    "orientation_date": "date d'orientation",
    "rsa_open_since": "date d'ouverture du droit RSA",
    "global_support": "accompagnement global",
    "address_line1": "adresse",
    "address_line2": "complément d'adresse",
    "postcode": "code postal",
    "commune": "commune",
    "phone": "téléphone",
    "email": "e-mail",
}
REQUIRED = ("last_name", "first_name")
DATE_FIELDS = ("birth_date", "orientation_date", "rsa_open_since")
# Text fields whose stored spelling is kept when the file only differs by case or accents.
NAME_LIKE = ("last_name", "birth_name", "first_name", "address_line1", "address_line2", "commune")

# Header names, folded (services.text.fold) with spaces removed.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "civility": ("civilite", "civ", "titre", "sexe", "genre"),
    "last_name": (
        "nom",
        "noms",
        "nomdusage",
        "nomusage",
        "nomusuel",
        "nommarital",
        "nomepouse",
        "nomallocataire",
    ),
    "birth_name": ("nomdenaissance", "nomnaissance", "nomdejeunefille", "nomdenaiss"),
    "first_name": ("prenom", "prenoms", "prenomallocataire", "premierprenom"),
    "birth_date": (
        "datedenaissance",
        "datenaissance",
        "datedenaiss",
        "datenaiss",
        "nele",
        "neele",
        "nee",
        "ddn",
    ),
    "allocataire_number": (
        "numeroallocataire",
        "numerodallocataire",
        "nallocataire",
        "ndallocataire",
        "noallocataire",
        "nodallocataire",
        "numallocataire",
        "numdallocataire",
        "nalloc",
        "numalloc",
        "matricule",
        "matriculecaf",
        "matriculemsa",
        "numerocaf",
        "numcaf",
        "ncaf",
        "nocaf",
        "numeromsa",
        "nmsa",
        "numerodossiercaf",
    ),
    "paying_body": ("organisme", "organismepayeur", "organismedepaiement", "cafmsa", "caisse"),
    "orientation": ("orientation", "typeorientation", "typedorientation", "parcours"),
    "orientation_date": ("datedorientation", "dateorientation", "dateorient"),
    "rsa_open_since": (
        "datedouverturedudroit",
        "datedouverturedroit",
        "dateouverturedroit",
        "dateouverturedudroit",
        "datedouverturedudroitrsa",
        "datedouverturedroitrsa",
        "dateouverturedroitrsa",
        "dateouverturersa",
        "ouverturedroit",
        "ouverturedroitrsa",
        "datedentreeaursa",
        "dateentreersa",
    ),
    "global_support": ("accompagnementglobal", "accglobal"),
    "address_line1": (
        "adresse",
        "adresse1",
        "adresseligne1",
        "ligneadresse1",
        "adressepostale",
        "voie",
        "rue",
        "numeroetvoie",
    ),
    "address_line2": (
        "complementdadresse",
        "complementadresse",
        "adresse2",
        "adresseligne2",
        "ligneadresse2",
        "complement",
    ),
    "postcode": ("codepostal", "cp", "cpostal"),
    "commune": ("commune", "ville", "localite", "communederesidence"),
    "phone": (
        "telephone",
        "tel",
        "portable",
        "mobile",
        "telephoneportable",
        "telportable",
        "telephonemobile",
        "telmobile",
        "telephonefixe",
        "telfixe",
        "numerodetelephone",
        "numtel",
        "ntel",
        "notel",
        "gsm",
    ),
    "email": (
        "email",
        "courriel",
        "mail",
        "mel",
        "adressemail",
        "adresseemail",
        "adressecourriel",
        "adresseelectronique",
    ),
}
_FIELD_BY_KEY = {key: name for name, keys in _SYNONYMS.items() for key in keys}
# "Nom de famille" is the surname when no other column gives it, else the birth name.
_FAMILY_NAME_KEYS = ("nomdefamille", "nomfamille", "nompatronymique")
_SUFFIXES = ("dubeneficiaire", "beneficiaire", "delallocataire", "dudemandeur", "delapersonne")
_PARENTHESES = re.compile(r"\([^)]*\)")


@lru_cache(maxsize=4096)  # cell values such as "Sociale" or "CAF" repeat on every line
def _key(text: str) -> str:
    return fold(text).replace(" ", "")


def field_for_header(name: str) -> str | None:
    """The BeneficiaryInput field a header names, or None ('Né(e) le' -> 'birth_date')."""
    for candidate in (name, _PARENTHESES.sub(" ", name)):
        key = _key(candidate)
        for variant in (key, *(key.removesuffix(s) for s in _SUFFIXES if key.endswith(s))):
            if variant in _FIELD_BY_KEY:
                return _FIELD_BY_KEY[variant]
    return None


@dataclass
class _Columns:
    header: list[str]
    fields: dict[int, str]  # column index -> BeneficiaryInput field, in column order
    ignored: list[int]

    @property
    def missing(self) -> list[str]:
        return [f for f in REQUIRED if f not in self.fields.values()]


def _map_columns(cells: list[str]) -> _Columns:
    header = [c.strip().lstrip("\ufeff").strip() for c in cells]
    fields: dict[int, str] = {}
    family: list[int] = []
    ignored: list[int] = []
    for i, name in enumerate(header):
        if not name:
            continue
        if _key(name) in _FAMILY_NAME_KEYS:
            family.append(i)
        elif found := field_for_header(name):
            fields[i] = found
        else:
            ignored.append(i)
    for i in family:
        fields[i] = "birth_name" if "last_name" in fields.values() else "last_name"
    return _Columns(header, dict(sorted(fields.items())), ignored)


# --- Reading the file ------------------------------------------------------------------


def _refuse(message: str, detail: str = "") -> ImportFileError:
    return ImportFileError(message, detail=detail)


def _read_bytes(path: Path) -> bytes:
    name = path.name or str(path)
    try:
        if path.is_dir():
            raise _refuse(f"« {path} » est un dossier, pas un fichier CSV.")
        if path.stat().st_size > MAX_BYTES:
            raise _refuse(
                f"Le fichier « {name} » est trop volumineux "
                f"(plus de {MAX_BYTES // 1024 // 1024} Mo) : découpez-le en plusieurs fichiers."
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise _refuse(f"Le fichier « {path} » est introuvable.", str(exc)) from exc
    except PermissionError as exc:
        raise _refuse(
            f"Accès refusé au fichier « {name} » : fermez-le s'il est ouvert dans Excel, "
            "ou vérifiez vos droits sur le dossier.",
            str(exc),
        ) from exc
    except OSError as exc:
        raise _refuse(
            f"Le fichier « {name} » ne peut pas être lu ({exc.strerror}).", str(exc)
        ) from exc


def _not_text(name: str, what: str = "") -> ImportFileError:
    return _refuse(
        f"« {name} » n'est pas un fichier texte CSV{what}. Dans Excel, utilisez "
        "« Enregistrer sous » puis le type « CSV (séparateur : point-virgule) »."
    )


def _decode(raw: bytes, name: str) -> tuple[str, str, list[str]]:
    """(text, encoding label, notes). Strict UTF-8 first, then Windows-1252."""
    if raw.startswith(b"PK\x03\x04"):
        raise _not_text(name, " (c'est un classeur Excel ou un fichier compressé)")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise _not_text(name, " (c'est un classeur Excel ancien format .xls)")
    if raw.startswith(b"%PDF"):
        raise _not_text(name, " (c'est un document PDF)")
    notes: list[str] = []
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise _not_text(name) from exc
    elif b"\x00" in raw:
        raise _not_text(name, " (contenu binaire)")
    else:
        try:
            text = raw.decode("utf-8-sig")
            encoding = "UTF-8 avec BOM" if raw.startswith(codecs.BOM_UTF8) else "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError as exc:
                raise _not_text(name, " (contenu binaire ou encodage inconnu)") from exc
            text, mixed = _decode_mixed(raw, text)
            if mixed:
                encoding = "UTF-8 et Windows-1252 mélangés"
                notes.append(
                    "Attention : le fichier mélange deux encodages ; chaque ligne a été lue "
                    "dans le sien (vérifiez les accents des lignes importées)."
                )
    text = text.removeprefix("\ufeff").rstrip("\x1a")
    sample = text[:100_000]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\r\n") or "\x7f" <= c <= "\x9f")
    if controls > max(3, len(sample) // 100):
        raise _not_text(name, " (contenu binaire)")
    return text, encoding, notes


def _decode_mixed(raw: bytes, whole_cp1252: str) -> tuple[str, bool]:
    """Files pasted together may hold UTF-8 lines among Windows-1252 ones: decode each line
    in its own encoding (byte 0x0A is a line feed in both)."""
    parts: list[str] = []
    utf8_lines = 0
    for chunk in raw.split(b"\n"):
        if chunk.isascii():
            parts.append(chunk.decode("ascii"))
            continue
        try:
            parts.append(chunk.decode("utf-8"))
            utf8_lines += 1
        except UnicodeDecodeError:
            parts.append(chunk.decode("cp1252"))
    if not utf8_lines:
        return whole_cp1252, False
    return "\n".join(parts), True


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == delimiter and not quoted:
            count += 1
    return count


def _reader(lines: list[str], delimiter: str) -> Any:
    return csv.reader(
        iter(lines), delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True
    )


@dataclass
class _Layout:
    header_index: int  # 0-based index of the header's first physical line
    delimiter: str
    columns: _Columns


def _find_header(lines: list[str], name: str) -> _Layout:
    best: tuple[tuple[bool, int, int], _Layout] | None = None
    seen = 0
    first_line = ""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        first_line = first_line or line.strip()
        seen += 1
        if seen > HEADER_SEARCH_LINES:
            break
        counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
        for delimiter in [d for d in DELIMITERS if counts[d]] or [";"]:
            try:
                cells: list[str] = next(_reader(lines[index : index + 20], delimiter), [])
            except csv.Error:
                continue
            columns = _map_columns(cells)
            score = (not columns.missing, len(columns.fields), counts[delimiter])
            if best is None or score > best[0]:
                best = (score, _Layout(index, delimiter, columns))
        if best and not best[1].columns.missing:
            break
    if best is None:
        raise _refuse(f"Le fichier « {name} » est vide.")
    layout = best[1]
    if not layout.columns.fields:
        raise _refuse(
            f"Aucune ligne d'en-tête reconnue dans « {name} » : la première ligne doit donner "
            "les noms des colonnes, dont au moins « Nom » et « Prénom ». "
            f"Première ligne lue : « {first_line[:150]} »."
        )
    if layout.columns.missing:
        missing = ", ".join(f"« {FIELD_LABELS[f].capitalize()} »" for f in layout.columns.missing)
        found = ", ".join(f"« {h} »" for h in layout.columns.header if h)
        raise _refuse(
            f"Colonne obligatoire absente de l'en-tête (ligne {layout.header_index + 1}) de "
            f"« {name} » : {missing}. Colonnes trouvées : {found}."
        )
    return layout


@dataclass
class _Record:
    first_line: int
    last_line: int
    cells: list[str]
    unclosed_quote: bool = False  # spans lines with an odd number of quotes


def _records(lines: list[str], layout: _Layout, name: str) -> list[_Record]:
    """The data records after the header, with their physical line numbers (1-based)."""
    base = layout.header_index
    reader = _reader(lines[base:], layout.delimiter)
    next(reader)
    consumed = reader.line_num
    out: list[_Record] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _refuse(
                f"Ligne {base + consumed + 1} de « {name} » : guillemet ouvrant jamais fermé "
                "(ou valeur démesurée) ; le fichier ne peut pas être lu au-delà. "
                "Corrigez cette ligne puis relancez l'import.",
                str(exc),
            ) from exc
        record = _Record(base + consumed + 1, base + reader.line_num, cells)
        if record.last_line > record.first_line:
            span = "".join(lines[record.first_line - 1 : record.last_line])
            record.unclosed_quote = span.count('"') % 2 == 1
        out.append(record)
        consumed = reader.line_num
    return out


# --- Values ----------------------------------------------------------------------------

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
    key = _key(value)
    for prefix in ("orientation", "parcours", "accompagnement"):
        key = key.removeprefix(prefix)
    return _ORIENTATIONS.get(key)


def _paying_body(value: str) -> str | None:
    key = _key(value)
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
class _Row:
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


_ECHOED = 60  # a rejected value up to this long is shown back in the report
_CHOICES = ("civility", "paying_body", "orientation", "global_support")
_PLAIN_TEXT = frozenset(FIELD_LABELS) - {*DATE_FIELDS, *_CHOICES}  # taken as they are read


def _build_row(record: _Record, columns: _Columns, delimiter: str, today: date) -> _Row:
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
        elif name == "civility":
            civility = _CIVILITIES.get(_key(value))
            if civility:
                data.civility = civility
            else:
                problems[name] = f"Civilité « {value} » inconnue (M. ou Mme)."
        elif name == "paying_body":
            body = _paying_body(value)
            if body:
                data.paying_body = body
            else:
                problems[name] = f"Organisme payeur « {value} » inconnu (CAF ou MSA)."
        elif name == "orientation":
            orientation = _orientation(value)
            if orientation:
                data.orientation = orientation
            else:
                problems[name] = (
                    f"Orientation « {value} » inconnue (sociale, emploi ou socio-professionnelle)."
                )
        elif name == "global_support":
            key = _key(value)
            if key in _YES or key in _NO:
                data.global_support = key in _YES
            else:
                problems[name] = f"Accompagnement global « {value} » : indiquez oui ou non."
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
    return _Row(record.first_line, data, present, errors, number_ok)


_FIELD_ORDER = {name: n for n, name in enumerate(FIELD_LABELS)}


def _order(key: str) -> int:
    return _FIELD_ORDER.get(key, len(_FIELD_ORDER))


# --- Matching and writing --------------------------------------------------------------


def _richness(text: str) -> tuple[int, int, bool]:
    accents = sum(1 for c in text if not c.isascii())
    punctuation = sum(1 for c in text if not c.isalnum() and not c.isspace())
    return (accents, punctuation, not text.isupper())


def _same(name: str, old: Any, new: Any) -> bool:
    """Whether the file's value brings nothing new (an upper-case, unaccented spelling of a
    name already stored with its accents is not a change)."""
    if old == new:
        return True
    if old is None or new is None:
        return False
    if name in NAME_LIKE:
        return fold(old) == fold(new) and _richness(new) <= _richness(old)
    if name == "phone":
        return validation.compact(old) == validation.compact(new)
    if name == "email":
        return str(old).strip().lower() == str(new).strip().lower()
    return False


@dataclass
class _Index:
    """Existing beneficiaries, loaded in one query: number key and identity -> id."""

    by_number: dict[tuple[str, str], uuid.UUID]
    by_identity: dict[tuple[str, str, date], list[uuid.UUID]]
    key_of: dict[uuid.UUID, tuple[str, str | None]]  # id -> (paying body, number)
    anonymised: set[uuid.UUID]
    names: set[tuple[str, str]]  # folded (last name, first name)

    @classmethod
    def load(cls, s: Session) -> _Index:
        index = cls({}, {}, {}, set(), set())
        rows = s.execute(
            select(
                Beneficiary.id,
                Beneficiary.paying_body,
                Beneficiary.allocataire_number,
                Beneficiary.last_name,
                Beneficiary.first_name,
                Beneficiary.birth_date,
                Beneficiary.anonymised_at,
            )
        )
        for bid, body, number, last, first, born, anonymised_at in rows:
            index.key_of[bid] = (body, number)
            if number:
                index.by_number[(body, number)] = bid
            if anonymised_at is not None:
                index.anonymised.add(bid)
                continue
            name = (fold(last), fold(first))
            index.names.add(name)
            if born and all(name):
                index.by_identity.setdefault((*name, born), []).append(bid)
        return index


@dataclass
class _Plan:
    row: _Row
    action: str  # "create", "update" or "reject"
    target: uuid.UUID | None = None
    by_identity: bool = False
    reasons: list[str] = field(default_factory=list)
    possible_duplicate: bool = False


class _Importer:
    """Plans the lines in file order from one read snapshot; :attr:`writes` is what the
    import will write (``app.services.import_apply``), nothing is written here."""

    def __init__(self, db: Database, actor: Actor, report: ImportReport, file_name: str) -> None:
        self.db = db
        self.actor = actor
        self.report = report
        self.file_name = file_name
        self.writes = import_apply.Plan(file_name, report.lines_read)
        with db.read() as s:
            self.index = _Index.load(s)
        self.seen_numbers: dict[tuple[str, str], int] = {}
        self.seen_identities: dict[tuple[str, str, date], int] = {}
        self.touched: dict[uuid.UUID, int] = {}  # person -> the line of the file that set it

    def plan(self, row: _Row) -> _Plan:
        """Decide what one line does, from the database and the lines before it."""
        reasons = list(row.errors)
        number_key, identity = row.number_key, row.identity
        if number_key:
            if number_key in self.seen_numbers:
                reasons.append(
                    f"Numéro allocataire {number_key[1]} déjà présent ligne "
                    f"{self.seen_numbers[number_key]} du fichier."
                )
            else:
                self.seen_numbers[number_key] = row.line
        if identity:
            earlier = self.seen_identities.setdefault(identity, row.line)
            if not number_key and earlier != row.line:
                reasons.append(
                    f"Même nom, prénom et date de naissance que la ligne {earlier} du fichier "
                    "(sans numéro allocataire pour les distinguer)."
                )
        if reasons:
            return _Plan(row, "reject", reasons=reasons)
        index = self.index
        target, by_identity = None, False
        if number_key:
            target = index.by_number.get(number_key)
            if target is None and identity:
                # A person entered by hand without a number receives it.
                free = [b for b in index.by_identity.get(identity, []) if not index.key_of[b][1]]
                if len(free) == 1:
                    target, by_identity = free[0], True
        elif identity:
            candidates = index.by_identity.get(identity, [])
            if len(candidates) > 1:
                return self._reject(
                    row,
                    f"{len(candidates)} bénéficiaires portent déjà ces nom, prénom et date de "
                    "naissance : indiquez le numéro allocataire pour choisir.",
                )
            if candidates:
                target, by_identity = candidates[0], True
        if target is None:
            return self._plan_create(row)
        if target in index.anonymised:
            return self._reject(
                row,
                "Ce numéro allocataire correspond à une fiche anonymisée : "
                "voyez avec l'administrateur.",
            )
        if target in self.touched:
            return self._reject(
                row,
                f"Ce bénéficiaire est déjà mis à jour par la ligne {self.touched[target]} "
                "du fichier.",
            )
        old_key = index.key_of[target]
        body = row.data.paying_body if "paying_body" in row.present else old_key[0]
        new_key = (body, row.data.allocataire_number or old_key[1])
        if new_key != old_key and new_key[1]:
            other = index.by_number.get((new_key[0], new_key[1]))
            if other is not None and other != target:
                return self._reject(
                    row,
                    f"Le numéro allocataire {new_key[1]} ({new_key[0]}) est déjà attribué "
                    "à un autre bénéficiaire.",
                )
            if old_key[1]:
                index.by_number.pop((old_key[0], old_key[1]), None)
            index.by_number[(new_key[0], new_key[1])] = target
            index.key_of[target] = new_key
        self.touched[target] = row.line
        return _Plan(row, "update", target, by_identity)

    def _plan_create(self, row: _Row) -> _Plan:
        new_id = uuid.uuid4()
        if row.number_key:
            self.index.by_number[row.number_key] = new_id
        self.index.key_of[new_id] = (row.data.paying_body, row.data.allocataire_number or None)
        if row.identity:
            self.index.by_identity.setdefault(row.identity, []).append(new_id)
        name = (
            row.identity[:2]
            if row.identity
            else (fold(row.data.last_name), fold(row.data.first_name))
        )
        # Nothing tells this person from a namesake: created, but flagged in the report.
        unsure = not row.identity and not row.data.allocataire_number and name in self.index.names
        self.index.names.add(name)
        self.touched[new_id] = row.line
        return _Plan(row, "create", new_id, possible_duplicate=unsure)

    @staticmethod
    def _reject(row: _Row, reason: str) -> _Plan:
        return _Plan(row, "reject", reasons=[reason])

    def planned(
        self,
        parsed: _Parsed,
        progress: Callable[[int, int], None] | None,
        check_cancel: Callable[[], None],
    ) -> Iterator[list[import_apply.Creation | import_apply.Change]]:
        """Plan the file CHUNK lines at a time; yield what each chunk will write."""
        total = len(parsed.records)
        writes = self.writes
        for start in range(0, total, CHUNK):
            check_cancel()
            created, changed = len(writes.creations), len(writes.changes)
            self.run_chunk(parsed.rows(start, start + CHUNK))
            if progress is not None:
                progress(min(start + CHUNK, total), total)
            yield [*writes.creations[created:], *writes.changes[changed:]]

    def run_chunk(self, rows: list[_Row]) -> None:
        plans = [self.plan(row) for row in rows]
        ids = [p.target for p in plans if p.action == "update"]
        loaded: dict[uuid.UUID, Any] = {}
        if ids:  # a short read of its own: a long one would keep other stations from saving
            table = Beneficiary.__table__
            with self.db.read() as s:  # rows, not ORM objects: read as a Beneficiary is
                found = s.execute(select(table).where(table.c.id.in_(ids)))
                loaded = {b.id: b for b in found}
        for p in plans:
            if p.action == "reject":
                self.report.rejected.append(RejectedLine(p.row.line, " ".join(p.reasons)))
            elif p.action == "create":
                self._create(p)
            else:
                assert p.target is not None
                self._update(p, loaded[p.target])

    def _summary(self, last_name: str, first_name: str, line: int) -> str:
        name = f"{last_name.upper()} {first_name}".strip()
        return f"{name} — import « {self.file_name} », ligne {line}"

    def _create(self, p: _Plan) -> None:
        self.report.created += 1
        if not p.row.data.allocataire_number:
            self.report.created_without_number.append(p.row.line)
        if p.possible_duplicate:
            self.report.possible_duplicates.append(p.row.line)
        data = p.row.data
        values: dict[str, Any] = {"id": p.target}
        for name in COPIED_FIELDS:
            values[name] = stored_value(name, getattr(data, name))
        values |= _search_columns(values)
        values["created_by"] = values["updated_by"] = self.actor.login
        after = {
            k: audit.json_ready(v)
            for k, v in values.items()
            if k not in _NOT_AUDITED and v not in (None, "", False)
        }
        summary = self._summary(data.last_name, data.first_name, p.row.line)
        self.writes.creations.append(import_apply.Creation(p.row.line, values, summary, after))

    def _update(self, p: _Plan, b: Any) -> None:  # a beneficiary row
        data = p.row.data
        changed: dict[str, Any] = {}
        for name in p.row.present:
            new = getattr(data, name)
            if not _same(name, getattr(b, name), new):
                changed[name] = new
        if p.by_identity:
            self.report.matched_by_identity.append(p.row.line)
        elif _other_person(b, data, p.row.present):
            self.report.conflicts.append(
                IdentityConflict(
                    line_number=p.row.line,
                    beneficiary_id=b.id,
                    version_id=b.version_id,
                    number=f"{b.allocataire_number} ({b.paying_body})",
                    stored=_identity(b.last_name, b.first_name, b.birth_date),
                    incoming=_identity(
                        data.last_name or b.last_name,
                        data.first_name or b.first_name,
                        data.birth_date if "birth_date" in p.row.present else b.birth_date,
                    ),
                    data=data,
                    present=list(p.row.present),
                )
            )
            return
        if not changed:
            self.report.unchanged += 1
            return
        self.report.updated += 1
        stored = {name: getattr(b, name) for name in _SEARCH_SOURCES}
        values = changed | {
            k: v for k, v in _search_columns(stored | changed).items() if getattr(b, k) != v
        }
        values["updated_by"] = self.actor.login
        before = {name: getattr(b, name) for name in values}
        summary = self._summary(
            values.get("last_name", b.last_name), values.get("first_name", b.first_name), p.row.line
        )
        self.writes.changes.append(
            import_apply.Change(
                line=p.row.line,
                beneficiary_id=b.id,
                version_id=b.version_id,
                values=values,
                values_before=before,
                summary=summary,
                audit_before={k: audit.json_ready(getattr(b, k)) for k in changed},
                audit_after={k: audit.json_ready(v) for k, v in changed.items()},
            )
        )


def _other_person(b: Any, data: BeneficiaryInput, present: list[str]) -> bool:
    """Whether the file's line names someone else than the person holding its number: a
    different first name or birth date, or a last name that is neither the stored one nor
    the birth name (a change of married name alone is not another person)."""
    if "first_name" in present and fold(data.first_name) != fold(b.first_name):
        return True
    if "birth_date" in present and b.birth_date and data.birth_date != b.birth_date:
        return True
    known = {fold(b.last_name), fold(b.birth_name)} - {""}
    given = {fold(data.last_name), fold(data.birth_name)} - {""}
    return "last_name" in present and not (known & given)


def _identity(last_name: str, first_name: str, born: date | None) -> str:
    name = f"{last_name.upper()} {first_name}".strip()
    return (
        f"{name}, né(e) le {format_date(born)}" if born else f"{name} (date de naissance inconnue)"
    )


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


_NOT_AUDITED = {"search_text", "commune_key", "sort_name", "created_by", "updated_by"}
_SEARCH_SOURCES = (
    "last_name",
    "birth_name",
    "first_name",
    "commune",
    "postcode",
    "allocataire_number",
)


def _search_columns(values: dict[str, Any]) -> dict[str, str]:
    return search_columns(
        values["last_name"],
        values["birth_name"] or "",
        values["first_name"],
        values["commune"] or "",
        values["postcode"] or "",
        values["allocataire_number"],
    )


# --- Entry point -----------------------------------------------------------------------


@dataclass
class _Parsed:
    """The file read: its data records, made into rows as they are planned."""

    report: ImportReport
    records: list[_Record]
    columns: _Columns
    delimiter: str
    today: date

    def rows(self, start: int, stop: int) -> list[_Row]:
        return [
            _build_row(r, self.columns, self.delimiter, self.today)
            for r in self.records[start:stop]
        ]


def _parse(path: Path, dry_run: bool) -> _Parsed:
    name = path.name or str(path)
    raw = _read_bytes(path)
    if not raw.strip(b" \t\r\n\x1a"):
        raise _refuse(f"Le fichier « {name} » est vide.")
    text, encoding, notes = _decode(raw, name)
    lines = io.StringIO(text, newline="").readlines()
    if not any(line.strip() for line in lines):
        raise _refuse(f"Le fichier « {name} » est vide.")
    layout = _find_header(lines, name)
    columns = layout.columns
    records = _records(lines, layout, name)
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
    kept: list[_Record] = []
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
    return _Parsed(report, kept, columns, layout.delimiter, today)


CANCELLED = "Import annulé : aucune donnée du fichier n'a été enregistrée."


def _finish(s: Session, actor: Actor, report: ImportReport, writes: import_apply.Plan) -> None:
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
            import_apply.undo_abandoned(db)  # an import a crash cut off, on any station
        # Planned in short reads, without holding the base, while the chunks planned are
        # being written (each chunk checks again that its people did not change meanwhile).
        importer = _Importer(db, actor, report, report.file_name)
        work = importer.planned(parsed, progress, check_cancel)
        if dry_run:
            for _ in work:
                pass
        else:
            import_apply.apply(
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
