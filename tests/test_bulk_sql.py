"""Rows written in one statement (the import's path) read back exactly as the ORM wrote
them: text that looks like a number, quotes, accents, dates, booleans, NULLs and ids."""

from __future__ import annotations

import uuid
from datetime import date
from typing import cast

from sqlalchemy import Table, select

from app.models import Beneficiary
from app.services.bulk_sql import execute, matching, prepare_insert, prepare_update

TABLE = cast(Table, Beneficiary.__table__)


def person(**values) -> dict:
    return {
        "id": uuid.uuid4(),
        "last_name": 'O\'Neil "dit" \\ Lefèvre',
        "first_name": "Hélène",
        "birth_date": date(1988, 4, 12),
        "allocataire_number": "0012345",
        "postcode": "01000",
        "global_support": True,
        "orientation": None,
        "created_by": "nbenali",
        "updated_by": "nbenali",
    } | values


def test_inserted_and_updated_rows_read_back_as_given(db):
    first, second = person(), person(allocataire_number=None, global_support=False)
    with db.write() as s:
        execute(s, prepare_insert(s.connection().dialect, TABLE, [first, second]))
    moved = {"id": first["id"], "commune": "Évry-Courcouronnes", "birth_date": date(1990, 1, 2)}
    with db.write() as s:
        execute(s, prepare_update(s.connection().dialect, TABLE, "id", [moved]))
    with db.read() as s:
        stored = {b.id: b for b in s.scalars(select(Beneficiary))}
    a, b = stored[first["id"]], stored[second["id"]]
    assert a.last_name == first["last_name"] and a.first_name == "Hélène"
    assert a.allocataire_number == "0012345" and a.postcode == "01000"  # still text
    assert a.global_support is True and b.global_support is False
    assert a.orientation is None and b.allocataire_number is None
    assert a.commune == "Évry-Courcouronnes" and a.birth_date == date(1990, 1, 2)
    assert b.birth_date == second["birth_date"] and b.commune == ""  # the column's default
    assert a.version_id == 1 and a.created_at is not None
    assert a.updated_at is not None and a.updated_at >= a.created_at  # onupdate refreshed


def test_only_keeps_the_rows_asked_for(db):
    rows = [person(allocataire_number=f"00{n}") for n in range(3)]
    with db.write() as s:
        prepared = prepare_insert(s.connection().dialect, TABLE, rows)
        execute(s, prepared.only([True, False, True]))
    with db.read() as s:
        numbers = set(s.scalars(select(Beneficiary.allocataire_number)))
    assert numbers == {"000", "002"}


def test_matching_finds_rows_by_key_and_gives_the_key_back_as_given(db):
    rows = [person(allocataire_number=f"77{n}") for n in range(3)]
    with db.write() as s:
        execute(s, prepare_insert(s.connection().dialect, TABLE, rows))
    wanted = [rows[0]["id"], rows[2]["id"], uuid.uuid4()]
    with db.read() as s:
        found = matching(s, TABLE.c.id, wanted, TABLE.c.allocataire_number)
        assert matching(s, TABLE.c.id, [], TABLE.c.version_id) == []
    assert sorted(found) == sorted([(rows[0]["id"], "770"), (rows[2]["id"], "772")])
