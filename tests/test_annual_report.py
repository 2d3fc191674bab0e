"""The annual report: its figures in the PDF's text, signed and archived like the letters,
and the ``annual-report`` command (app/cli_report.py)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Document, User
from app.models.enums import DocumentKind
from app.services import annual_report, figures
from app.services.errors import NotAllowed
from app.services.evaluation import Period, evaluate
from app.services.schema import open_sqlite
from app.services.signing import SignerProfile, load_signer
from tests.clock import TODAY
from tests.demo_helpers import built_demo, staff
from tests.pki import make_test_pki

YEAR = TODAY.year - 1  # a whole year of the demo (it runs up to the session's day)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfsig") is None,
    reason="poppler-utils not installed",
)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_demo(tmp_path_factory, "report", 600, 2017)


@pytest.fixture
def demo(demo_path: Path, tmp_path: Path):
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_path, copy)
    database = open_sqlite(copy)
    yield database
    database.dispose()


@pytest.fixture
def admin(demo):
    return staff(demo, User.is_admin.is_(True))


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def pdfsig(path: Path) -> str:
    done = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True)
    return done.stdout + done.stderr


def loaded_signer(pki):
    return load_signer(SignerProfile(pki.p12_path, pki.signer_name, "Directrice"), pki.passphrase)


@needs_poppler
def test_the_report_shows_the_years_figures(demo, admin, tmp_path):
    rendered = annual_report.render_annual_report(demo, admin, YEAR)
    out = tmp_path / "bilan.pdf"
    out.write_bytes(rendered.pdf)
    text = " ".join(pdf_text(out).split())
    ev = evaluate(demo, admin, Period.year(YEAR))
    assert ev.funnel.granted > 0  # the demo has a real year to report
    assert f"Bilan annuel du Pack sortie RSA — année {YEAR}" in text
    assert "Département de l'Essonne" in text  # the letters' letterhead
    for line in figures.headline(ev):
        assert line.label in text
        assert " ".join(line.value.replace("\u202f", " ").replace("\u00a0", " ").split()) in (
            text.replace("\u202f", " ").replace("\u00a0", " ")
        )
    assert f"sur un objectif de {ev.people_helped.target}" in text
    assert "estimation" in text
    assert "Personnes aidées par mois" in text and "Des demandes aux sorties" in text
    for name in figures.offices_without_request(ev)[:3]:
        assert name.split(" (")[0] in text
    assert "à signer à la main" in text


@needs_poppler
def test_produced_from_the_app_it_is_signed_and_archived(demo, admin, tmp_path):
    pki = make_test_pki(tmp_path, signer_name=admin.display)
    first = annual_report.produce_annual_report(demo, admin, YEAR)
    produced = annual_report.produce_annual_report(demo, admin, YEAR, signer=loaded_signer(pki))
    assert produced.kind is DocumentKind.ANNUAL_REPORT and produced.version == 2
    assert produced.path.parent.name == "bilans" and produced.path.is_file()
    assert produced.signed_by == admin.display
    assert "Signature is Valid" in pdfsig(produced.path)
    assert "signé électroniquement par" in " ".join(pdf_text(produced.path).split())
    with demo.read() as s:
        docs = s.scalars(select(Document).where(Document.kind == "bilan_annuel")).all()
        by_id = {d.id: d for d in docs}
        assert by_id[first.id].superseded and not by_id[produced.id].superseded
        assert by_id[produced.id].supersedes_id == first.id
        assert by_id[produced.id].sha256 == produced.sha256
        assert s.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(produced.id)))


def test_someone_elses_certificate_is_refused(demo, admin, tmp_path):
    pki = make_test_pki(tmp_path, signer_name="Quelqu'un Dautre")
    with pytest.raises(NotAllowed, match="son propre certificat"):
        annual_report.produce_annual_report(demo, admin, YEAR, signer=loaded_signer(pki))


def run_command(argv: list[str]) -> int:
    from app.cli import main

    return main(argv)


@needs_poppler
def test_the_command_writes_a_signed_report(demo, admin, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("app.services.actor.os_login", lambda: admin.login)
    pki = make_test_pki(tmp_path, signer_name=admin.display)
    monkeypatch.setattr("sys.stdin", io.StringIO(pki.passphrase + "\n"))
    out = tmp_path / "bilan-signe.pdf"
    path = str(demo.path)
    demo.dispose()
    code = run_command(
        [
            "annual-report",
            "--db",
            path,
            "--year",
            str(YEAR),
            "--out",
            str(out),
            "--sign",
            "--cert",
            str(pki.p12_path),
            "--passphrase-stdin",
        ]  # fmt: skip
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert f"Bilan annuel {YEAR} signé par {admin.display}" in printed
    assert "Signature is Valid" in pdfsig(out)
    assert f"année {YEAR}" in pdf_text(out)


def test_the_command_refuses_a_bad_year(demo, tmp_path, capsys):
    path = str(demo.path)
    demo.dispose()
    out = tmp_path / "x.pdf"
    assert run_command(["annual-report", "--db", path, "--year", "1999", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Erreur : " in err and "Année 1999 invalide" in err and not out.exists()
