"""What every step of the demo database shares: the world (one generator, the demo's day,
the offices and their staff, the counts), the names of people of Essonne, and the row
helpers (Core bulk inserts, the tracked columns)."""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from app.models import Base
from app.services import demo_data as data

SCHEME_START = date(2017, 12, 1)  # the Pack sortie is in force; the app's records start here
DEMO_CREATOR = "demo"


@dataclass
class Staff:
    id: uuid.UUID
    login: str


@dataclass
class OfficeRef:
    key: str
    id: uuid.UUID
    institution_id: uuid.UUID
    kind: str
    social: list[Staff] = field(default_factory=list)  # follow "social" orientations
    pro: list[Staff] = field(default_factory=list)  # follow "emploi" and "socio_pro"


@dataclass
class World:
    rng: random.Random
    today: date
    login: str  # OS login of the person running the command
    offices: dict[str, OfficeRef] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def stamp(self, day: date) -> datetime:
        """A working-hours moment of ``day`` (UTC)."""
        minute = self.rng.randrange(7 * 60, 17 * 60)
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=UTC)


class People:
    """Names of people of Essonne: coherent first and last names, with some mixing."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.groups = data.NAME_GROUPS
        self.group_cum = list(itertools.accumulate(g.weight for g in self.groups))

    def group(self) -> int:
        return bisect.bisect(self.group_cum, self.rng.random() * self.group_cum[-1])

    def first_name(self, group: int, female: bool) -> str:
        g = self.groups[group]
        return self.rng.choice(g.female if female else g.male)

    def surname(self, group: int) -> str:
        rng = self.rng
        if rng.random() < 0.12:  # families are not sorted by origin
            group = self.group()
        name = rng.choice(self.groups[group].surnames)
        if rng.random() < 0.03 and "-" not in name:
            other = rng.choice(self.groups[group].surnames)
            if other != name and "-" not in other:
                name = f"{name}-{other}"
        return name


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Core executemany on the table: one statement per chunk, no ORM bookkeeping."""
    if rows:
        session.execute(insert(cast(Table, model.__table__)), rows)


def tracked(
    at: datetime, by: str, updated: datetime | None = None, by2: str = ""
) -> dict[str, Any]:
    """The version and created/updated columns of a new row (updated: as created unless told)."""
    return {
        "version_id": 1,
        "created_at": at,
        "created_by": by,
        "updated_at": updated or at,
        "updated_by": by2 or by,
    }
