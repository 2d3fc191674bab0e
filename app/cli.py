"""Command line: the GUI by default, and the administrators' commands.

The names and options here are a public interface: keep them stable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app import APP_NAME, __version__
from app.services.errors import UserFacingError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pack-sortie",
        description=f"{APP_NAME} {__version__} — suivi du Pack sortie RSA. "
        "Sans commande : ouvre l'application.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--db", help="base de données à ouvrir (fichier SQLite ou URL PostgreSQL)")
    parser.add_argument("--verbose", action="store_true", help="journal détaillé")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")

    demo = sub.add_parser("demo", help="créer une base de démonstration fictive")
    demo.add_argument("--db", required=True, help="fichier SQLite à créer")
    demo.add_argument("--beneficiaries", type=int, default=30_000, help="nombre (30 000)")
    demo.add_argument("--seed", type=int, default=2017, help="graine aléatoire (reproductible)")
    demo.add_argument("--force", action="store_true", help="remplacer le fichier s'il existe")

    imp = sub.add_parser("import-beneficiaries", help="importer des bénéficiaires (CSV)")
    imp.add_argument("--db", required=True, help="base de données")
    imp.add_argument("file", help="fichier CSV (UTF-8 ou Windows-1252, ';' ou ',')")
    imp.add_argument("--dry-run", action="store_true", help="contrôler sans rien enregistrer")

    check = sub.add_parser(
        "check",
        help="contrôler une base (intégrité, identité, schéma)",
        description="Contrôle sans modification. Code de sortie : 0 base saine, "
        "1 problème détecté, 2 pas une base Pack Sortie ou illisible.",
    )
    check.add_argument("--db", required=True, help="base de données à contrôler")

    export = sub.add_parser(
        "export-cases",
        help="exporter tous les dossiers (JSON ou CSV) pour analyse",
        description="Écrit chaque dossier avec l'identifiant du bénéficiaire, la version du "
        "barème, les aides, les échéances (mois, montant, statut, bénéficiaire du paiement), "
        "les décisions (numéro, date, nature, motivation), l'état et les dates.",
    )
    export.add_argument("--db", required=True, help="base de données")
    export.add_argument("--format", choices=["json", "csv"], default="json", help="json (défaut)")
    export.add_argument("--out", help="fichier à écrire (par défaut : sortie standard)")

    sub.add_parser(
        "self-test",
        help="vérifier l'installation (base d'essai temporaire, interface)",
        description="Vérifie cette installation de bout en bout dans un dossier temporaire, "
        "sans toucher aux données. Code de sortie : 0 tout est OK, 1 une étape a échoué.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.logs import setup_logging

    setup_logging(verbose=args.verbose, to_stderr=args.command is not None)
    if args.command is None:
        from app.ui.application import run_gui

        return run_gui(args.db)
    handler = COMMANDS[args.command]
    try:
        return handler(args)
    except UserFacingError as exc:
        log.warning("%s failed: %s %s", args.command, exc, exc.detail)
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


def _demo(args: argparse.Namespace) -> int:
    from app.services.demo import build_demo

    path = Path(args.db)
    if path.exists() and not args.force:
        print(
            f"Erreur : « {path} » existe déjà (utilisez --force pour le remplacer).",
            file=sys.stderr,
        )
        return 2
    summary = build_demo(path, beneficiaries=args.beneficiaries, seed=args.seed, replace=args.force)
    print(summary)
    return 0


def _import(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.importer import import_file
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        report = import_file(db, current_actor(db), Path(args.file), dry_run=args.dry_run)
    finally:
        db.dispose()
    print(report.as_text())
    return 0


def _check(args: argparse.Namespace) -> int:
    from app.services.integrity import check_database

    report = check_database(args.db)
    print(report.as_text())
    return report.exit_code


def _export_cases(args: argparse.Namespace) -> int:
    import tempfile

    from app.services.case_export import export_cases
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        if args.out:
            count = export_cases(db, Path(args.out), args.format)
            print(f"{count} dossier(s) exporté(s) dans {args.out}", file=sys.stderr)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"dossiers.{args.format}"
            export_cases(db, out, args.format)
            sys.stdout.write(out.read_text(encoding="utf-8-sig"))
        return 0
    finally:
        db.dispose()


def _self_test(args: argparse.Namespace) -> int:
    from app.services.selftest import run_self_test

    return run_self_test()


COMMANDS = {
    "demo": _demo,
    "import-beneficiaries": _import,
    "check": _check,
    "export-cases": _export_cases,
    "self-test": _self_test,
}
