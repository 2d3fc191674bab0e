"""Moving an office's SQLite base onto the département's server (``move-to-server``), and
the demo built on a server: everything copied with its ids, checked, or nothing at all."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.models import AuditEvent, Beneficiary, Case, Decision, Document, Instalment, User
from app.models.enums import DocumentKind
from app.services import documents
from app.services.beneficiary_search import BeneficiaryFilter, count_beneficiaries
from app.services.schema import open_server, open_sqlite
from app.services.server_move import MoveRefused, move_to_server
from tests.demo_helpers import built_demo, staff
from tests.pg_server import fresh_database


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small office base with two archived letters."""
    path = built_demo(tmp_path_factory, "office", 300, 11)
    db = open_sqlite(path)
    try:
        validator = staff(db, User.is_validator)
        with db.read() as s:
            granted = s.scalars(select(Decision.case_id).where(Decision.kind == "grant").limit(2))
            cases = granted.all()
        for case_id in cases:
            documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    finally:
        db.dispose()
    return path


@pytest.fixture
def server_url(pg_base_url: str) -> Iterator[str]:
    with fresh_database(pg_base_url) as url:
        yield url


def counts(db) -> dict[str, int]:
    with db.read() as s:
        return {
            model.__name__: s.scalar(select(func.count()).select_from(model))
            for model in (Beneficiary, Case, Decision, Instalment, AuditEvent, Document)
        }


def test_a_move_copies_everything_with_its_ids_and_says_it_checked(office, server_url, tmp_path):
    copy = tmp_path / "office.sqlite"
    shutil.copyfile(office, copy)
    shutil.copytree(office.parent / "demo-documents", tmp_path / "office-documents")
    source, target = open_sqlite(copy), open_server(server_url)
    archive = tmp_path / "partage" / "documents"
    try:
        report = move_to_server(source, target, archive=archive)
        assert report.ok, report.mismatches
        assert counts(target) == counts(source)
        with source.read() as s:
            ids = set(s.scalars(select(Beneficiary.id)))
            letters = s.execute(select(Document.path, Document.sha256)).all()
        with target.read() as s:
            assert set(s.scalars(select(Beneficiary.id))) == ids
        assert report.documents == len(letters) == 2 and report.files >= 2
        assert documents.documents_root(target) == archive
        for relative, digest in letters:
            assert hashlib.sha256((archive / relative).read_bytes()).hexdigest() == digest
        assert {s.column for s in report.sums} >= {"instalment.amount_cents"}
        everyone = BeneficiaryFilter()
        assert count_beneficiaries(target, everyone) == count_beneficiaries(source, everyone)
        assert "identiques" in "\n".join(report.lines())
    finally:
        source.dispose()
        target.dispose()


def test_a_server_base_that_holds_data_is_refused_and_left_as_it_was(office, server_url, tmp_path):
    first, target = open_sqlite(office), open_server(server_url)
    try:
        move_to_server(first, target, archive=tmp_path / "a")
        before = counts(target)
        with pytest.raises(MoveRefused, match="n'est pas vide"):
            move_to_server(first, target, archive=tmp_path / "b")
        assert counts(target) == before
        assert not (tmp_path / "b").exists()  # no file copied either
    finally:
        first.dispose()
        target.dispose()


def test_archived_documents_need_a_folder_on_the_server(office, server_url):
    source, target = open_sqlite(office), open_server(server_url)
    try:
        with pytest.raises(MoveRefused, match="--archive"):
            move_to_server(source, target)
        assert counts(target)["Beneficiary"] == 0
    finally:
        source.dispose()
        target.dispose()


def test_the_command_reports_and_exits_by_outcome(office, server_url, tmp_path, capsys):
    archive = str(tmp_path / "partage")
    args = ["move-to-server", "--db", str(office), "--to", server_url, "--archive", archive]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "beneficiary" in out and "identiques" in out
    assert main(args) == 2  # the server base is no longer empty
    assert "n'est pas vide" in capsys.readouterr().err
    assert main(["move-to-server", "--db", str(office), "--to", str(tmp_path / "x.sqlite")]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_the_demo_builds_on_a_server(server_url, capsys):
    assert main(["demo", "--db", server_url, "--beneficiaries", "120", "--seed", "3"]) == 0
    assert "lignes vérifiées" in capsys.readouterr().out
    db = open_server(server_url)
    try:
        assert count_beneficiaries(db, BeneficiaryFilter()) == 120
    finally:
        db.dispose()


def test_check_reads_a_server_base_without_changing_it(office, server_url, pg_base_url, capsys):
    assert main(["check", "--db", server_url]) == 0  # migrated to head by the fixture's copy
    out = capsys.readouterr().out
    assert "Schéma à jour" in out and "base saine" in out
    assert main(["check", "--db", f"{pg_base_url}/postgres"]) == 2  # a base, not ours
    assert "pas une base Pack Sortie" in capsys.readouterr().out
    assert main(["check", "--db", f"{pg_base_url}/pas_de_base_{uuid.uuid4().hex}"]) == 3
    assert "n'existe pas" in capsys.readouterr().out
