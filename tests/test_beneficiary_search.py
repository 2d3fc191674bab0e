"""The list's read model on a server (PostgreSQL): LIKE on the folded text, native UUIDs.

tests/test_beneficiaries.py runs the list on real SQLite and PostgreSQL bases; here a
recording stand-in for the server shows what SQL and parameters the read model sends there."""

from __future__ import annotations

import uuid
from datetime import date

from app.services import beneficiary_search as search
from app.services.beneficiary_search import BeneficiaryFilter


class ServerStandIn:
    dialect = "postgresql"

    def __init__(self, answer):
        self.answer = answer
        self.sent = []

    def rows(self, sql, params=None):
        self.sent.append((sql, dict(params or {})))
        return [(1,)] if sql.startswith("SELECT count(*)") else self.answer


def test_a_server_search_uses_like_on_the_folded_text_and_native_uuids():
    office = uuid.uuid4()
    person = uuid.uuid4()
    server = ServerStandIn(
        [
            (
                person,
                "Lefèvre",
                "Hélène",
                date(1988, 4, 12),
                "1234567",
                "CAF",
                "Évry",
                "social",
                "Nadia",
                "Benali",
                "MDS d'Évry",
                "in_progress",
            )
        ]
    )
    flt = BeneficiaryFilter(text="Hélène LEFÈVRE", office_id=office)
    [row] = search.list_beneficiaries(server, flt, limit=10)
    (count, _), (sql, params) = server.sent  # how many match (capped), then the page
    assert "LIMIT 2000" in count and "beneficiary_fts" not in count + sql
    assert "ORDER BY (beneficiary.sort_name || '') ASC" in sql  # few: sorted, not walked
    assert "beneficiary.search_text LIKE :term0 AND beneficiary.search_text LIKE :term1" in sql
    assert {params["term0"], params["term1"]} == {"% helene%", "% lefevre%"}
    assert params["office_id"] == office  # a UUID object, not SQLite's hex text
    assert row.id == person and row.birth_date == date(1988, 4, 12)
    assert row.name == "LEFÈVRE Hélène" and row.allocataire == "CAF 1234567"
    assert row.case_state == "En cours"


def test_sqlite_values_come_back_as_uuids_and_dates():
    person = uuid.uuid4()

    class SqliteStandIn(ServerStandIn):
        dialect = "sqlite"

    db = SqliteStandIn(
        [
            (
                person.hex,
                "Diallo",
                "Awa",
                "1990-01-31",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            )
        ]
    )
    [row] = search.list_beneficiaries(db, BeneficiaryFilter(office_id=person))
    assert db.sent[0][1]["office_id"] == person.hex
    assert (row.id, row.birth_date) == (person, date(1990, 1, 31))
    assert (row.allocataire, row.referent, row.case_state) == ("", "", "")
