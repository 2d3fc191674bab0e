"""The personal-data commands (RGPD): ``purge`` (retention: anonymise the people without
contact for ``retention_years``, dry run first) and ``export-person`` (right of access: all
that is held on one person, as PDF and JSON). See app.services.retention and
app.services.person_export."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def add_parsers(sub: argparse._SubParsersAction, day: object) -> None:
    purge = sub.add_parser(
        "purge",
        help="anonymiser les personnes sans contact depuis la durée de conservation",
        description="Avec --dry-run, écrit seulement le rapport de ceux qui seraient "
        "anonymisés et pourquoi. Sans --dry-run, sauvegarde d'abord la base, puis anonymise "
        "tout en une seule transaction (administrateurs seulement). Code de sortie : 0 fait, "
        "2 erreur.",
    )
    purge.add_argument("--db", required=True, help="base de données")
    purge.add_argument("--dry-run", action="store_true", help="simuler : ne rien modifier")
    purge.add_argument(
        "--report", help="rapport à écrire (par défaut : dossier « purges » à côté de la base)"
    )
    purge.add_argument(
        "--as-of", type=day, metavar="JJ/MM/AAAA", help="date du jour (par défaut : aujourd'hui)"
    )
    export = sub.add_parser(
        "export-person",
        help="droit d'accès : tout ce qui est détenu sur une personne (PDF et JSON)",
        description="Écrit un PDF lisible (identité, foyer, dossiers, décisions et leur "
        "motivation, échéances, entretiens, courriers, accès au dossier) et le même contenu "
        "en JSON à côté (même nom, extension .json). La personne est désignée par son n° "
        "allocataire, la référence d'un de ses dossiers (DOS-…), un n° de décision (PSR-…) "
        "ou son identifiant.",
    )
    export.add_argument("--db", required=True, help="base de données")
    export.add_argument(
        "--beneficiary",
        required=True,
        metavar="REF",
        help="n° allocataire, référence de dossier, n° de décision ou identifiant",
    )
    export.add_argument("--out", required=True, help="fichier PDF à écrire")


def purge(args: argparse.Namespace) -> int:
    from app.services import retention
    from app.services.actor import current_actor
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        if db.damage:
            print(
                "Erreur : la base est endommagée ; restaurez la dernière sauvegarde avant de "
                f"purger. Détail : {db.damage}",
                file=sys.stderr,
            )
            return 2
        actor = current_actor(db)
        target = Path(args.report) if args.report else None
        if args.dry_run:
            plan = retention.plan_purge(db, actor, args.as_of)
            text = retention.report_text(plan, done=False)
            path = retention.write_report(
                target or retention.default_report_path(db, done=False), text
            )
            print(
                f"{len(plan.candidates)} personne(s) à anonymiser. {plan.letters_text}. "
                f"Rapport : {path}"
            )
            return 0
        result = retention.purge(db, actor, today=args.as_of)
        text = retention.report_text(result.plan, done=True, backup=result.backup)
        if result.deleted_files:
            text += "\nCourriers supprimés :\n" + "\n".join(result.deleted_files) + "\n"
        path = retention.write_report(target or retention.default_report_path(db, done=True), text)
        print(
            f"{len(result.plan.candidates)} personne(s) anonymisée(s). "
            f"{result.plan.letters_text}. Sauvegarde : {result.backup or 'aucune'}. "
            f"Rapport : {path}"
        )
        return 0
    finally:
        db.dispose()


def export_person(args: argparse.Namespace) -> int:
    from app.services import person_export
    from app.services.actor import current_actor
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        actor = current_actor(db)
        person = person_export.find_person(db, args.beneficiary)
        pdf, json_path = person_export.export_person(db, actor, person, Path(args.out))
    finally:
        db.dispose()
    print(f"Droit d'accès : {pdf} et {json_path}")
    return 0
