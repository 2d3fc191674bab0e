"""The demo's payment history: monthly batches made and confirmed by the finance user, with
the bank's rejections « à régulariser », read and continued by the real payment services."""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Case, User
from app.models.enums import BatchStatus, InstalmentStatus
from app.services import demo_data as data
from app.services.actor import Actor, actor_from_user
from app.services.caseload import TodoKind, caseload
from app.services.dates import add_months, month_start
from app.services.numbering import format_batch_number
from app.services.payments import (
    PAYING_CASES,
    NothingDue,
    confirm_batch,
    create_batch,
    list_batches,
    load_batch,
    preview_batch,
)
from app.services.schema import open_sqlite
from app.services.storage import Database
from tests.clock import TODAY  # the demo is built as of the session's day
from tests.demo_helpers import built_demo, day, opened, rows, staff

N = 1200
SEED = 5


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_demo(tmp_path_factory, "demo_payments", N, SEED)


@pytest.fixture(scope="module")
def db(demo_path: Path) -> Iterator[Database]:
    yield from opened(demo_path)


@pytest.fixture(scope="module")
def finance(db: Database) -> Actor:
    """The demo's finance user, who made the batches."""
    return staff(db, User.is_finance, User.capacity.in_(data.FINANCE_CAPACITY))


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def batches(path: Path) -> list[tuple]:
    return rows(
        path,
        "SELECT id, number, status, created_at, created_by, updated_at, confirmed_on, "
        "total_cents, exported_at, file_sha256 FROM payment_batch ORDER BY created_at",
    )


def events(path: Path) -> dict[tuple[str, str], tuple]:
    """(batch id, action) -> (at, login, summary, after) of the batches' audit events."""
    found = rows(
        path,
        "SELECT entity_id, action, at, user_login, summary, after FROM audit_event "
        "WHERE entity = 'payment_batch'",
    )
    out = {}
    for batch_id, action, at, login, summary, after in found:
        assert (batch_id, action) not in out
        out[uuid.UUID(batch_id).hex, action] = (at, login, summary, json.loads(after))
    return out


# --- The batches -------------------------------------------------------------------------------


def test_every_mandated_or_paid_instalment_is_in_a_batch_of_its_kind(demo_path: Path):
    found = rows(
        demo_path,
        "SELECT i.status, i.paid_on, i.updated_by, b.status, b.confirmed_on, b.created_by "
        "FROM instalment i LEFT JOIN payment_batch b ON b.id = i.batch_id",
    )
    statuses = Counter(status for status, *_ in found)
    assert statuses["paid"] > 10 * statuses["mandated"] > 0
    for status, paid_on, updated_by, batch, confirmed_on, made_by in found:
        if status == InstalmentStatus.PAID.value:
            assert batch == BatchStatus.CONFIRMED.value and paid_on == confirmed_on
            assert updated_by == made_by
        elif status == InstalmentStatus.MANDATED.value:
            assert batch == BatchStatus.OPEN.value and paid_on is None
            assert updated_by == made_by
        else:
            assert batch is None and paid_on is None


def test_batches_are_monthly_numbered_and_counted(demo_path: Path, finance: Actor):
    made = batches(demo_path)
    assert len(made) > 40  # 2018 to the demo's day, about one a month
    counters = dict(rows(demo_path, "SELECT name, value FROM counter WHERE name LIKE 'batch-%'"))
    by_year: dict[int, list[str]] = defaultdict(list)
    months = []
    for _id, number, status, created, made_by, _u, confirmed_on, _t, exported, sha in made:
        created = stamp(created)
        by_year[created.year].append(number)
        months.append(month_start(created.date()))
        assert made_by == finance.login
        assert exported is None and sha == ""  # never exported from the demo
        if month_start(created.date()) == month_start(TODAY):
            assert status == BatchStatus.OPEN.value and confirmed_on is None
            assert created.date() <= TODAY
        else:
            assert status == BatchStatus.CONFIRMED.value
            assert created.date() < day(confirmed_on) <= TODAY
    assert len(set(months)) == len(months)  # one a month at most
    assert [s for _i, _n, s, *_ in made].count(BatchStatus.OPEN.value) == 1
    assert months[-1] == month_start(TODAY)
    for year, numbers in by_year.items():
        assert numbers == [format_batch_number(year, n) for n in range(1, len(numbers) + 1)]
        assert counters[f"batch-{year}"] == len(numbers)
    assert set(counters) == {f"batch-{y}" for y in by_year}


def test_each_batch_totals_its_transfers_and_its_rejected_ones(demo_path: Path):
    """``total_cents`` is the batch as made (its file's total): a confirmation takes the
    rejected transfers out of the batch and keeps the total, as the payment service does."""
    held = {
        batch_id: (n, cents)
        for batch_id, n, cents in rows(
            demo_path,
            "SELECT batch_id, count(*), sum(amount_cents) FROM instalment "
            "WHERE batch_id IS NOT NULL GROUP BY batch_id",
        )
    }
    audit = events(demo_path)
    made_transfers = rejections = 0
    for batch_id, number, status, *_dates, total, _exported, _sha in batches(demo_path):
        n, cents = held.get(batch_id, (0, 0))
        made = audit[batch_id, "payment_batch"][3]
        assert made == {"number": number, "total_cents": total, "transfers": made["transfers"]}
        made_transfers += made["transfers"]
        if status == BatchStatus.OPEN.value:
            assert (batch_id, "payment_confirm") not in audit
            assert made["transfers"] == n and total == cents
            continue
        rejected = audit[batch_id, "payment_confirm"][3]["rejected"]
        assert audit[batch_id, "payment_confirm"][3]["paid"] == n
        assert made["transfers"] == n + len(rejected)
        assert {r.rsplit("-", 1)[0] for r in rejected} <= {number}
        assert all(1 <= int(r.rsplit("-", 1)[1]) <= made["transfers"] for r in rejected)
        assert set(rejected.values()) <= set(data.PAYMENT_REJECTIONS)
        assert total > cents if rejected else total == cents
        rejections += len(rejected)
    assert 0 < rejections < 0.05 * made_transfers  # about 1.5 % of the people's transfers


def test_the_audit_trail_follows_the_batches(demo_path: Path, finance: Actor):
    audit = events(demo_path)
    for batch_id, number, status, created, _by, updated, confirmed_on, _total, *_ in batches(
        demo_path
    ):
        at, login, summary, _after = audit[batch_id, "payment_batch"]
        assert at == created and login == finance.login
        assert summary.startswith(f"Lot {number} : ") and "échéances jusqu'à" in summary
        if status == BatchStatus.CONFIRMED.value:
            at, login, summary, after = audit[batch_id, "payment_confirm"]
            assert at == updated > created and login == finance.login
            assert after["paid_on"] == confirmed_on
            paid_on = day(confirmed_on)
            assert summary.startswith(f"Lot {number} payé le {paid_on.strftime('%d/%m/%Y')}")


def test_instalments_are_taken_after_the_grant_and_never_twice(db: Database, demo_path: Path):
    late = rows(
        demo_path,
        "SELECT count(*) FROM instalment i JOIN decision d ON d.case_id = i.case_id "
        "JOIN payment_batch b ON b.id = i.batch_id WHERE d.kind = 'grant' AND "
        "(substr(b.created_at, 1, 10) < d.decided_on OR i.due_month > b.created_at)",
    )
    assert late == [(0,)]
    seen: set = set()
    listed = list_batches(db)
    assert [b.number for b in listed] == [b[1] for b in reversed(batches(demo_path))]
    for row in listed:
        info = load_batch(db, row.number)
        assert info.status is row.status and len(info.transfers) == row.transfers
        assert [t.reference for t in info.transfers] == [
            f"{row.number}-{n:04d}" for n in range(1, row.transfers + 1)
        ]
        assert all(t.payee_iban and t.decision_number for t in info.transfers)
        ids = {t.instalment_id for t in info.transfers}
        assert not ids & seen
        seen |= ids
        assert row.confirmed_on is None if row.status is BatchStatus.OPEN else row.confirmed_on


# --- À régulariser -----------------------------------------------------------------------------


def test_rejected_transfers_are_in_the_referents_to_do_list(db: Database):
    with db.read() as s:
        to_settle = list(
            s.execute(
                select(Case.id, Case.referent_id)
                .join(Case.instalments)
                .where(Case.instalments.any(status=InstalmentStatus.TO_SETTLE.value))
                .distinct()
            )
        )
        assert to_settle
        referents = {rid: actor_from_user(s.get(User, rid), "POSTE-TEST") for _c, rid in to_settle}
    for case_id, referent_id in to_settle:
        items = caseload(db, referents[referent_id], today=TODAY)
        assert any(i.case_id == case_id and i.kind is TodoKind.TO_SETTLE for i in items)


# --- After the demo: the app goes on ------------------------------------------------------------


def test_a_new_batch_takes_the_next_number_and_can_be_confirmed(
    demo_path: Path, tmp_path: Path, finance: Actor
):
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(demo_path, copy)
    counters = dict(rows(copy, "SELECT name, value FROM counter"))
    to_settle = dict(
        rows(
            copy,
            "SELECT i.id, c.state FROM instalment i JOIN pack_case c ON c.id = i.case_id "
            "WHERE i.status = 'to_settle'",
        )
    )
    assert to_settle  # the demo has rejected transfers to put right
    db = open_sqlite(copy)
    try:
        until = add_months(month_start(TODAY), 1)
        preview = preview_batch(db, until)
        assert preview.transfers and not preview.excluded  # every payee has a valid IBAN
        info = create_batch(db, finance, until)
        year = TODAY.year
        assert info.number == format_batch_number(year, counters.get(f"batch-{year}", 0) + 1)
        assert [t.instalment_id for t in info.transfers] == [
            t.instalment_id for t in preview.transfers
        ]
        # Put right in the next batch, except on a suspended case, which pays nothing.
        in_batch = {t.instalment_id.hex for t in info.transfers}
        held = {i for i, state in to_settle.items() if state not in PAYING_CASES}
        assert in_batch & set(to_settle) == set(to_settle) - held
        with pytest.raises(NothingDue):
            create_batch(db, finance, until)
        paid, rejected = confirm_batch(db, finance, info.number, TODAY)
        assert (paid, rejected) == (len(info.transfers), 0)
        assert list_batches(db)[0].number == info.number
        assert load_batch(db, info.number).status is BatchStatus.CONFIRMED
    finally:
        db.dispose()
