"""The self-test's steps on the base and the services: bundled files, a migrated base, the
integrity check, the user, a beneficiary and its accented search, a granted case, a signed
and verified letter, a payment batch (see :mod:`app.selftest`)."""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from app.selftest_context import SelfTestContext, StepFailed
from app.services import clock


def step_bundled_files(ctx: SelfTestContext) -> str:
    from app.resources import migrations_dir, resource_path

    migrations = migrations_dir()
    missing = [
        str(p)
        for p in (migrations / "env.py", migrations / "versions", resource_path("icons"))
        if not p.exists()
    ]
    if missing:
        raise StepFailed("introuvable : " + ", ".join(missing))
    scripts = sorted(migrations.glob("versions/*.py"))
    if not scripts:
        raise StepFailed(f"aucune migration dans {migrations / 'versions'}")
    where = "exécutable autonome" if getattr(sys, "frozen", False) else "sources"
    return f"{where}, {len(scripts)} migrations, ressources dans {resource_path()}"


def step_create_database(ctx: SelfTestContext) -> str:
    from app.services.schema import current_revision, head_revision, open_sqlite

    ctx.db = open_sqlite(ctx.database_path, create=True)
    ctx.cleanups.append(ctx.db.dispose)
    revision, head = current_revision(ctx.db), head_revision()
    if revision != head:
        raise StepFailed(f"révision {revision} au lieu de {head}")
    return f"révision {revision}"


def step_integrity(ctx: SelfTestContext) -> str:
    from app.services.integrity import check_database

    ctx.need("db")
    report = check_database(ctx.database_path)
    if not report.ok:
        raise StepFailed("; ".join(text for passed, text in report.lines if not passed))
    return f"{len(report.lines)} contrôles passés"


def step_actor(ctx: SelfTestContext) -> str:
    from app.services.actor import current_actor

    ctx.actor = current_actor(ctx.need("db"))
    if ctx.actor.user_id is None:
        raise StepFailed(f"« {ctx.actor.login} » n'a pas été enregistré comme utilisateur")
    return f"« {ctx.actor.login} », administrateur de la base d'essai"


def step_save_beneficiary(ctx: SelfTestContext) -> str:
    from app.models.enums import Civility
    from app.services.beneficiaries import BeneficiaryInput, save_beneficiary

    data = BeneficiaryInput(
        civility=Civility.MRS.value,
        last_name="Lefèvre-Dupré",
        first_name="Éloïse",
        birth_date=date(1985, 3, 14),
        postcode="91000",
        commune="Évry-Courcouronnes",
        allocataire_number="1234567",
        rsa_open_since=date(2020, 1, 6),
        orientation="social",
        orientation_date=date(2020, 2, 3),
        iban="FR7630006000011234567890189",
        notes="Fiche fictive créée par l'auto-test.",
    )
    ctx.beneficiary_id = save_beneficiary(ctx.need("db"), ctx.need("actor"), data)
    return "Mme LEFÈVRE-DUPRÉ Éloïse"


def step_search(ctx: SelfTestContext) -> str:
    from app.services.beneficiary_search import BeneficiaryFilter, list_beneficiaries

    wanted = ctx.need("beneficiary_id")
    query = "ÉLOÏSE lefèvre evry"  # accents and case differ from what was saved
    rows = list_beneficiaries(ctx.need("db"), BeneficiaryFilter(text=query))
    if [r.id for r in rows] != [wanted]:
        raise StepFailed(f"« {query} » a trouvé {len(rows)} fiche(s) au lieu de la fiche créée")
    return f"« {query} » trouve « {rows[0].name} »"


def step_case_granted(ctx: SelfTestContext) -> str:
    from datetime import timedelta

    from app.models.enums import Component
    from app.services import workflow
    from app.services.case_view import load_case
    from app.services.cases import CaseInput, save_draft
    from app.services.envelope import set_envelope
    from app.services.schedule import AidRequest

    db, actor = ctx.need("db"), ctx.need("actor")
    today = clock.today()
    for year in (today.year - 1, today.year, today.year + 1):  # the job may start in December
        set_envelope(db, actor, year, 20_000_000, "Enveloppe de l'auto-test")
    aids = [AidRequest(Component.TRANSPORT, 7500, 2), AidRequest(Component.DAILY_LIFE, 10000, 3)]
    case_id = save_draft(
        db,
        actor,
        CaseInput(
            beneficiary_id=ctx.need("beneficiary_id"),
            job_start=today - timedelta(days=10),
            request_date=today,
            employer_name="Boulangerie de l'auto-test",
            contract_type="CDI",
            aids=aids,
        ),
    )
    workflow.submit(db, actor, case_id)
    decision = workflow.grant(db, actor, case_id)
    detail = load_case(db, case_id, actor)
    if detail.state.value != "in_progress" or detail.total_cents != 45000:
        raise StepFailed(f"état {detail.state.value}, total {detail.total_cents} centimes")
    ctx.case_id = case_id
    return f"{detail.reference} accordé, décision {decision.number}, 450,00 € en 5 échéances"


def step_payment_batch(ctx: SelfTestContext) -> str:
    """A payment batch of the granted case, its CSV and its SEPA file (schema-checked by
    sepaxml: its XSD and xmlschema's must be in the bundle)."""
    from dataclasses import replace
    from datetime import timedelta

    from app.services.payment_export import export_batch
    from app.services.payment_sepa import export_sepa
    from app.services.payments import create_batch
    from app.services.settings import load_settings, save_settings

    db, actor = ctx.need("db"), ctx.need("actor")
    ctx.need("case_id")
    settings = replace(
        load_settings(db), debtor_iban="FR7630006000011234567890189", debtor_bic="AGRIFRPP"
    )
    save_settings(db, actor, settings)
    until = clock.today().replace(day=1) + timedelta(days=400)
    info = create_batch(db, actor, until.replace(day=1))
    folder = ctx.workdir
    csv_file = export_batch(db, actor, info.number, folder / "lot.csv")
    xml_file = export_sepa(db, actor, info.number, folder / "lot.xml")
    if b"pain.001.001.03" not in xml_file.read_bytes() or not csv_file.exists():
        raise StepFailed("fichiers du lot incomplets")
    return f"{info.number} : {len(info.transfers)} virements, CSV et SEPA (pain.001.001.03)"


def throwaway_pkcs12(folder: Path, passphrase: str, holder: str) -> tuple[Path, Any]:
    """A self-signed signing certificate of ``holder`` made for this run only (never stored
    elsewhere): letters are signed only with the certificate of the person they name."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, holder),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    now = clock.now_utc()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = folder / "auto-test.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"auto-test", key, cert, None, BestAvailableEncryption(passphrase.encode())
        )
    )
    return path, cert


def step_signed_letter(ctx: SelfTestContext) -> str:
    from app.models.enums import DocumentKind
    from app.services.documents import produce_document
    from app.services.pdf_verify import verify_pdf
    from app.services.signing import SignerProfile, load_signer

    db, actor = ctx.need("db"), ctx.need("actor")
    passphrase = uuid.uuid4().hex
    p12, cert = throwaway_pkcs12(ctx.workdir, passphrase, actor.display)
    signer = load_signer(
        SignerProfile(p12, actor.display, "Vérification de l'installation"),
        passphrase,
    )
    doc = produce_document(db, actor, ctx.need("case_id"), DocumentKind.GRANT_LETTER, signer=signer)
    report = verify_pdf(doc.path, trust_roots=[cert], archived_sha256=doc.sha256)
    if not (report.ok and report.all_trusted):
        raise StepFailed(report.as_text().replace("\n", " ; "))
    tampered = bytearray(doc.path.read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    if verify_pdf(bytes(tampered), trust_roots=[cert], archived_sha256=doc.sha256).ok:
        raise StepFailed("un octet modifié n'a pas été détecté")
    ctx.letter_path = doc.path
    return f"{doc.level}, vérifiée, altération détectée ({doc.path.name})"
