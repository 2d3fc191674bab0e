"""The département server's commands: moving an office's base onto it, and its demo.

python main.py move-to-server --db office.sqlite --to postgresql+psycopg://… [--archive DIR]
python main.py demo --db postgresql+psycopg://… (see app/cli.py)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from app.services.errors import UserFacingError


def is_server_url(location: str) -> bool:
    return "://" in location and not location.startswith("file:")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    move = sub.add_parser(
        "move-to-server",
        help="transférer la base d'un bureau sur le serveur PostgreSQL du Département",
        description="Copie toute la base (mêmes identifiants, historique, journal des accès) "
        "dans une base neuve du serveur, en une transaction, et ses documents archivés dans "
        "le dossier partagé du serveur ; compare ensuite les deux bases (lignes de chaque "
        "table, sommes des montants, empreintes SHA-256 des documents) et le dit. Refusé si "
        "la base du serveur contient déjà des données. Code de sortie : 0 transfert vérifié, "
        "1 écart trouvé à la vérification, 2 transfert refusé ou impossible (rien copié).",
    )
    move.add_argument("--db", required=True, help="base SQLite du bureau")
    move.add_argument(
        "--to", required=True, help="URL de la base du serveur (postgresql+psycopg://…)"
    )
    move.add_argument(
        "--archive",
        help="dossier partagé du serveur qui reçoit les documents archivés (chemin UNC)",
    )
    move.set_defaults(handler=move_to_server)


def move_to_server(args: argparse.Namespace) -> int:
    from app.services.schema import open_server, open_sqlite
    from app.services.server_move import MoveRefused, move_to_server

    if not is_server_url(args.to):
        raise MoveRefused("--to doit être l'URL d'une base PostgreSQL (postgresql+psycopg://…).")
    source = open_sqlite(Path(args.db))
    try:
        target = open_server(args.to)
        try:
            archive = Path(args.archive) if args.archive else None
            report = move_to_server(source, target, archive=archive)
        finally:
            target.dispose()
    finally:
        source.dispose()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def demo_on_server(url: str, build: dict[str, object]) -> int:
    """The demo built in a temporary file, then moved onto the (empty) server base."""
    from app.services.demo import build_demo
    from app.services.schema import open_server, open_sqlite
    from app.services.server_move import move_to_server

    with tempfile.TemporaryDirectory(prefix="pack-sortie-demo-") as folder:
        path = Path(folder) / "demo.sqlite"
        summary = build_demo(path, **build)  # type: ignore[arg-type]
        source = open_sqlite(path)
        try:
            target = open_server(url)
            try:
                report = move_to_server(source, target)
            finally:
                target.dispose()
        finally:
            source.dispose()
    from sqlalchemy.engine import make_url

    print(str(summary).replace(str(path), make_url(url).render_as_string(hide_password=True)))
    if not report.ok:
        for line in report.lines():
            print(line, file=sys.stderr)
        raise UserFacingError("La démonstration copiée sur le serveur diffère de l'originale.")
    print(f"Copiée sur le serveur : {sum(t.target for t in report.tables)} lignes vérifiées.")
    return 0
