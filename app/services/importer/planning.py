"""Deciding what each row does (create, update, unchanged, reject or identity
conflict) against the base and the lines before it, without writing: the plan goes to
:mod:`app.services.importer.writing`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Beneficiary
from app.services import audit, validation
from app.services.actor import Actor
from app.services.beneficiaries import (
    COPIED_FIELDS,
    SEARCH_SOURCES,
    BeneficiaryInput,
    search_columns_of,
    stored_value,
)
from app.services.importer import writing
from app.services.importer.columns import NAME_LIKE
from app.services.importer.report import IdentityConflict, ImportReport, RejectedLine
from app.services.importer.rows import Parsed, Row
from app.services.storage import Database
from app.services.text import fold, format_date

CHUNK = 200  # lines per progress report, per batched query and per flush


def _richness(text: str) -> tuple[int, int, bool]:
    accents = sum(1 for c in text if not c.isascii())
    punctuation = sum(1 for c in text if not c.isalnum() and not c.isspace())
    return (accents, punctuation, not text.isupper())


def _same(name: str, old: Any, new: Any) -> bool:
    """Whether the file's value brings nothing new (an upper-case, unaccented spelling of a
    name already stored with its accents is not a change)."""
    if old == new:
        return True
    if old is None or new is None:
        return False
    if name in NAME_LIKE:
        return fold(old) == fold(new) and _richness(new) <= _richness(old)
    if name == "phone":
        return validation.compact(old) == validation.compact(new)
    if name == "email":
        return str(old).strip().lower() == str(new).strip().lower()
    return False


@dataclass
class _Index:
    """Existing beneficiaries, loaded in one query: number key and identity -> id."""

    by_number: dict[tuple[str, str], uuid.UUID]
    by_identity: dict[tuple[str, str, date], list[uuid.UUID]]
    key_of: dict[uuid.UUID, tuple[str, str | None]]  # id -> (paying body, number)
    anonymised: set[uuid.UUID]
    names: set[tuple[str, str]]  # folded (last name, first name)

    @classmethod
    def load(cls, s: Session) -> _Index:
        index = cls({}, {}, {}, set(), set())
        rows = s.execute(
            select(
                Beneficiary.id,
                Beneficiary.paying_body,
                Beneficiary.allocataire_number,
                Beneficiary.last_name,
                Beneficiary.first_name,
                Beneficiary.birth_date,
                Beneficiary.anonymised_at,
            )
        )
        for bid, body, number, last, first, born, anonymised_at in rows:
            index.key_of[bid] = (body, number)
            if number:
                index.by_number[(body, number)] = bid
            if anonymised_at is not None:
                index.anonymised.add(bid)
                continue
            name = (fold(last), fold(first))
            index.names.add(name)
            if born and all(name):
                index.by_identity.setdefault((*name, born), []).append(bid)
        return index


@dataclass
class _Plan:
    row: Row
    action: str  # "create", "update" or "reject"
    target: uuid.UUID | None = None
    by_identity: bool = False
    reasons: list[str] = field(default_factory=list)
    possible_duplicate: bool = False


class Planner:
    """Plans the lines in file order from one read snapshot; :attr:`writes` is what the
    import will write (``app.services.importer.writing``), nothing is written here."""

    def __init__(self, db: Database, actor: Actor, report: ImportReport, file_name: str) -> None:
        self.db = db
        self.actor = actor
        self.report = report
        self.file_name = file_name
        self.writes = writing.Plan(file_name, report.lines_read)
        with db.read() as s:
            self.index = _Index.load(s)
        self.seen_numbers: dict[tuple[str, str], int] = {}
        self.seen_identities: dict[tuple[str, str, date], int] = {}
        self.touched: dict[uuid.UUID, int] = {}  # person -> the line of the file that set it

    def plan(self, row: Row) -> _Plan:
        """Decide what one line does, from the database and the lines before it."""
        reasons = list(row.errors)
        number_key, identity = row.number_key, row.identity
        if number_key:
            if number_key in self.seen_numbers:
                reasons.append(
                    f"Numéro allocataire {number_key[1]} déjà présent ligne "
                    f"{self.seen_numbers[number_key]} du fichier."
                )
            else:
                self.seen_numbers[number_key] = row.line
        if identity:
            earlier = self.seen_identities.setdefault(identity, row.line)
            if not number_key and earlier != row.line:
                reasons.append(
                    f"Même nom, prénom et date de naissance que la ligne {earlier} du fichier "
                    "(sans numéro allocataire pour les distinguer)."
                )
        if reasons:
            return _Plan(row, "reject", reasons=reasons)
        index = self.index
        target, by_identity = None, False
        if number_key:
            target = index.by_number.get(number_key)
            if target is None and identity:
                # A person entered by hand without a number receives it.
                free = [b for b in index.by_identity.get(identity, []) if not index.key_of[b][1]]
                if len(free) == 1:
                    target, by_identity = free[0], True
        elif identity:
            candidates = index.by_identity.get(identity, [])
            if len(candidates) > 1:
                return self._reject(
                    row,
                    f"{len(candidates)} bénéficiaires portent déjà ces nom, prénom et date de "
                    "naissance : indiquez le numéro allocataire pour choisir.",
                )
            if candidates:
                target, by_identity = candidates[0], True
        if target is None:
            return self._plan_create(row)
        if target in index.anonymised:
            return self._reject(
                row,
                "Ce numéro allocataire correspond à une fiche anonymisée : "
                "voyez avec l'administrateur.",
            )
        if target in self.touched:
            return self._reject(
                row,
                f"Ce bénéficiaire est déjà mis à jour par la ligne {self.touched[target]} "
                "du fichier.",
            )
        old_key = index.key_of[target]
        body = row.data.paying_body if "paying_body" in row.present else old_key[0]
        new_key = (body, row.data.allocataire_number or old_key[1])
        if new_key != old_key and new_key[1]:
            other = index.by_number.get((new_key[0], new_key[1]))
            if other is not None and other != target:
                return self._reject(
                    row,
                    f"Le numéro allocataire {new_key[1]} ({new_key[0]}) est déjà attribué "
                    "à un autre bénéficiaire.",
                )
            if old_key[1]:
                index.by_number.pop((old_key[0], old_key[1]), None)
            index.by_number[(new_key[0], new_key[1])] = target
            index.key_of[target] = new_key
        self.touched[target] = row.line
        return _Plan(row, "update", target, by_identity)

    def _plan_create(self, row: Row) -> _Plan:
        new_id = uuid.uuid4()
        if row.number_key:
            self.index.by_number[row.number_key] = new_id
        self.index.key_of[new_id] = (row.data.paying_body, row.data.allocataire_number or None)
        if row.identity:
            self.index.by_identity.setdefault(row.identity, []).append(new_id)
        name = (
            row.identity[:2]
            if row.identity
            else (fold(row.data.last_name), fold(row.data.first_name))
        )
        # Nothing tells this person from a namesake: created, but flagged in the report.
        unsure = not row.identity and not row.data.allocataire_number and name in self.index.names
        self.index.names.add(name)
        self.touched[new_id] = row.line
        return _Plan(row, "create", new_id, possible_duplicate=unsure)

    @staticmethod
    def _reject(row: Row, reason: str) -> _Plan:
        return _Plan(row, "reject", reasons=[reason])

    def planned(
        self,
        parsed: Parsed,
        progress: Callable[[int, int], None] | None,
        check_cancel: Callable[[], None],
    ) -> Iterator[list[writing.Creation | writing.Change]]:
        """Plan the file CHUNK lines at a time; yield what each chunk will write."""
        total = len(parsed.records)
        writes = self.writes
        for start in range(0, total, CHUNK):
            check_cancel()
            created, changed = len(writes.creations), len(writes.changes)
            self.run_chunk(parsed.rows(start, start + CHUNK))
            if progress is not None:
                progress(min(start + CHUNK, total), total)
            yield [*writes.creations[created:], *writes.changes[changed:]]

    def run_chunk(self, rows: list[Row]) -> None:
        plans = [self.plan(row) for row in rows]
        ids = [p.target for p in plans if p.action == "update"]
        loaded: dict[uuid.UUID, Any] = {}
        if ids:  # a short read of its own: a long one would keep other stations from saving
            table = Beneficiary.__table__
            with self.db.read() as s:  # rows, not ORM objects: read as a Beneficiary is
                found = s.execute(select(table).where(table.c.id.in_(ids)))
                loaded = {b.id: b for b in found}
        for p in plans:
            if p.action == "reject":
                self.report.rejected.append(RejectedLine(p.row.line, " ".join(p.reasons)))
            elif p.action == "create":
                self._create(p)
            else:
                assert p.target is not None
                self._update(p, loaded[p.target])

    def _summary(self, last_name: str, first_name: str, line: int) -> str:
        name = f"{last_name.upper()} {first_name}".strip()
        return f"{name} — import « {self.file_name} », ligne {line}"

    def _create(self, p: _Plan) -> None:
        self.report.created += 1
        if not p.row.data.allocataire_number:
            self.report.created_without_number.append(p.row.line)
        if p.possible_duplicate:
            self.report.possible_duplicates.append(p.row.line)
        data = p.row.data
        values: dict[str, Any] = {"id": p.target}
        for name in COPIED_FIELDS:
            values[name] = stored_value(name, getattr(data, name))
        values |= search_columns_of(values)
        values["created_by"] = values["updated_by"] = self.actor.login
        after = {
            k: audit.json_ready(v)
            for k, v in values.items()
            if k not in _NOT_AUDITED and v not in (None, "", False)
        }
        summary = self._summary(data.last_name, data.first_name, p.row.line)
        self.writes.creations.append(writing.Creation(p.row.line, values, summary, after))

    def _update(self, p: _Plan, b: Any) -> None:  # a beneficiary row
        data = p.row.data
        changed: dict[str, Any] = {}
        for name in p.row.present:
            new = getattr(data, name)
            if not _same(name, getattr(b, name), new):
                changed[name] = new
        if p.by_identity:
            self.report.matched_by_identity.append(p.row.line)
        elif _other_person(b, data, p.row.present):
            self.report.conflicts.append(
                IdentityConflict(
                    line_number=p.row.line,
                    beneficiary_id=b.id,
                    version_id=b.version_id,
                    number=f"{b.allocataire_number} ({b.paying_body})",
                    stored=_identity(b.last_name, b.first_name, b.birth_date),
                    incoming=_identity(
                        data.last_name or b.last_name,
                        data.first_name or b.first_name,
                        data.birth_date if "birth_date" in p.row.present else b.birth_date,
                    ),
                    data=data,
                    present=list(p.row.present),
                )
            )
            return
        if not changed:
            self.report.unchanged += 1
            return
        self.report.updated += 1
        stored = {name: getattr(b, name) for name in SEARCH_SOURCES}
        values = changed | {
            k: v for k, v in search_columns_of(stored | changed).items() if getattr(b, k) != v
        }
        values["updated_by"] = self.actor.login
        before = {name: getattr(b, name) for name in values}
        summary = self._summary(
            values.get("last_name", b.last_name), values.get("first_name", b.first_name), p.row.line
        )
        self.writes.changes.append(
            writing.Change(
                line=p.row.line,
                beneficiary_id=b.id,
                version_id=b.version_id,
                values=values,
                values_before=before,
                summary=summary,
                audit_before={k: audit.json_ready(getattr(b, k)) for k in changed},
                audit_after={k: audit.json_ready(v) for k, v in changed.items()},
            )
        )


def _other_person(b: Any, data: BeneficiaryInput, present: list[str]) -> bool:
    """Whether the file's line names someone else than the person holding its number: a
    different first name or birth date, or a last name that is neither the stored one nor
    the birth name (a change of married name alone is not another person)."""
    if "first_name" in present and fold(data.first_name) != fold(b.first_name):
        return True
    if "birth_date" in present and b.birth_date and data.birth_date != b.birth_date:
        return True
    known = {fold(b.last_name), fold(b.birth_name)} - {""}
    given = {fold(data.last_name), fold(data.birth_name)} - {""}
    return "last_name" in present and not (known & given)


def _identity(last_name: str, first_name: str, born: date | None) -> str:
    name = f"{last_name.upper()} {first_name}".strip()
    return (
        f"{name}, né(e) le {format_date(born)}" if born else f"{name} (date de naissance inconnue)"
    )


_NOT_AUDITED = {"search_text", "commune_key", "sort_name", "created_by", "updated_by"}
