"""Checks of identifiers and fields, each returning a French message or raising.

IBAN: ISO 13616 (mod 97 = 1), a country of the SWIFT IBAN Registry with its length, and for
French IBANs the RIB key.
Texts: no control or bidirectional-override character, and a maximum length per field.
NIR: python-stdnum's ``stdnum.fr.nir`` (15 characters, key = 97 - (first 13 digits mod 97),
Corsica 2A -> 19, 2B -> 18), plus the sex digit and a possible month.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, datetime

from app.services import clock

CAF_DIGITS = 7  # default of the caf_number_digits setting (assumption of domain.md §3)
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# Longest text each field may hold. Single-line fields follow their column (String(n) of
# app/models); Text columns get a bound that a real text never reaches.
NAME_MAX = 100  # last, birth and first names of a person and of a household member
ADDRESS_LINE_MAX = 200  # beneficiary.address_line1 / address_line2
COMMUNE_MAX = 120
PHONE_MAX = 30
EMAIL_MAX = 200
LABEL_MAX = 200  # employer, job title, third party, département, signing authority
ADDRESS_MAX = 300  # Text addresses: the employer's, the département's letterhead
CITY_MAX = 120  # the signing city, as a commune
LINE_MAX = 300  # a one-line mention of the letters (delegation), as signer_capacity
PARTICIPANTS_MAX = 500  # meeting.participants (Text, one line in the form)
MOTIVATION_MAX = 5_000  # decision.motivation, override_motivation, observations grounds
MEETING_TEXT_MAX = 5_000  # meeting.job_situation, notes, next_steps
NOTES_MAX = 10_000  # beneficiary.notes and case.notes, kept and added to over the months
LEGAL_TEXT_MAX = 5_000  # legal basis and appeal routes printed on every decision
TEMPLATE_MAX = 20_000  # one editable letter body
PATH_MAX = 1_000  # logo path, time-stamping server address
CERTIFICATES_MAX = 500_000  # PEM bundle of the trusted signing authorities

# Invisible characters that reorder the text shown (a name displayed « reversed »).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\n\r\t\u2028\u2029")


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def text_error(value: str, label: str, max_length: int, *, multiline: bool = False) -> str | None:
    """None when ``value`` fits the field ``label``, else why not (in French).

    Refuses control characters (category Cc: NUL, escape…) and the bidirectional overrides
    and isolates (U+202A–U+202E, U+2066–U+2069); line breaks (U+2028 and U+2029 included)
    and tabs only in a multiline field. The length is counted without the surrounding
    blanks, which are not stored."""
    text = value or ""
    if text.isprintable() and len(text) <= max_length:  # no Cc, no bidi control (Cf)
        return None
    for char in text:
        if char in _LINE_BREAKS:
            if multiline:
                continue
            return (
                f"Le champ « {label} » tient sur une seule ligne : retirez les retours à la "
                "ligne et les tabulations."
            )
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            return (
                f"Le champ « {label} » contient un caractère invisible interdit "
                f"(U+{ord(char):04X}), souvent venu d'un copier-coller : retapez ce texte."
            )
    length = len(text.strip())
    if length > max_length:
        return (
            f"Le champ « {label} » dépasse {_grouped(max_length)} caractères "
            f"(ici {_grouped(length)})."
        )
    return None


def compact(text: str | None) -> str:
    return re.sub(r"[\s.\-]", "", text or "").upper()


def iban_registry_length(country: str) -> int | None:
    """The length of a country's IBAN in the SWIFT registry (python-stdnum's copy of it),
    None for a code the registry does not know."""
    from stdnum import numdb

    found = numdb.get("iban").info(country)
    structure = found[0][1].get("bban") if found and found[0][1] else None
    if structure is None:
        return None
    return 4 + sum(int(n) for n in re.findall(r"(\d+)!?[nac]", structure))


def iban_country_error(country: str) -> str | None:
    """None when the SWIFT registry knows ``country`` (the IBAN's first two letters)."""
    if iban_registry_length(country) is not None:
        return None
    return (
        f"Le code pays « {country} » de l'IBAN est inconnu : vérifiez ses deux premières lettres."
    )


def iban_error(value: str) -> str | None:
    """None when the IBAN is valid, else why not (in French). The registry's structure and
    the checks come from python-stdnum (``stdnum.iban``); the French RIB key is ours."""
    from stdnum import iban as stdnum_iban
    from stdnum.exceptions import InvalidComponent
    from stdnum.exceptions import ValidationError as Invalid

    iban = compact(value)
    if not iban:
        return "L'IBAN est vide."
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return "L'IBAN doit commencer par deux lettres de pays et deux chiffres de contrôle."
    country = iban[:2]
    expected = iban_registry_length(country)
    if expected is None:
        return iban_country_error(country)
    if len(iban) != expected:
        return f"Un IBAN {country} compte {expected} caractères (ici {len(iban)})."
    try:
        stdnum_iban.mod_97_10.validate(iban[4:] + iban[:4])
    except Invalid:
        return "L'IBAN est erroné (clé de contrôle incorrecte) : vérifiez chaque caractère."
    try:
        stdnum_iban.validate(iban, check_country=False)  # the registry's structure
        national = stdnum_iban.get_cc_module(country, "iban")
        if national is not None:
            # The country's own check digits; a bank missing from the library's list of
            # that country's banks (InvalidComponent) is not a wrong IBAN.
            with contextlib.suppress(InvalidComponent):
                national.validate(iban)
    except Invalid:
        return (
            f"L'IBAN n'a pas la forme d'un IBAN {country} (banque, guichet, compte ou clé "
            "nationale) : vérifiez-le sur le RIB."
        )
    if country == "FR" and not rib_key_ok(iban[4:]):
        return "L'IBAN est erroné (clé RIB incorrecte) : vérifiez le RIB."
    return None


def bic_error(value: str) -> str | None:
    """None when the BIC (SWIFT code) is well formed (``stdnum.bic``), else why not."""
    from stdnum import bic
    from stdnum.exceptions import ValidationError as Invalid

    try:
        bic.validate(value)
    except Invalid:
        return "Un BIC compte 8 ou 11 caractères (banque, pays, lieu), par exemple AGRIFRPP."
    return None


def rib_key_ok(bban: str) -> bool:
    """French BBAN: bank (5) branch (5) account (11, letters allowed) key (2)."""
    if not re.fullmatch(r"\d{5}\d{5}[A-Z0-9]{11}\d{2}", bban):
        return False
    bank, branch = int(bban[:5]), int(bban[5:10])
    account = int(bban[10:21].translate(_RIB_LETTERS))
    key = int(bban[21:])
    return 97 - ((89 * bank + 15 * branch + 3 * account) % 97) == key


def format_iban(value: str) -> str:
    iban = compact(value)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def nir_error(value: str) -> str | None:
    """The NIR's format and key through ``stdnum.fr.nir`` (Corsica 2A and 2B included), then
    what it cannot know: the first digit (sex) and a possible month of birth."""
    from stdnum import exceptions
    from stdnum.fr import nir as stdnum_nir

    length_message = (
        "Le NIR doit compter 15 caractères : sexe, année, mois, département, commune, ordre et clé."
    )
    try:
        number = stdnum_nir.validate(compact(value))
    except exceptions.InvalidChecksum:
        return "Le NIR est erroné (clé de contrôle incorrecte)."
    except exceptions.ValidationError:
        return length_message
    if number[0] not in "123478":
        return length_message
    month = int(number[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return "Le NIR est erroné (mois de naissance impossible)."
    return None


def allocataire_error(value: str, paying_body: str = "CAF", digits: int = CAF_DIGITS) -> str | None:
    number = compact(value)
    if paying_body == "CAF":
        if not re.fullmatch(rf"\d{{{digits}}}", number):
            return f"Le numéro allocataire CAF compte {digits} chiffres."
    elif not re.fullmatch(r"\d{1,13}", number):
        return "Le numéro MSA ne doit contenir que des chiffres (13 au plus)."
    return None


def postcode_error(value: str) -> str | None:
    if not re.fullmatch(r"\d{5}", value.strip()):
        return "Le code postal compte 5 chiffres."
    return None


def phone_error(value: str) -> str | None:
    digits = compact(value).replace("(0)", "")
    if re.fullmatch(r"0[1-9]\d{8}", digits) or re.fullmatch(r"\+\d{8,15}", digits):
        return None
    return "Le numéro de téléphone doit compter 10 chiffres (ou commencer par +)."


def email_error(value: str) -> str | None:
    return None if _EMAIL.match(value.strip()) else "L'adresse e-mail n'est pas valide."


_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> date:
    """'dd/mm/yyyy' (also '-' or '.', and ISO 'yyyy-mm-dd'); raises ValueError in French."""
    raw = text.strip()
    dmy, iso = _DMY.fullmatch(raw), _ISO.fullmatch(raw)
    if dmy or iso:  # without strptime: 40 µs a date, a lot in a 50 000-line import
        day, month, year = (dmy[1], dmy[3], dmy[4]) if dmy else (iso[3], iso[2], iso[1])  # type: ignore[index]
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"La date « {raw} » n'existe pas dans le calendrier.") from None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", raw):
        raise ValueError(f"La date « {raw} » n'existe pas dans le calendrier.")
    raise ValueError(f"La date « {raw} » n'est pas au format jj/mm/aaaa.")


def parse_month(text: str) -> date:
    """« 2026-03 » or « 03/2026 » as the month's first day; raises ValueError in French."""
    raw = text.strip()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", raw) or re.fullmatch(r"(\d{1,2})/(\d{4})", raw)
    if found:
        a, b = found.groups()
        year, number = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
        if 1 <= number <= 12:
            return date(year, number, 1)
    raise ValueError(f"Mois « {raw} » invalide : écrivez MM/AAAA, par exemple 05/2026.")


def birth_date_error(value: date, today: date | None = None) -> str | None:
    today = today or clock.today()
    if value > today:
        return "La date de naissance est dans le futur."
    if value.year < 1900:
        return "La date de naissance est trop ancienne."
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < 16:
        return "Le bénéficiaire doit avoir au moins 16 ans."
    return None


MOTIVATION_WORDS = 4  # a motivation states facts and rules in words, not 30 dots


def motivation_error(text: str, minimum: int) -> str | None:
    """Why ``text`` cannot motivate a decision (or None): too short, or not made of words."""
    text = (text or "").strip()
    words = re.findall(r"[^\W\d_]{2,}", text)
    if len(text) < minimum or len(words) < MOTIVATION_WORDS:
        return (
            "La motivation est obligatoire : exposez les faits et les règles qui fondent la "
            f"décision, en toutes lettres ({minimum} caractères au moins)."
        )
    return None
