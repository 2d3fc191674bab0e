"""Four validators granting at once, each from their own process, on SQLite and on the
server: the envelope is never over-committed and decision numbers have no gap or twin."""

from __future__ import annotations

import multiprocessing
import uuid
from datetime import date

from sqlalchemy import func, select

from app.models import Decision, Instalment
from app.services import workflow
from app.services.errors import NotAllowed
from tests.factories import make_case, make_person, make_users, set_envelope

PACK = 135_000  # a full pack, in cents
ROOM = 3  # the envelope holds three packs
CASES = 8
WORKERS = 4


def location_of(db) -> str:
    """What opens the same base in another process: the file, or the server's URL."""
    if db.path is not None:
        return str(db.path)
    return db.engine.url.render_as_string(hide_password=False)


def _grant_all(location: str, case_ids: list[str], login: str, queue) -> None:
    from app.services.actor import current_actor
    from app.services.schema import open_database

    database = open_database(location)
    try:
        actor = current_actor(database, login)
        for case_id in case_ids:
            try:
                workflow.grant(database, actor, uuid.UUID(case_id), on=date(2020, 3, 3))
                queue.put("granted")
            except NotAllowed as exc:
                queue.put(f"refused: {exc}")
            except Exception as exc:  # reported, so that the test says what went wrong
                queue.put(f"error: {type(exc).__name__}: {exc}")
    finally:
        database.dispose()


def test_four_validators_granting_at_once_stay_within_the_envelope(db):
    referent, _validator = make_users(db)
    set_envelope(db, 2020, ROOM * PACK)
    cases = []
    for n in range(CASES):
        person = make_person(db, referent, number=f"{3000000 + n}", first_name=f"Awa{n}")
        case_id = make_case(db, referent, person, job_start=date(2020, 3, 2), contract_end=None)
        workflow.submit(db, referent, case_id)
        cases.append(str(case_id))
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    shares = [cases[n::WORKERS] for n in range(WORKERS)]
    procs = [
        ctx.Process(target=_grant_all, args=(location_of(db), share, "maubert", queue))
        for share in shares
    ]
    for p in procs:
        p.start()
    outcomes = sorted(queue.get(timeout=120) for _ in range(CASES))
    for p in procs:
        p.join(60)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes.count("granted") == ROOM
    assert all(o.startswith("refused: L'enveloppe 2020 ne suffit pas") for o in outcomes[ROOM:])
    with db.read() as s:
        committed = s.scalar(
            select(func.sum(Instalment.amount_cents)).where(Instalment.envelope_year == 2020)
        )
        numbers = sorted(s.scalars(select(Decision.number).where(Decision.year == 2020)))
    assert committed == ROOM * PACK
    assert numbers == [f"PSR-2020-{n:04d}" for n in range(1, ROOM + 1)]
