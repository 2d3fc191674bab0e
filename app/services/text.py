"""Text folding for accent- and case-insensitive search, and French formatting."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


# ASCII text (most names and communes of an extract) skips the Unicode decomposition.
_ASCII_FOLD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


@lru_cache(maxsize=65_536)  # an import folds the same first names and communes again and again
def fold(text: str | None) -> str:
    """Lower-case, strip accents, punctuation to spaces: 'Hélène-Œuvre' -> 'helene oeuvre'."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = "".join(c if c.isalnum() else " " for c in text)
    return _SPACES.sub(" ", text).strip()


def search_terms(query: str) -> list[str]:
    """The folded words of a search box entry; digits keep their spaces removed."""
    return fold(query).split()


MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


MONTHS_SHORT_FR = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_month(value: date) -> str:
    """date(2018, 3, 1) -> 'mars 2018'."""
    return f"{MONTHS_FR[value.month - 1]} {value.year}"


def format_long_date(value: date) -> str:
    """date(2018, 3, 1) -> '1er mars 2018', as letters are dated."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def format_cents(cents: int | None) -> str:
    """1350_00 -> '1 350,00 €' (narrow no-break space as thousands separator)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def parse_amount_cents(text: str) -> int:
    """'1 350,00 €' or '1350.5' -> cents; raises ValueError on anything else."""
    cleaned = text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", cleaned):
        raise ValueError(text)
    return int((Decimal(cleaned) * 100).to_integral_value())
