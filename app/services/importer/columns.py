"""Which column of an extract is which field: the French labels, the usual ways of
writing each column's title, and the mapping of a header line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.services.text import fold

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
def folded_key(text: str) -> str:
    return fold(text).replace(" ", "")


def field_for_header(name: str) -> str | None:
    """The BeneficiaryInput field a header names, or None ('Né(e) le' -> 'birth_date')."""
    for candidate in (name, _PARENTHESES.sub(" ", name)):
        key = folded_key(candidate)
        for variant in (key, *(key.removesuffix(s) for s in _SUFFIXES if key.endswith(s))):
            if variant in _FIELD_BY_KEY:
                return _FIELD_BY_KEY[variant]
    return None


@dataclass
class Columns:
    header: list[str]
    fields: dict[int, str]  # column index -> BeneficiaryInput field, in column order
    ignored: list[int]

    @property
    def missing(self) -> list[str]:
        return [f for f in REQUIRED if f not in self.fields.values()]


def map_columns(cells: list[str]) -> Columns:
    header = [c.strip().lstrip("\ufeff").strip() for c in cells]
    fields: dict[int, str] = {}
    family: list[int] = []
    ignored: list[int] = []
    for i, name in enumerate(header):
        if not name:
            continue
        if folded_key(name) in _FAMILY_NAME_KEYS:
            family.append(i)
        elif found := field_for_header(name):
            fields[i] = found
        else:
            ignored.append(i)
    for i in family:
        fields[i] = "birth_name" if "last_name" in fields.values() else "last_name"
    return Columns(header, dict(sorted(fields.items())), ignored)
