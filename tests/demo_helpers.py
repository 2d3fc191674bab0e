"""What the demo tests share: a small demo built once per test module, read with plain SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import literal_column, select

from app.models import User
from app.services.actor import Actor, actor_from_user
from app.services.demo import build_demo
from app.services.schema import open_sqlite
from app.services.storage import Database


def built_demo(factory: pytest.TempPathFactory, name: str, n: int, seed: int) -> Path:
    """A demo of ``n`` beneficiaries built as of the session's day (the pinned clock)."""
    path = factory.mktemp(name) / "demo.sqlite"
    build_demo(path, beneficiaries=n, seed=seed)
    return path


def opened(path: Path) -> Iterator[Database]:
    database = open_sqlite(path)
    yield database
    database.dispose()


def staff(db: Database, *where: Any) -> Actor:
    """The first user (in the demo's order) matching ``where``, acting on a test station."""
    with db.read() as s:
        user = s.scalars(select(User).where(*where).order_by(literal_column("rowid"))).first()
        assert user is not None, where
        return actor_from_user(user, "POSTE-TEST")


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def day(text: str | None) -> date | None:
    """An ISO date (or the date of an ISO moment) as SQLite gives it back."""
    return date.fromisoformat(text[:10]) if text else None
