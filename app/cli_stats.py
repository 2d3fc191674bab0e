"""The evaluation commands: ``stats`` (the figures of a year or a period, JSON or CSV on
the standard output) and ``open-data`` (the yearly figures per office, masked, as a CSV
ready to publish). See app.services.evaluation and README.md « Chiffres de l'évaluation »."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.services import clock
from app.services.errors import UserFacingError

if TYPE_CHECKING:
    from app.services.evaluation_types import Period, Scope
    from app.services.storage import Database


def year(text: str) -> int:
    """An argparse type: a year written with four digits."""
    if not (text.strip().isdigit() and len(text.strip()) == 4):
        raise argparse.ArgumentTypeError(f"Année « {text} » invalide : écrivez AAAA, ex. 2019.")
    return int(text)


def add_parsers(sub: argparse._SubParsersAction, day: object) -> None:
    stats = sub.add_parser(
        "stats",
        help="chiffres de l'évaluation d'une année ou d'une période",
        description="Personnes aidées (objectif), demandes, accords, refus, sorties, "
        "enveloppe, délais de décision, usage par les professionnels et économie estimée. "
        "Sans --year ni --from/--to : l'année en cours.",
    )
    stats.add_argument("--db", required=True, help="base de données")
    when = stats.add_mutually_exclusive_group()
    when.add_argument("--year", type=year, metavar="AAAA", help="année civile")
    when.add_argument(
        "--from", dest="start", type=day, metavar="JJ/MM/AAAA", help="premier jour (inclus)"
    )
    stats.add_argument("--to", dest="end", type=day, metavar="JJ/MM/AAAA", help="dernier jour")
    stats.add_argument("--office", help="un seul bureau (nom ou identifiant)")
    stats.add_argument("--format", choices=["json", "csv"], default="json", help="json (défaut)")
    data = sub.add_parser(
        "open-data",
        help="chiffres annuels par bureau, à publier (CSV sans donnée personnelle)",
        description="Une ligne par bureau ; les effectifs de 1 à 4 sont remplacés par "
        "« < 5 », le montant des aides quand moins de 5 personnes ont été aidées et le "
        "délai médian quand moins de 5 demandes ont été décidées.",
    )
    data.add_argument("--db", required=True, help="base de données")
    data.add_argument("--year", required=True, type=year, metavar="AAAA", help="année civile")
    data.add_argument("--out", required=True, help="fichier CSV à écrire")


def _period(args: argparse.Namespace) -> Period:
    from app.services.evaluation_types import Period

    if args.end is not None and args.start is None:
        raise UserFacingError("--to s'emploie avec --from (la période du … au …).")
    if args.start is not None:
        if args.end is None:
            raise UserFacingError("--from s'emploie avec --to (la période du … au …).")
        return Period(args.start, args.end)
    return Period.year(args.year if args.year is not None else clock.today().year)


def _scope(db: Database, office: str | None) -> Scope:
    from app.services.evaluation import Scope, find_office

    if not office:
        return Scope()
    try:
        found = find_office(db, office)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from exc
    if found is None:
        raise UserFacingError(f"Aucun bureau « {office} » dans cette base.")
    return Scope.office(found.id)


def _refuse_damaged(db: Database) -> bool:
    if db.damage:
        print(
            "Erreur : la base est endommagée, les chiffres seraient faux. Restaurez la "
            f"dernière sauvegarde (commande restore). Détail : {db.damage}",
            file=sys.stderr,
        )
    return bool(db.damage)


def stats(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.evaluation import evaluate
    from app.services.evaluation_output import as_csv, as_json
    from app.services.schema import open_database

    period = _period(args)  # bad dates are refused before the base is opened
    db = open_database(args.db)
    try:
        if _refuse_damaged(db):
            return 1
        figures = evaluate(db, current_actor(db), period, _scope(db, args.office))
    finally:
        db.dispose()
    sys.stdout.write(as_csv(figures) if args.format == "csv" else as_json(figures) + "\n")
    return 0


def open_data(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.evaluation_output import OPEN_DATA_NOTE, write_open_data
    from app.services.evaluation_types import Period
    from app.services.schema import open_database

    Period.year(args.year)  # refuses a year out of range before the base is opened
    db = open_database(args.db)
    try:
        if _refuse_damaged(db):
            return 1
        count = write_open_data(db, current_actor(db), args.year, Path(args.out))
    finally:
        db.dispose()
    print(f"{count} bureau(x) écrit(s) dans {args.out}. {OPEN_DATA_NOTE}")
    return 0
