"""Payment batches: due instalments, a locked and numbered batch, its CSV, and back."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Beneficiary, Instalment, PaymentBatch, User
from app.models.enums import BatchStatus, InstalmentStatus
from app.services.actor import actor_from_user, os_login
from app.services.errors import DatabaseUnavailable, NotAllowed, UserFacingError, ValidationError
from app.services.numbering import batch_order, format_batch_number
from app.services.payment_export import archive_path, batch_csv, export_batch, read_rejections
from app.services.payments import (
    NothingDue,
    Rejection,
    confirm_batch,
    create_batch,
    load_batch,
    preview_batch,
)
from tests.clock import TODAY
from tests.factories import granted_case, make_person, make_users

UNTIL = date(2018, 5, 1)  # the pack granted in March 2018 pays March, April and May by then


@pytest.fixture
def office(db):
    referent, validator = make_users(db)
    with db.write() as s:
        finance = User(
            first_name="Léa",
            last_name="Fontaine",
            capacity="Gestionnaire financière",
            os_login=os_login(),  # the command line's user
            is_finance=True,
            is_referent=False,
        )
        s.add(finance)
        s.flush()
        finance_actor = actor_from_user(finance, "POSTE-FIN")
    helene = make_person(db, referent)
    marc = make_person(db, referent, number="7654321", last_name="Bégué", first_name="Marc")
    for person in (helene, marc):
        granted_case(
            db, referent, validator, person, job_start=date(2018, 3, 5), on=date(2018, 3, 20)
        )
    return referent, validator, finance_actor, helene, marc


def instalments(db) -> list[Instalment]:
    with db.read() as s:
        return list(s.scalars(select(Instalment).order_by(Instalment.due_month)))


def test_preview_lists_the_due_transfers_and_leaves_out_a_payee_without_iban(db, office):
    *_, marc = office
    with db.write() as s:
        s.get(Beneficiary, marc).iban = ""
    preview = preview_batch(db, UNTIL)
    assert preview.transfers and {t.beneficiary for t in preview.transfers} == {"LEFÈVRE Hélène"}
    assert all(t.due_month <= UNTIL for t in preview.transfers)
    assert preview.total_cents == sum(t.amount_cents for t in preview.transfers)
    [(payee, total)] = preview.by_payee().items()
    assert payee.startswith("Hélène Lefèvre (FR76") and total == preview.total_cents
    assert preview.excluded and all(e.reason == "IBAN : pas d'IBAN" for e in preview.excluded)
    assert "Écartées" in preview.as_text()
    assert all(i.status == "planned" for i in instalments(db))  # nothing written


def test_a_batch_is_numbered_locked_and_never_taken_twice(db, office):
    referent, _, finance, *_ = office
    with pytest.raises(NotAllowed, match="finances"):
        create_batch(db, referent, UNTIL)
    info = create_batch(db, finance, UNTIL)
    assert info.number == f"PAI-{TODAY.year}-001"
    assert [t.reference for t in info.transfers][:2] == [
        f"{info.number}-0001",
        f"{info.number}-0002",
    ]
    taken = [i for i in instalments(db) if i.batch_id is not None]
    assert len(taken) == len(info.transfers) and all(i.status == "mandated" for i in taken)
    assert info.total_cents == sum(i.amount_cents for i in taken)
    with pytest.raises(NothingDue, match="Aucune échéance"):
        create_batch(db, finance, UNTIL)
    later = create_batch(db, finance, date(2018, 6, 1))  # June only
    assert later.number == f"PAI-{TODAY.year}-002"
    assert {t.due_month for t in later.transfers} == {date(2018, 6, 1)}


def test_two_stations_creating_batches_at_once_share_nothing(db, db_path, office):
    db.dispose()
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from datetime import date\n"
        "from app.services.actor import Actor\n"
        "from app.services.payments import NothingDue, create_batch\n"
        "from app.services.schema import open_sqlite\n"
        f"db = open_sqlite({str(db_path)!r})\n"
        "try:\n"
        "    info = create_batch(db, Actor('fin', 'P', is_finance=True), date(2018, 8, 1))\n"
        "    print(info.number, len(info.transfers))\n"
        "except NothingDue:\n"
        "    print('none 0')\n"
    )
    stations = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate()[0].split() for p in stations]
    assert all(p.returncode == 0 for p in stations)
    counts = sorted(int(n) for _, n in results)
    from app.services.schema import open_sqlite

    again = open_sqlite(db_path)
    try:
        with again.read() as s:
            rows = list(
                s.scalars(select(Instalment).where(Instalment.due_month <= date(2018, 8, 1)))
            )
            batches = s.scalars(select(PaymentBatch.number)).all()
    finally:
        again.dispose()
    assert counts[0] == 0 and counts[1] == len(rows)  # one took everything, the other none
    assert len(batches) == 1


def test_the_csv_is_written_atomically_archived_and_identical_again(db, office, tmp_path):
    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    out = tmp_path / "virements.csv"
    export_batch(db, finance, info.number, out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Référence;Bénéficiaire du virement;IBAN;BIC;Montant;Libellé")
    first = lines[1].split(";")
    assert first[0] == f"{info.number}-0001" and "," in first[4]
    assert first[5].startswith("Pack sortie RSA PSR-2018-") and len(first[5]) <= 140
    assert lines[-1].startswith(f"TOTAL {info.number};{len(info.transfers)} virements")
    total = info.total_cents
    assert lines[-1].split(";")[4] == f"{total // 100},{total % 100:02d}"
    assert archive_path(db, info.number).read_bytes() == data
    export_batch(db, finance, info.number, out)
    assert out.read_bytes() == data == batch_csv(load_batch(db, info.number))
    with db.read() as s:
        batch = s.scalar(select(PaymentBatch))
        assert batch.status == BatchStatus.EXPORTED.value and len(batch.file_sha256) == 64


def test_an_unwritable_folder_gets_a_french_message_and_no_partial_file(db, office, tmp_path):
    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    with pytest.raises(DatabaseUnavailable, match="rien n'a été enregistré"):
        export_batch(db, finance, info.number, blocked / "virements.csv")
    assert not list(tmp_path.glob("**/*.partiel"))


def test_confirmation_pays_and_puts_rejected_transfers_back_for_a_later_batch(db, office):
    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    rejected = info.transfers[0]
    with pytest.raises(ValidationError, match="inconnus"):
        confirm_batch(db, finance, info.number, UNTIL, [Rejection("PAI-0000-000-0001", "x")])
    paid, refused = confirm_batch(
        db, finance, info.number, date(2018, 5, 10), [Rejection(rejected.reference, "Compte clos")]
    )
    assert (paid, refused) == (len(info.transfers) - 1, 1)
    by_id = {i.id: i for i in instalments(db)}
    assert by_id[rejected.instalment_id].status == InstalmentStatus.TO_SETTLE.value
    assert by_id[rejected.instalment_id].batch_id is None
    others = [by_id[t.instalment_id] for t in info.transfers[1:]]
    assert all(i.status == "paid" and i.paid_on == date(2018, 5, 10) for i in others)
    with pytest.raises(NotAllowed, match="déjà confirmé"):
        confirm_batch(db, finance, info.number, date(2018, 5, 10))
    again = create_batch(db, finance, UNTIL)  # the rejected one, paid by the next batch
    assert [t.instalment_id for t in again.transfers] == [rejected.instalment_id]
    from app.services.envelope import envelopes_overview

    [ledger] = [e for e in envelopes_overview(db) if e.year == 2018]
    assert ledger.paid_cents == info.total_cents - rejected.amount_cents
    assert ledger.mandated_cents == rejected.amount_cents  # in the new batch
    assert ledger.committed_cents >= ledger.paid_cents + ledger.mandated_cents


def test_rejected_transfers_file(tmp_path):
    good = tmp_path / "rejets.csv"
    good.write_bytes("Référence;Motif\r\nPAI-2026-001-0002;IBAN erroné\r\n".encode("cp1252"))
    assert read_rejections(good) == [Rejection("PAI-2026-001-0002", "IBAN erroné")]
    bad = tmp_path / "autre.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UserFacingError, match="colonnes « Référence » et « Motif »"):
        read_rejections(bad)
    short = tmp_path / "court.csv"
    short.write_text("Référence;Motif\n;\n", encoding="utf-8")
    with pytest.raises(UserFacingError, match="ligne 2"):
        read_rejections(short)


def test_the_commands(db, db_path, office, tmp_path, capsys):
    out = tmp_path / "lot.csv"
    argv = ["payment-batch", "--db", str(db_path), "--until", "2018-05", "--out", str(out)]
    assert main(argv) == 0
    number = capsys.readouterr().out.splitlines()[0]
    assert number == f"PAI-{TODAY.year}-001" and out.exists()
    assert main(argv) == 1
    assert "Aucune échéance à payer jusqu'à mai 2018" in capsys.readouterr().out
    rejects = tmp_path / "rejets.csv"
    rejects.write_text(f"Référence;Motif\n{number}-0001;Compte clos\n", encoding="utf-8")
    confirm = [
        "payment-confirm",
        "--db",
        str(db_path),
        "--batch",
        number,
        "--paid-on",
        "10/05/2018",
    ]
    assert main([*confirm, "--rejected", str(rejects)]) == 0
    assert "payé(s), 1 à régulariser" in capsys.readouterr().out
    assert main(["payment-confirm", "--db", str(db_path), "--batch", "PAI-1999-999"]) == 2
    assert "n'existe pas" in capsys.readouterr().err


def test_a_suspended_case_pays_nothing(db, office):
    from app.services import workflow
    from app.services.case_view import cases_of_beneficiary

    referent, validator, finance, helene, _marc = office
    [case] = cases_of_beneficiary(db, helene)
    workflow.suspend(db, validator, case.id, "Arrêt maladie", on=date(2018, 4, 2))
    preview = preview_batch(db, UNTIL)
    assert preview.transfers and {t.beneficiary for t in preview.transfers} == {"BÉGUÉ Marc"}


def test_a_rejected_transfer_shows_in_the_referents_to_do_list(db, office):
    from app.services.caseload import TodoKind, caseload

    referent, _, finance, *_ = office
    info = create_batch(db, finance, UNTIL)
    first = info.transfers[0]
    confirm_batch(db, finance, info.number, date(2018, 5, 10), [Rejection(first.reference, "x")])
    todo = [
        i for i in caseload(db, referent, today=date(2018, 5, 11)) if i.kind is TodoKind.TO_SETTLE
    ]
    assert len(todo) == 1 and todo[0].reference == first.case_reference
    assert "rejeté par la banque" in todo[0].text and todo[0].due == first.due_month


def _payer(db, admin_like=None):
    from dataclasses import replace as dc_replace

    from app.services.actor import Actor
    from app.services.settings import load_settings, save_settings

    admin = admin_like or Actor(login="admin", workstation="P", is_admin=True)
    settings = dc_replace(
        load_settings(db), debtor_iban="FR76 3000 6000 0112 3456 7890 189", debtor_bic="AGRIFRPP"
    )
    save_settings(db, admin, settings)


def test_the_sepa_file_is_checked_grouped_archived_and_the_same_again(db, office, tmp_path):
    import re

    from app.services.payment_sepa import archive_path as sepa_archive
    from app.services.payment_sepa import export_sepa

    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    with pytest.raises(UserFacingError, match="compte payeur du département"):
        export_sepa(db, finance, info.number, tmp_path / "lot.xml")
    _payer(db)
    out = export_sepa(db, finance, info.number, tmp_path / "lot.xml")
    xml = out.read_text(encoding="utf-8")
    assert "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" in xml
    groups = {(t.payee_name, t.due_month) for t in info.transfers}
    assert xml.count("<CdtTrfTxInf>") == len(groups)  # one transfer per payee and month
    total = info.total_cents
    assert f"<CtrlSum>{total // 100}.{total % 100:02d}</CtrlSum>" in xml
    assert re.search(r"<EndToEndId>PAI-\d{4}-001-0001</EndToEndId>", xml)
    assert "<IBAN>FR7630006000011234567890189</IBAN>" in xml
    first = out.read_bytes()
    assert sepa_archive(db, info.number).read_bytes() == first
    again = export_sepa(db, finance, info.number, tmp_path / "encore.xml")
    assert again.read_bytes() == first


def test_the_payer_account_is_checked_in_the_settings(db):
    from dataclasses import replace as dc_replace

    from app.services.settings import load_settings, settings_errors

    bad = dc_replace(load_settings(db), debtor_iban="FR76 0000", debtor_bic="AGRI")
    errors = settings_errors(bad)
    assert "IBAN" in errors["debtor_iban"] and "8 ou 11 caractères" in errors["debtor_bic"]


def test_the_batch_command_writes_the_sepa_file_too(db, db_path, office, tmp_path, capsys):
    _payer(db)
    out, sepa = tmp_path / "lot.csv", tmp_path / "lot.xml"
    argv = ["payment-batch", "--db", str(db_path), "--until", "2018-05", "--out", str(out)]
    assert main([*argv, "--sepa", str(sepa)]) == 0
    assert "Fichier SEPA" in capsys.readouterr().out
    assert sepa.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_exporting_again_after_the_confirmation_gives_the_file_first_sent(db, office, tmp_path):
    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    first = export_batch(db, finance, info.number, tmp_path / "a.csv").read_bytes()
    confirm_batch(
        db, finance, info.number, date(2018, 5, 10), [Rejection(info.transfers[0].reference, "x")]
    )
    assert export_batch(db, finance, info.number, tmp_path / "b.csv").read_bytes() == first


def test_the_departement_chooses_the_csv_columns(db, office, tmp_path):
    from dataclasses import replace as dc_replace

    from app.services.actor import Actor
    from app.services.payment_export import parse_columns
    from app.services.settings import load_settings, save_settings, settings_errors

    assert [k for k, _ in parse_columns("")][:3] == ["reference", "payee", "iban"]
    with pytest.raises(ValueError, match="« montant » est inconnue"):
        parse_columns("payee\nmontant")
    with pytest.raises(ValueError, match="manque : amount"):
        parse_columns("payee\niban")
    bad = dc_replace(load_settings(db), payment_csv_columns="iban\niban")
    assert "deux fois" in settings_errors(bad)["payment_csv_columns"]
    admin = Actor(login="admin", workstation="P", is_admin=True)
    chosen = "iban = Compte\npayee = Tiers\namount = Montant TTC\ndecision"
    save_settings(db, admin, dc_replace(load_settings(db), payment_csv_columns=chosen))
    *_, finance, _helene, _marc = office
    info = create_batch(db, finance, UNTIL)
    lines = export_batch(db, finance, info.number, tmp_path / "lot.csv").read_text("utf-8-sig")
    rows = lines.splitlines()
    assert rows[0] == "Compte;Tiers;Montant TTC;Décision"
    assert rows[1].split(";")[0].startswith("FR76") and rows[1].split(";")[3].startswith("PSR-")
    total = info.total_cents
    assert (
        rows[-1]
        == f"TOTAL {info.number};{len(info.transfers)} virements;{total // 100},{total % 100:02d};"
    )


def test_batches_sort_by_year_then_sequence_not_by_text():
    numbers = [format_batch_number(y, n) for y, n in [(2027, 1000), (2028, 2), (2027, 999)]]
    assert sorted(numbers, key=batch_order) == ["PAI-2027-999", "PAI-2027-1000", "PAI-2028-002"]
