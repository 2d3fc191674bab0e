"""The beneficiary list's read model: search, filters, sort and pages, in SQL.

Plain SQL through :meth:`Database.rows` rather than the ORM: the list is the first thing
the main window shows, and this path does not need SQLAlchemy loaded (start-up time).
SQLite answers text searches from the FTS5 index (``app/migrations/fts.py``); a server
uses ``LIKE`` on the folded search text. The writing side of the search columns is
:func:`app.services.beneficiaries.search_columns`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.models.enums import CaseState, Orientation
from app.services.storage import Database
from app.services.text import search_terms
from app.services.visibility import ReadScope, scope_sql

NO_CASE = "none"  # case_state filter value: beneficiaries who never had a case

# Above this many matches, walking the name index and keeping the matching rows finds the
# first page faster than fetching every match and sorting them (measured on 300 000 rows:
# "l" 246 ms -> 10 ms); below it, the reverse ("ndiaye" 3 ms vs 35 ms).
WIDE_MATCH = 2_000


@dataclass(frozen=True)
class BeneficiaryFilter:
    text: str = ""
    orientation: str | None = None
    institution_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None
    referent_id: uuid.UUID | None = None
    case_state: str | None = None  # a CaseState value, or NO_CASE
    scope: ReadScope | None = None  # whose files may be listed (visibility.scope_of)


@dataclass(frozen=True)
class BeneficiaryRow:
    id: uuid.UUID
    name: str
    birth_date: date | None
    allocataire: str
    commune: str
    orientation: str
    referent: str
    office: str
    case_state: str


# Sort key -> SQL expression (the list's columns, in order).
_SORT_SQL = {
    "name": "beneficiary.sort_name",
    "birth_date": "beneficiary.birth_date",
    "allocataire": "beneficiary.allocataire_number",
    "commune": "beneficiary.commune_key",
    "orientation": "beneficiary.orientation",
    "referent": "referent.last_name",
    "office": "office.name",
    "case_state": "beneficiary.current_case_state",
}
SORT_KEYS = tuple(_SORT_SQL)
# Sorts an index can walk in order (a first page costs ~1 ms even at 300 000 rows): the
# anonymised_at index, which matches nearly every row, must not be preferred to it
# (first page by name at 300 000: 247 ms through that index and a sort, 1 ms walking).
_INDEXED_SORTS = frozenset({"name", "allocataire", "commune"})

_LIST_SELECT = (
    "SELECT beneficiary.id, beneficiary.last_name, beneficiary.first_name, "
    "beneficiary.birth_date, beneficiary.allocataire_number, beneficiary.paying_body, "
    "beneficiary.commune, beneficiary.orientation, referent.first_name, referent.last_name, "
    "office.name, beneficiary.current_case_state "
    "FROM beneficiary "
    "LEFT OUTER JOIN app_user AS referent ON referent.id = beneficiary.referent_id "
    "LEFT OUTER JOIN office ON office.id = beneficiary.office_id"
)
_FTS_ROWIDS = "SELECT rowid FROM beneficiary_fts WHERE beneficiary_fts MATCH :match"


def _fts_match(terms: list[str]) -> str:
    return " AND ".join(f'"{term}"*' for term in terms)  # fold() leaves only [a-z0-9]


def _id_param(db: Database, value: uuid.UUID) -> Any:
    """How the database stores a UUID: 32 hex digits in SQLite, native on a server."""
    return value.hex if db.dialect == "sqlite" else value


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _only_text(flt: BeneficiaryFilter) -> bool:
    return not (
        flt.orientation
        or flt.office_id
        or flt.institution_id
        or flt.referent_id
        or flt.case_state
        or flt.scope
    )


def _fts_count(db: Database, terms: list[str], cap: int | None = None) -> int:
    inner = _FTS_ROWIDS + (f" LIMIT {int(cap)}" if cap is not None else "")
    found = db.rows(f"SELECT count(*) FROM ({inner})", {"match": _fts_match(terms)})
    return int(found[0][0]) if found else 0


def _where(
    db: Database, flt: BeneficiaryFilter, *, wide: bool = False, walk_sort_index: bool = False
) -> tuple[str, dict]:
    """The WHERE clause of a filter, and its parameters.

    Every word of the search box must start a word of the person's folded search text.
    A unary ``+`` keeps SQLite from using an index for a condition: ``wide`` keeps it from
    driving the query from the match list, so it walks the name index in order instead
    (see WIDE_MATCH); ``walk_sort_index`` (or ``wide``) from the anonymised_at index."""
    sqlite = db.dialect == "sqlite"  # PostgreSQL's planner needs no such hint (nor has it)
    plus = "+" if wide and sqlite else ""
    anonymised = "+" if (wide or walk_sort_index) and sqlite else ""
    conds = [f"{anonymised}beneficiary.anonymised_at IS NULL"]
    params: dict[str, Any] = {}
    if terms := search_terms(flt.text):
        if db.dialect == "sqlite":
            conds.append(f"{plus}beneficiary.rowid IN ({_FTS_ROWIDS})")
            params["match"] = _fts_match(terms)
        else:
            for n, term in enumerate(terms):
                conds.append(f"beneficiary.search_text LIKE :term{n}")
                params[f"term{n}"] = f"% {term}%"
    if flt.orientation:
        conds.append("beneficiary.orientation = :orientation")
        params["orientation"] = flt.orientation
    if flt.office_id:
        conds.append("beneficiary.office_id = :office_id")
        params["office_id"] = _id_param(db, flt.office_id)
    if flt.institution_id:
        conds.append(
            "EXISTS (SELECT 1 FROM office AS of_institution "
            "WHERE of_institution.id = beneficiary.office_id "
            "AND of_institution.institution_id = :institution_id)"
        )
        params["institution_id"] = _id_param(db, flt.institution_id)
    if flt.referent_id:
        conds.append("beneficiary.referent_id = :referent_id")
        params["referent_id"] = _id_param(db, flt.referent_id)
    if flt.scope is not None:
        condition, scoped = scope_sql(flt.scope, lambda value: _id_param(db, value))
        conds.append(condition)
        params |= scoped
    if flt.case_state == NO_CASE:
        conds.append("beneficiary.current_case_state IS NULL")
    elif flt.case_state:
        conds.append("beneficiary.current_case_state = :case_state")
        params["case_state"] = flt.case_state
    return " WHERE " + " AND ".join(conds), params


def count_beneficiaries(db: Database, flt: BeneficiaryFilter) -> int:
    terms = search_terms(flt.text)
    if terms and db.dialect == "sqlite" and _only_text(flt):
        # Anonymised people have an empty search text: the index alone counts (3 ms for
        # 76 000 matches instead of 52 ms through the table).
        return _fts_count(db, terms)
    where, params = _where(db, flt)
    found = db.rows(f"SELECT count(*) FROM beneficiary{where}", params)
    return int(found[0][0]) if found else 0


def list_query(
    db: Database, flt: BeneficiaryFilter, sort: str, descending: bool
) -> tuple[str, dict[str, Any]]:
    """The SQL of one page (``:limit``/``:offset`` still to bind) and its parameters."""
    key = _SORT_SQL[sort]
    terms = search_terms(flt.text)
    if db.dialect == "sqlite":
        wide = bool(
            terms and sort == "name" and _fts_count(db, terms, cap=WIDE_MATCH) >= WIDE_MATCH
        )
        where, params = _where(db, flt, wide=wide, walk_sort_index=sort in _INDEXED_SORTS)
    else:
        where, params = _where(db, flt)
        if terms and sort in _INDEXED_SORTS and not _server_wide(db, where, params):
            # Few matches: PostgreSQL would still walk the sort index and test every row
            # (2 418 matches of "lef" at 300 000: 419 ms); an expression it cannot take
            # from the index makes it fetch the matches and sort them (18 ms).
            key = f"({key} || '')"
    order = [f"{key} {'DESC' if descending else 'ASC'}"]
    if sort != "name":
        order.append("beneficiary.sort_name")
    order.append("beneficiary.id")
    return f"{_LIST_SELECT}{where} ORDER BY {', '.join(order)} LIMIT :limit OFFSET :offset", params


def _server_wide(db: Database, where: str, params: dict[str, Any]) -> bool:
    """At least WIDE_MATCH people match (counted no further than that)."""
    capped = f"SELECT count(*) FROM (SELECT 1 FROM beneficiary{where} LIMIT {WIDE_MATCH}) AS m"
    found = db.rows(capped, params)
    return bool(found) and int(found[0][0]) >= WIDE_MATCH


def list_beneficiaries(
    db: Database,
    flt: BeneficiaryFilter,
    *,
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> list[BeneficiaryRow]:
    """One page of the list, sorted by ``sort`` (one of SORT_KEYS), then by name."""
    sql, params = list_query(db, flt, sort, descending)
    rows = db.rows(sql, {**params, "limit": int(limit), "offset": int(offset)})
    return [
        BeneficiaryRow(
            id=_as_uuid(r[0]),
            name=f"{r[1].upper()} {r[2]}",
            birth_date=_as_date(r[3]),
            allocataire=f"{r[5]} {r[4]}" if r[4] else "",
            commune=r[6] or "",
            orientation=Orientation(r[7]).label if r[7] else "",
            referent=f"{r[8]} {r[9]}" if r[9] else "",
            office=r[10] or "",
            case_state=CaseState(r[11]).label if r[11] else "",
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class Lookups:
    """What the filters and the form offer: institutions, offices, référents."""

    institutions: list[Choice]
    offices: list[Choice]
    referents: list[Choice]


def lookups(db: Database) -> Lookups:
    institutions = db.rows("SELECT id, name FROM institution ORDER BY name")
    offices = db.rows("SELECT id, name FROM office ORDER BY name")
    referents = db.rows(
        "SELECT id, last_name, first_name FROM app_user "
        "WHERE active = :yes AND is_referent = :yes ORDER BY last_name, first_name",
        {"yes": True},
    )
    return Lookups(
        [Choice(_as_uuid(i), name) for i, name in institutions],
        [Choice(_as_uuid(i), name) for i, name in offices],
        [Choice(_as_uuid(i), f"{last.upper()} {first}".strip()) for i, last, first in referents],
    )
