"""Checks of identifiers and fields, each returning a French message or raising.

IBAN: ISO 13616 (mod 97 = 1) and, for French IBANs, length 27 and the RIB key.
NIR: 15 characters, key = 97 - (first 13 digits mod 97), Corsica 2A -> 19, 2B -> 18.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from app.services import clock

CAF_DIGITS = 7  # default of the caf_number_digits setting (assumption of domain.md §3)
IBAN_LENGTHS = {
    "FR": 27,
    "MC": 27,
    "DE": 22,
    "BE": 16,
    "ES": 24,
    "IT": 27,
    "LU": 20,
    "PT": 25,
    "NL": 18,
    "CH": 21,
    "GB": 22,
}
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def compact(text: str | None) -> str:
    return re.sub(r"[\s.\-]", "", text or "").upper()


def iban_error(value: str) -> str | None:
    """None when the IBAN is valid, else why not (in French)."""
    iban = compact(value)
    if not iban:
        return "L'IBAN est vide."
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return "L'IBAN doit commencer par deux lettres de pays et deux chiffres de contrôle."
    country = iban[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected and len(iban) != expected:
        return f"Un IBAN {country} compte {expected} caractères (ici {len(iban)})."
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    if int(digits) % 97 != 1:
        return "L'IBAN est erroné (clé de contrôle incorrecte) : vérifiez chaque caractère."
    if country == "FR" and not rib_key_ok(iban[4:]):
        return "L'IBAN est erroné (clé RIB incorrecte) : vérifiez le RIB."
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
    nir = compact(value)
    if not re.fullmatch(r"[1-478]\d{4}(\d{2}|2A|2B)\d{6}\d{2}", nir):
        return (
            "Le NIR doit compter 15 caractères : sexe, année, mois, département, "
            "commune, ordre et clé."
        )
    body = nir[:13].replace("2A", "19").replace("2B", "18")
    key = 97 - int(body) % 97
    if key != int(nir[13:]):
        return "Le NIR est erroné (clé de contrôle incorrecte)."
    month = int(nir[3:5])
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


def parse_date(text: str) -> date:
    """'dd/mm/yyyy' (also '-' or '.', and ISO 'yyyy-mm-dd'); raises ValueError in French."""
    raw = text.strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", raw):
        raise ValueError(f"La date « {raw} » n'existe pas dans le calendrier.")
    raise ValueError(f"La date « {raw} » n'est pas au format jj/mm/aaaa.")


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
