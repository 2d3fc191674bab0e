"""``self-test``: prove that this installation works, end to end, in a throw-away folder.

Run on a workstation (``PackSortie.exe self-test``), in CI against the frozen folder, and
from source. Every step goes through the real code path -- migrations loaded from their
files, the real services, the real main window -- so that a resource or a hidden import
missing from the PyInstaller bundle fails here and not in front of a référent.

Nothing of the user's is touched: the database, configuration and window settings live in a
temporary folder (``PACK_SORTIE_HOME`` points there while the test runs) that is removed at
the end. Only the log file is the usual one, so that a failure can be read there later.

The steps are a list (:data:`STEPS`) of :class:`Step`; a step receives the shared
:class:`SelfTestContext`, returns a short detail for its line and raises to fail. The case
and documents issues append theirs: create a case, grant it, produce and sign a letter with
a throw-away certificate, verify the signature.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from app import APP_NAME, __version__
from app.config import HOME_ENV, Paths, app_paths
from app.services import clock

log = logging.getLogger(__name__)

OK, FAILED = "OK", "ÉCHEC"


class StepFailed(Exception):
    """A step's check did not hold; the message (French) is printed on its line."""


@dataclass
class SelfTestContext:
    """What the steps share: the temporary folder and what earlier steps produced."""

    workdir: Path
    db: Any = None  # app.services.storage.Database, once created
    actor: Any = None  # app.services.actor.Actor
    beneficiary_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    letter_path: Path | None = None  # the signed letter, once produced
    qt_app: Any = None  # the QApplication, once the GUI step created or found it
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def database_path(self) -> Path:
        return self.workdir / "data" / "auto-test.sqlite"

    @property
    def paths(self) -> Paths:
        return app_paths()  # under workdir: PACK_SORTIE_HOME is set while the test runs

    def need(self, name: str) -> Any:
        """An earlier step's product, or a clear failure if that step failed."""
        value = getattr(self, name)
        if value is None:
            raise StepFailed(f"non exécutable : l'étape qui fournit « {name} » a échoué")
        return value


@dataclass(frozen=True)
class Step:
    label: str  # "Français / English", shown on the step's line
    run: Callable[[SelfTestContext], str]


@dataclass(frozen=True)
class StepResult:
    step: Step
    passed: bool
    detail: str


# --- the steps ---------------------------------------------------------------------------


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


def _throwaway_pkcs12(folder: Path, passphrase: str, holder: str) -> tuple[Path, Any]:
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
    p12, cert = _throwaway_pkcs12(ctx.workdir, passphrase, actor.display)
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


def _ensure_qt_platform() -> None:
    """Linux without a display gets the offscreen platform; Windows keeps its own (the
    widgets are built but never shown)."""
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _import_gui() -> Any:
    try:
        from app.ui import application
    except ImportError as exc:
        if (exc.name or "").startswith("app.ui"):
            raise StepFailed(
                f"module {exc.name} absent : l'interface graphique n'est pas livrée"
            ) from exc
        raise StepFailed(f"module manquant : {exc.name or exc}") from exc
    return application


def step_qt(ctx: SelfTestContext) -> str:
    _ensure_qt_platform()
    application = _import_gui()
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator, qVersion
    from PySide6.QtGui import QIcon, QImageReader

    from app.resources import resource_path

    ctx.qt_app = application.create_application([sys.argv[0] if sys.argv else "PackSortie"])
    problems = []
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    if missing := {"png", "jpeg", "ico"} - formats:
        problems.append("formats d'image absents : " + ", ".join(sorted(missing)))
    icon = resource_path("icons", "pack-sortie.png")
    if QIcon(str(icon)).isNull():
        problems.append(f"icône illisible : {icon}")
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not QTranslator().load(QLocale(QLocale.Language.French), "qtbase", "_", folder):
        problems.append(f"traduction française de Qt absente de {folder}")
    if problems:
        raise StepFailed("; ".join(problems))
    return f"Qt {qVersion()}, plateforme {ctx.qt_app.platformName()}, traduction française"


def step_main_window(ctx: SelfTestContext) -> str:
    application = _import_gui()
    ctx.need("qt_app")
    window = application.build_main_window(ctx.need("db"), ctx.need("actor"), paths=ctx.paths)
    try:
        pixmap = window.grab()  # lays out and paints every widget without showing anything
        if pixmap.isNull():
            raise StepFailed("la fenêtre n'a pas pu être dessinée")
        title = window.windowTitle()
    finally:
        window.close()
        window.deleteLater()
        ctx.qt_app.processEvents()
    return f"« {title} » construite et dessinée ({pixmap.width()}×{pixmap.height()})"


def step_letter_preview(ctx: SelfTestContext) -> str:
    """The preview renders the signed letter with QtPdf (PDFium), which no other step loads:
    a library it needs missing from the installation fails here, not in front of a user."""
    ctx.need("qt_app")
    try:
        from PySide6.QtCore import QSize
        from PySide6.QtGui import QColor
        from PySide6.QtPdf import QPdfDocument

        from app.ui.pdf_preview import load_pdf, render_page
    except ImportError as exc:
        raise StepFailed(f"aperçu indisponible : {exc}") from exc
    document = QPdfDocument()
    buffer = load_pdf(document, ctx.need("letter_path").read_bytes())
    if buffer is None:
        raise StepFailed("QtPdf ne sait pas lire le courrier signé")
    pages = document.pageCount()
    try:
        image = render_page(document, 0, QSize(420, 594))
        white = QColor("white").rgb()
        inked = sum(image.pixel(x, y) != white for x in range(0, 420, 6) for y in range(0, 594, 6))
    finally:
        document.close()
        buffer.close()
    if inked < 50:
        raise StepFailed("la page rendue est blanche")
    return f"page 1 sur {pages} rendue par QtPdf"


STEPS: list[Step] = [
    Step("Fichiers de l'application / bundled files", step_bundled_files),
    Step("Base temporaire créée et migrée / database created", step_create_database),
    Step("Contrôle d'intégrité / integrity check", step_integrity),
    Step("Utilisateur du poste / workstation user", step_actor),
    Step("Bénéficiaire enregistré / beneficiary saved", step_save_beneficiary),
    Step("Recherche accentuée / accented search", step_search),
    Step("Dossier accordé dans l'enveloppe / case granted", step_case_granted),
    Step("Courrier signé et vérifié / signed letter", step_signed_letter),
    Step("Lot de paiement CSV et SEPA / payment batch", step_payment_batch),
    Step("Qt : images, icône, traduction / Qt plugins", step_qt),
    Step("Fenêtre principale / main window", step_main_window),
    Step("Aperçu du courrier / letter preview", step_letter_preview),
    # The case and documents issues append their steps here (see the module docstring).
]

# --- running them ---------------------------------------------------------------------------


@contextmanager
def _isolated_home(folder: Path) -> Iterator[None]:
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous


def _writer(out: TextIO | None) -> Callable[[str], None]:
    def write(line: str) -> None:
        stream = out if out is not None else sys.stdout
        if stream is None:  # windowed executable without a console: results are logged
            return
        try:
            stream.write(line + "\n")
        except UnicodeEncodeError:  # an old code page: keep the line, lose the accents
            encoding = getattr(stream, "encoding", None) or "ascii"
            stream.write(line.encode(encoding, "replace").decode(encoding) + "\n")
        stream.flush()

    return write


def run_steps(
    steps: Sequence[Step], ctx: SelfTestContext, report: Callable[[StepResult], None]
) -> list[StepResult]:
    """Run every step (a failed one does not stop the others); report each as it ends."""
    results = []
    for step in steps:
        try:
            detail = step.run(ctx)
            passed = True
        except StepFailed as exc:
            passed, detail = False, str(exc)
        except Exception as exc:
            passed, detail = False, f"{type(exc).__name__} : {exc}"
            log.exception("Self-test step %r raised", step.label)
        detail = " ".join(detail.split())  # one line per step, whatever the message
        result = StepResult(step, passed, detail)
        log.info(
            "Self-test [%s] %s: %s",
            OK if passed else FAILED,
            step.label,
            detail,
        )
        report(result)
        results.append(result)
    return results


def run_self_test(out: TextIO | None = None, steps: Sequence[Step] | None = None) -> int:
    """Run every step, print one line each; 0 when all passed, 1 otherwise."""
    write = _writer(out)
    steps = STEPS if steps is None else steps
    width = max((len(s.label) for s in steps), default=0)

    def report(r: StepResult) -> None:
        status = f"[{OK if r.passed else FAILED}]".ljust(len(FAILED) + 2)
        write(f"{status} {r.step.label.ljust(width)}  {r.detail}")

    frozen = " (exécutable autonome)" if getattr(sys, "frozen", False) else ""
    write(
        f"{APP_NAME} {__version__}{frozen} — auto-test / self-test "
        f"(Python {platform.python_version()}, {platform.system()} {platform.release()})"
    )
    with tempfile.TemporaryDirectory(
        prefix="pack-sortie-auto-test-", ignore_cleanup_errors=True
    ) as tmp:
        ctx = SelfTestContext(Path(tmp))
        with _isolated_home(ctx.workdir):
            try:
                results = run_steps(steps, ctx, report)
            finally:
                for cleanup in reversed(ctx.cleanups):
                    try:
                        cleanup()
                    except Exception:
                        log.exception("Self-test cleanup failed")
    failed = sum(not r.passed for r in results)
    if failed:
        write(f"Résultat / result : {failed} étape(s) en ÉCHEC sur {len(results)}.")
        return 1
    write(f"Résultat / result : tout est OK ({len(results)} étapes).")
    return 0
