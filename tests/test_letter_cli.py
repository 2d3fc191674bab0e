"""The administrators' `letter` and `verify-pdf` commands."""

from __future__ import annotations

import io
import shutil
from datetime import date

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from app.cli import main
from tests.factories import granted_case, make_person, make_users
from tests.pki import make_test_pki


@pytest.fixture
def granted(db, monkeypatch):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    monkeypatch.setattr("app.services.actor.os_login", lambda: "maubert")  # the validator
    return validator


def test_letter_unsigned_by_decision_number(db, db_path, granted, tmp_path, capsys):
    out = tmp_path / "lettre.pdf"
    code = main(
        [
            "letter",
            "--db",
            str(db_path),
            "--case",
            "PSR-2018-0001",
            "--kind",
            "attribution",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "non signé" in capsys.readouterr().out
    assert main(["verify-pdf", str(out)]) == 1  # an unsigned letter is not "verified"
    assert "NON signé" in capsys.readouterr().out


def test_letter_signed_then_verified_against_the_archive(
    db, db_path, granted, tmp_path, capsys, monkeypatch
):
    pki = make_test_pki(tmp_path)
    out = tmp_path / "lettre-signee.pdf"
    monkeypatch.setattr("sys.stdin", io.StringIO(pki.passphrase + "\n"))
    code = main(
        [
            "letter",
            "--db",
            str(db_path),
            "--case",
            "DOS-2018-00001",
            "--kind",
            "attribution",
            "--out",
            str(out),
            "--sign",
            "--cert",
            str(pki.p12_path),
            "--passphrase-stdin",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "signé par Marc Aubert" in capsys.readouterr().out
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root_cert.public_bytes(Encoding.PEM))
    assert main(["verify-pdf", str(out), "--db", str(db_path), "--trust", str(root)]) == 0
    printed = capsys.readouterr().out
    assert "Marc Aubert" in printed and "conforme à l'archive" in printed
    assert "certificat reconnu" in printed
    tampered = tmp_path / "modifie.pdf"
    data = bytearray(out.read_bytes())
    data[2000] ^= 0x20
    tampered.write_bytes(bytes(data))
    assert main(["verify-pdf", str(tampered), "--db", str(db_path)]) == 1
    if shutil.which("pdfsig"):
        import subprocess

        assert (
            "Signature is Valid"
            in subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
        )


def test_letter_errors_are_french_and_exit_2(db, db_path, granted, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert (
        main(
            [
                "letter",
                "--db",
                str(db_path),
                "--case",
                "DOS-1999-00001",
                "--kind",
                "attribution",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "Aucun dossier" in capsys.readouterr().err
    assert (
        main(
            [
                "letter",
                "--db",
                str(db_path),
                "--case",
                "DOS-2018-00001",
                "--kind",
                "refus",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "Aucune décision" in capsys.readouterr().err
    assert not out.exists()
    garbage = tmp_path / "pas-un.pdf"
    garbage.write_text("bonjour")
    assert main(["verify-pdf", str(garbage)]) == 2
