"""The payment commands: ``payment-batch`` (create and export a batch) and
``payment-confirm`` (paid on a date, some transfers rejected). See app.services.payments."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.services import clock


def month(text: str) -> date:
    """An argparse type: « 2026-03 » or « 03/2026 », as the month's first day."""
    from app.services.validation import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_parsers(sub: argparse._SubParsersAction, day: object) -> None:
    batch = sub.add_parser("payment-batch", help="créer et exporter un lot de paiement")
    batch.add_argument("--db", required=True, help="base de données")
    batch.add_argument(
        "--until", type=month, metavar="AAAA-MM", help="dernier mois payé (par défaut : ce mois-ci)"
    )
    batch.add_argument("--out", required=True, help="fichier CSV pour le logiciel financier")
    batch.add_argument("--sepa", help="fichier de virements SEPA (pain.001.001.03) à écrire aussi")
    confirm = sub.add_parser("payment-confirm", help="confirmer le paiement d'un lot")
    confirm.add_argument("--db", required=True, help="base de données")
    confirm.add_argument("--batch", required=True, help="numéro du lot (PAI-AAAA-NNN)")
    confirm.add_argument(
        "--paid-on",
        type=day,
        metavar="JJ/MM/AAAA",
        help="date du paiement (par défaut : aujourd'hui)",
    )
    confirm.add_argument(
        "--rejected", help="CSV des virements rejetés (colonnes « Référence » et « Motif »)"
    )


def payment_batch(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.payment_export import export_batch
    from app.services.payments import NothingDue, create_batch
    from app.services.schema import open_database

    until = args.until or clock.today().replace(day=1)
    db = open_database(args.db)
    try:
        actor = current_actor(db)
        try:
            info = create_batch(db, actor, until)
        except NothingDue as exc:
            print(exc.message)
            return 1
        path = export_batch(db, actor, info.number, Path(args.out))
        print(info.number)
        print(f"{len(info.transfers)} virement(s) exporté(s) dans {path}")
        if args.sepa:
            from app.services.payment_sepa import export_sepa

            print(f"Fichier SEPA : {export_sepa(db, actor, info.number, Path(args.sepa))}")
        for left in info.excluded:
            print(f"Écartée : {left.case_reference} — {left.payee_name} : {left.reason}")
    finally:
        db.dispose()
    return 0


def payment_confirm(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.payment_export import read_rejections
    from app.services.payments import confirm_batch
    from app.services.schema import open_database

    rejected = read_rejections(Path(args.rejected)) if args.rejected else []
    db = open_database(args.db)
    try:
        paid, refused = confirm_batch(
            db, current_actor(db), args.batch, args.paid_on or clock.today(), rejected
        )
    finally:
        db.dispose()
    print(f"Lot {args.batch.strip()} : {paid} virement(s) payé(s), {refused} à régulariser.")
    return 0
