"""The ``annual-report`` command: the year's « bilan annuel » as a PDF, optionally signed.

    python main.py annual-report --db PATH --year YYYY --out FILE.pdf [--sign]

The report is the one the « Tableau de bord » produces (app.services.annual_report), for
the whole département as the user running the command may see it. The command writes the
file given and archives nothing (the application archives what it produces); with
``--sign`` it is signed with the workstation's certificate (or ``--cert``), the passphrase
read from the system keyring, else asked (or read on stdin with ``--passphrase-stdin``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.services.errors import UserFacingError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "annual-report",
        help="produire le bilan annuel (PDF)",
        description="Écrit le bilan annuel du Pack sortie RSA de l'année : chiffres, tableaux "
        "et graphiques, avec l'en-tête du département. Avec --sign, le signe avec le "
        "certificat du poste (phrase secrète lue dans le trousseau du système, sinon "
        "demandée).",
    )
    report.add_argument("--db", required=True, help="base de données")
    report.add_argument("--year", required=True, type=int, metavar="AAAA", help="année du bilan")
    report.add_argument("--out", required=True, help="fichier PDF à écrire")
    report.add_argument("--sign", action="store_true", help="signer électroniquement")
    report.add_argument("--cert", help="certificat PKCS#12 (par défaut : celui du poste)")
    report.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="lire la phrase secrète sur l'entrée standard",
    )
    report.set_defaults(handler=annual_report)


def _signer(db, actor, args: argparse.Namespace):
    from app.cli import _passphrase  # the letters' passphrase lookup: keyring, tty, stdin
    from app.config import load_config
    from app.services.settings import load_settings
    from app.services.signing import SignerProfile, load_signer

    cert = args.cert or load_config().certificate
    if not cert:
        raise UserFacingError(
            "Aucun certificat de signature n'est configuré sur ce poste : indiquez-le avec --cert."
        )
    profile = SignerProfile(
        Path(cert), actor.name, actor.capacity, load_settings(db).timestamp_url or None
    )
    return load_signer(profile, _passphrase(Path(cert), args.passphrase_stdin))


def annual_report(args: argparse.Namespace) -> int:
    from app.services.actor import current_actor
    from app.services.annual_report import render_annual_report, report_signer, sign_report
    from app.services.schema import open_database
    from app.services.settings import load_settings

    db = open_database(args.db)
    try:
        actor = current_actor(db)
        signer = _signer(db, actor, args) if args.sign else None
        who = report_signer(actor, signer)
        rendered = render_annual_report(
            db, actor, args.year, signer=who, electronic=signer is not None
        )
        pdf, status = rendered.pdf, "non signé"
        if signer is not None:
            pdf, signed = sign_report(rendered, signer, load_settings(db).signature_city)
            status = f"signé par {signed.signer_name} ({signed.level})"
    finally:
        db.dispose()
    out = Path(args.out)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise UserFacingError(f"Impossible d'écrire « {out} ».", detail=str(exc)) from exc
    people = rendered.evaluation.people_helped
    print(
        f"Bilan annuel {args.year} {status} : {out} ({rendered.pages} page(s), "
        f"{people.count} personne(s) aidée(s) sur un objectif de {people.target})"
    )
    return 0
