"""Command line: the GUI by default, and the administrators' commands.

The names and options here are a public interface: keep them stable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from app import (
    APP_NAME,
    __version__,
    cli_payments,
    cli_privacy,
    cli_report,
    cli_server,
    cli_stats,
)
from app.services.errors import UserFacingError

log = logging.getLogger(__name__)

LETTER_KIND_CHOICES = [
    "attribution",
    "refus",
    "invitation_observations",
    "fin_anticipee",
    "fin_dispositif",
    "compte_rendu",
    "bilan_6_mois",
]


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
    demo.add_argument(
        "--db",
        required=True,
        help="fichier SQLite à créer, ou URL d'une base PostgreSQL vide (postgresql+psycopg://…)",
    )
    demo.add_argument("--beneficiaries", type=int, default=30_000, help="nombre (30 000)")
    demo.add_argument("--seed", type=int, default=2017, help="graine aléatoire (reproductible)")
    demo.add_argument("--force", action="store_true", help="remplacer le fichier s'il existe")
    demo.add_argument(
        "--as-of",
        type=_day,
        metavar="JJ/MM/AAAA",
        help="jour où se situe la démonstration (par défaut : aujourd'hui)",
    )

    imp = sub.add_parser("import-beneficiaries", help="importer des bénéficiaires (CSV)")
    imp.add_argument("--db", required=True, help="base de données")
    imp.add_argument("file", help="fichier CSV (UTF-8 ou Windows-1252, ';' ou ',')")
    imp.add_argument("--dry-run", action="store_true", help="contrôler sans rien enregistrer")

    check = sub.add_parser(
        "check",
        help="contrôler une base (intégrité, identité, schéma)",
        description="Contrôle sans modification (un enregistrement interrompu par l'arrêt "
        "brutal d'un poste est d'abord annulé, comme à toute ouverture). Code de sortie : "
        "0 base saine, 1 problème détecté, 2 pas une base Pack Sortie ou illisible, "
        "3 base verrouillée ou inaccessible pour l'instant (réessayer).",
    )
    check.add_argument("--db", required=True, help="base de données à contrôler")
    check.add_argument(
        "--fix-journal",
        action="store_true",
        help="remettre en journal classique une base passée en mode WAL par un autre outil "
        "(il faut qu'aucun autre poste ne l'ait ouverte), puis contrôler",
    )

    backup = sub.add_parser(
        "backup",
        help="sauvegarder une base (copie dans le dossier <base>-sauvegardes)",
        description="Copie cohérente de la base, même pendant que d'autres postes travaillent, "
        "vérifiée avant d'être gardée. --list affiche les sauvegardes existantes.",
    )
    backup.add_argument("--db", required=True, help="base de données")
    backup.add_argument("--list", action="store_true", help="lister les sauvegardes")

    restore = sub.add_parser(
        "restore",
        help="remplacer le contenu d'une base par une sauvegarde",
        description="La base actuelle est d'abord copiée (sauvegarde « avant restauration »). "
        "La sauvegarde doit être une base Pack Sortie saine.",
    )
    restore.add_argument("--db", required=True, help="base de données à restaurer")
    restore.add_argument("--from", dest="source", required=True, help="fichier de sauvegarde")
    cli_payments.add_parsers(sub, _day)
    cli_stats.add_parsers(sub, _day)
    cli_report.add_parsers(sub)
    cli_privacy.add_parsers(sub, _day)
    cli_server.add_parsers(sub)

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

    letter = sub.add_parser(
        "letter",
        help="produire (et signer) un courrier d'un dossier",
        description="Produit le courrier, l'archive à côté de la base et en écrit une copie. "
        "Avec --sign, le signe avec le certificat du poste (phrase secrète lue dans le "
        "trousseau du système, sinon demandée).",
    )
    letter.add_argument("--db", required=True, help="base de données")
    letter.add_argument(
        "--case", required=True, help="référence du dossier (DOS-…) ou n° de décision (PSR-…)"
    )
    letter.add_argument(
        "--kind", required=True, choices=LETTER_KIND_CHOICES, help="nature du courrier"
    )
    letter.add_argument("--out", required=True, help="copie PDF à écrire")
    letter.add_argument("--sign", action="store_true", help="signer électroniquement")
    letter.add_argument("--cert", help="certificat PKCS#12 (par défaut : celui du poste)")
    letter.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="lire la phrase secrète sur l'entrée standard",
    )

    verify = sub.add_parser(
        "verify-pdf",
        help="vérifier la signature et l'intégrité d'un PDF",
        description="Signataire, date, intégrité, et conformité à l'empreinte archivée. "
        "Code de sortie : 0 signature intègre, 1 problème détecté, 2 fichier illisible.",
    )
    verify.add_argument("file", help="fichier PDF")
    verify.add_argument("--db", help="base dont l'archive fait foi (empreinte SHA-256)")
    verify.add_argument(
        "--trust",
        action="append",
        default=[],
        help="certificat d'autorité reconnu (PEM ou DER), répétable",
    )

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


def _day(text: str) -> date:
    """An argparse type: a French or ISO date, refused with the French message."""
    from app.services.validation import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _demo(args: argparse.Namespace) -> int:
    from app.services.demo import build_demo

    if cli_server.is_server_url(args.db):
        build = {"beneficiaries": args.beneficiaries, "seed": args.seed, "as_of": args.as_of}
        return cli_server.demo_on_server(args.db, build)
    path = Path(args.db)
    if path.exists() and not args.force:
        print(
            f"Erreur : « {path} » existe déjà (utilisez --force pour le remplacer).",
            file=sys.stderr,
        )
        return 2
    summary = build_demo(
        path,
        beneficiaries=args.beneficiaries,
        seed=args.seed,
        replace=args.force,
        as_of=args.as_of,
    )
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
    from app.services.sqlite_file import is_wal, switch_to_rollback_journal

    if args.fix_journal and is_wal(Path(args.db)):
        switch_to_rollback_journal(Path(args.db))
        print("Base remise en journal classique (mode WAL abandonné).")
    report = check_database(args.db)
    print(report.as_text())
    return report.exit_code


def _export_cases(args: argparse.Namespace) -> int:
    import tempfile

    from app.services.actor import current_actor
    from app.services.case_export import export_cases
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        if db.damage:
            print(
                "Erreur : la base est endommagée, l'export serait incomplet. Restaurez la "
                f"dernière sauvegarde (commande restore). Détail : {db.damage}",
                file=sys.stderr,
            )
            return 1
        actor = current_actor(db)
        if args.out:
            count = export_cases(db, Path(args.out), args.format, actor=actor)
            print(f"{count} dossier(s) exporté(s) dans {args.out}", file=sys.stderr)
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"dossiers.{args.format}"
            export_cases(db, out, args.format, actor=actor)
            sys.stdout.write(out.read_text(encoding="utf-8-sig"))
        return 0
    finally:
        db.dispose()


def _backup(args: argparse.Namespace) -> int:
    from app.services.backups import BackupKind, list_backups, make_backup
    from app.services.schema import probe_file

    path = Path(args.db)
    if args.list:
        found = list_backups(path)
        for b in found:
            print(f"{b.label}\t{b.path}")
        if not found:
            print("Aucune sauvegarde.")
        return 0
    probe = probe_file(path)  # refuses a foreign file; finishes an interrupted save
    if not probe.exists or probe.empty:
        raise UserFacingError(f"« {path} » n'est pas une base Pack Sortie.")
    print(make_backup(path, BackupKind.MANUAL))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from app.services.backups import restore_backup

    safety = restore_backup(Path(args.db), Path(args.source))
    print(f"Base restaurée depuis {args.source}. Copie de la base d'avant : {safety}")
    return 0


def _find_case(db, ref: str):
    from sqlalchemy import select

    from app.models import Case, Decision

    with db.read() as s:
        case_id = s.scalar(select(Case.id).where(Case.reference == ref)) or s.scalar(
            select(Decision.case_id).where(Decision.number == ref)
        )
    if case_id is None:
        raise UserFacingError(f"Aucun dossier ni décision « {ref} » dans cette base.")
    return case_id


def _passphrase(cert: Path, from_stdin: bool) -> str:
    import getpass

    from app.services.secrets import KeyringUnavailable, SecretStore, certificate_key

    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    try:
        stored = SecretStore().get_passphrase(certificate_key(cert))
    except KeyringUnavailable as exc:
        log.info("No keyring: %s", exc)
        stored = None
    if stored:
        return stored
    if sys.stdin.isatty():
        return getpass.getpass(f"Phrase secrète du certificat {cert.name} : ")
    raise UserFacingError(
        "Phrase secrète introuvable dans le trousseau du système : enregistrez-la depuis "
        "l'application, lancez la commande dans un terminal, ou utilisez --passphrase-stdin."
    )


def _letter(args: argparse.Namespace) -> int:
    import shutil

    from app.config import load_config
    from app.models.enums import DocumentKind
    from app.services.actor import current_actor
    from app.services.documents import produce_document
    from app.services.schema import open_database

    db = open_database(args.db)
    try:
        actor = current_actor(db)
        signer = None
        if args.sign:
            from app.services.signing import SignerProfile, load_signer

            cert = args.cert or load_config().certificate
            if not cert:
                raise UserFacingError(
                    "Aucun certificat de signature n'est configuré sur ce "
                    "poste : indiquez-le avec --cert."
                )
            from app.services.settings import load_settings

            profile = SignerProfile(
                Path(cert), actor.name, actor.capacity, load_settings(db).timestamp_url or None
            )
            signer = load_signer(profile, _passphrase(Path(cert), args.passphrase_stdin))
        doc = produce_document(
            db, actor, _find_case(db, args.case), DocumentKind(args.kind), signer=signer
        )
        shutil.copyfile(doc.path, args.out)
    finally:
        db.dispose()
    status = f"signé par {doc.signed_by} ({doc.level})" if doc.signed_by else "non signé"
    print(
        f"{DocumentKind(args.kind).label} {status} : {args.out} (archivé : {doc.path}, "
        f"SHA-256 {doc.sha256})"
    )
    return 0


def _load_certificates(files: list[str]) -> list:
    from cryptography import x509

    certs = []
    for name in files:
        data = Path(name).read_bytes()
        try:
            certs.append(
                x509.load_pem_x509_certificate(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_certificate(data)
            )
        except ValueError as exc:
            raise UserFacingError(f"« {name} » n'est pas un certificat lisible.") from exc
    return certs


def _verify_pdf(args: argparse.Namespace) -> int:
    import hashlib

    from app.services.pdf_verify import verify_pdf

    path = Path(args.file)
    archived, note = None, ""
    roots = _load_certificates(args.trust)
    if args.db and path.is_file():
        from app.services.documents import archived_sha256, find_by_sha256
        from app.services.pdf_verify import parse_trust_roots
        from app.services.schema import open_database
        from app.services.settings import load_settings

        db = open_database(args.db)
        try:
            roots += parse_trust_roots(load_settings(db).trusted_certificates)
            archived = archived_sha256(db, path)
            if archived is None:
                found = find_by_sha256(db, hashlib.sha256(path.read_bytes()).hexdigest())
                if found is not None:
                    archived = found.sha256
                    note = f"Archivé sous {found.path}."
                else:
                    note = "Ce fichier ne correspond à aucun document archivé dans cette base."
        finally:
            db.dispose()
    report = verify_pdf(path, trust_roots=roots, archived_sha256=archived)
    print(report.as_text())
    if note:
        print(note)
    if report.error:
        return 2
    return 0 if report.ok and not (args.db and archived is None) else 1


def _self_test(args: argparse.Namespace) -> int:
    from app.selftest import run_self_test

    return run_self_test()


COMMANDS = {
    "payment-batch": cli_payments.payment_batch,
    "payment-confirm": cli_payments.payment_confirm,
    "stats": cli_stats.stats,
    "open-data": cli_stats.open_data,
    "annual-report": cli_report.annual_report,
    "purge": cli_privacy.purge,
    "export-person": cli_privacy.export_person,
    "move-to-server": cli_server.move_to_server,
    "demo": _demo,
    "import-beneficiaries": _import,
    "check": _check,
    "export-cases": _export_cases,
    "letter": _letter,
    "verify-pdf": _verify_pdf,
    "self-test": _self_test,
    "backup": _backup,
    "restore": _restore,
}
