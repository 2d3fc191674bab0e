"""Administration › Paiements: due instalments, a batch and its file, its confirmation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Instalment, User
from app.services.actor import actor_from_user
from app.services.payments import list_batches
from app.ui import payments_dialog
from app.ui.payments_dialog import PaymentsDialog, parse_month
from tests.clock import TODAY
from tests.factories import granted_case, make_person, make_users

pytestmark = pytest.mark.usefixtures("fake_dialogs")


@pytest.fixture
def finance(db):
    referent, validator = make_users(db)
    for number, first in (("1234567", "Hélène"), ("7654321", "Marc")):
        person = make_person(db, referent, number=number, first_name=first)
        granted_case(
            db, referent, validator, person, job_start=date(2018, 3, 5), on=date(2018, 3, 20)
        )
    with db.write() as s:
        user = User(
            first_name="Léa",
            last_name="Fontaine",
            capacity="Gestionnaire",
            os_login="lfontaine",
            is_finance=True,
            is_referent=False,
        )
        s.add(user)
        s.flush()
        return actor_from_user(user, "POSTE-FIN"), referent


def open_dialog(qtbot, db, actor) -> PaymentsDialog:
    dialog = PaymentsDialog(db, actor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_parse_month():
    assert parse_month("05/2018") == date(2018, 5, 1)
    assert parse_month("2018-05") == date(2018, 5, 1)
    assert parse_month("13/2018") is None and parse_month("mai") is None


def test_preview_create_export_and_confirm(
    qtbot, db, finance, fake_dialogs, tmp_path, monkeypatch, shoot
):
    actor, _ = finance
    dialog = open_dialog(qtbot, db, actor)
    dialog.until.setText("05/2018")
    assert dialog.refresh_preview()
    assert dialog.payees.rowCount() == 2
    assert dialog.payees.headerData(2, Qt.Orientation.Horizontal) == "Montant"
    assert dialog.batches.headerData(0, Qt.Orientation.Horizontal) == "Lot"
    assert "virement(s) dus jusqu'à mai 2018" in dialog.summary.text()
    assert dialog.create_button.isEnabled()
    shoot(dialog, "payments")

    out = tmp_path / "lot.csv"
    fake_dialogs.save_file = str(out)
    number = dialog.create_batch()
    assert number == f"PAI-{TODAY.year}-001" and out.exists()
    assert f"Lot {number} exporté" in fake_dialogs.infos[-1]
    assert dialog.payees.rowCount() == 0 and not dialog.create_button.isEnabled()
    assert dialog.batches.rowCount() == 1
    assert "2018 — votée" in dialog.ledger.text() and "mandaté" in dialog.ledger.text()

    rejects = tmp_path / "rejets.csv"
    rejects.write_text(f"Référence;Motif\n{number}-0001;Compte clos\n", encoding="utf-8")
    monkeypatch.setattr(
        payments_dialog, "ask_confirmation", lambda _p, _n: (date(2018, 5, 10), rejects)
    )
    dialog.batch_table.select_row(0)
    assert dialog.confirm_selected()
    assert "1 rejeté(s) à régulariser" in fake_dialogs.infos[-1]
    [row] = list_batches(db)
    assert row.status.value == "confirmed" and row.confirmed_on == date(2018, 5, 10)
    with db.read() as s:
        statuses = {
            i.status
            for i in s.scalars(select(Instalment).where(Instalment.due_month <= date(2018, 5, 1)))
        }
    assert statuses == {"paid", "to_settle"}
    assert dialog.payees.rowCount() == 1  # the rejected transfer is due again


def test_read_only_for_a_referent(qtbot, db, finance):
    _, referent = finance
    dialog = open_dialog(qtbot, db, referent)
    dialog.until.setText("05/2018")
    dialog.refresh_preview()
    assert dialog.payees.rowCount() == 2
    assert not dialog.create_button.isEnabled() and not dialog.confirm_button.isEnabled()


def test_the_confirmation_form(qtbot, fake_dialogs):
    form = payments_dialog.ConfirmDialog("PAI-2026-001")
    qtbot.addWidget(form)
    assert form.answer() == (TODAY, None)
    fake_dialogs.open_file = "/tmp/rejets.csv"
    form._browse()
    form.paid_on.setValue(date(2026, 1, 5))
    assert form.answer() == (date(2026, 1, 5), Path("/tmp/rejets.csv"))


def test_the_sepa_file_of_a_batch(qtbot, db, finance, fake_dialogs, tmp_path):
    from tests.test_payments import _payer

    actor, _ = finance
    _payer(db)
    dialog = open_dialog(qtbot, db, actor)
    dialog.until.setText("05/2018")
    dialog.refresh_preview()
    fake_dialogs.save_file = ""  # the CSV only in the archive
    number = dialog.create_batch()
    dialog.batch_table.select_row(0)
    fake_dialogs.save_file = str(tmp_path / "lot.xml")
    path = dialog.export_sepa_selected()
    assert path == tmp_path / "lot.xml" and b"pain.001.001.03" in path.read_bytes()
    assert f"Fichier SEPA du lot {number}" in fake_dialogs.infos[-1]
