"""What an import tells the user: its counts, rejected lines, identity conflicts and
the French text of its report; the errors that stop it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.services.beneficiaries import (
    BeneficiaryInput,
)
from app.services.errors import UserFacingError

MAX_LISTED = 60  # informative line lists are cut after this many ranges (never the rejects)
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
