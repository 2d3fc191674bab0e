"""The report of a retention purge or of its dry run, kept by the administrator."""

from __future__ import annotations

import os
from pathlib import Path

from app.services import clock
from app.services.retention_plan import PurgeError, PurgePlan
from app.services.storage import Database
from app.services.text import format_date


def report_text(plan: PurgePlan, *, done: bool, backup: Path | None = None) -> str:
    """The report the administrator keeps. The dry run names the people (to check the list
    before); the purge's own report gives their ids only (their names are gone)."""
    title = "Purge des données personnelles" if done else "Simulation de purge (rien n'est modifié)"
    lines = [
        f"{title} — {format_date(plan.today)}",
        f"Règle : anonymiser les personnes sans contact depuis {plan.retention_years} an(s), "
        f"soit dont le dernier contact est antérieur au {format_date(plan.cutoff)} "
        "(dernier entretien, décision, échéance ou modification), sans dossier ni paiement "
        "en cours.",
        f"Personnes {'anonymisées' if done else 'à anonymiser'} : {len(plan.candidates)}",
        f"Personnes anciennes gardées (dossier ou paiement en cours) : {plan.kept_open}",
        f"{plan.letters_text} ({plan.documents} courrier(s)).",
        "Effacés : noms, date de naissance (l'année est gardée), adresse, téléphone, courriel, "
        "n° allocataire, NIR, IBAN, foyer, employeur, comptes rendus d'entretien, motivations "
        "et notes. Gardés : décisions (nature, numéro, dates), montants, échéances, bureau, "
        "issue du dossier.",
    ]
    if backup is not None:
        lines.append(f"Sauvegarde faite avant la purge : {backup}")
    lines.append("")
    if done:
        lines.append("Identifiant\tDossiers\tMotif")
        lines += [f"{c.id}\t{', '.join(c.cases) or '—'}\t{c.reason}" for c in plan.candidates]
    else:
        lines.append("Personne\tN° allocataire\tIdentifiant\tDossiers\tMotif")
        lines += [
            f"{c.name}\t{c.allocataire or '—'}\t{c.id}\t{', '.join(c.cases) or '—'}\t{c.reason}"
            for c in plan.candidates
        ]
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".partiel")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PurgeError(
            f"Impossible d'écrire le rapport « {path} » (dossier, droits, disque plein ?).",
            detail=str(exc),
        ) from exc
    return path


def default_report_path(db: Database, *, done: bool) -> Path:
    """Beside the base, in its « purges » folder (the administrator keeps them)."""
    base = db.path or Path.cwd() / "pack-sortie"
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kind = "purge" if done else "simulation"
    return base.parent / "purges" / f"{base.stem}-{kind}-{stamp}.txt"
