"""Many rows in one statement, without SQLAlchemy compiling and binding each one.

For the import's chunks (thousands of rows per transaction), on SQLite: each value goes
through its column type's own bind processor (what SQLAlchemy itself would send), Python-side
defaults and ``onupdate`` values filled the same way; the rows are then sent as one JSON
array read by ``json_each``: one statement, which SQLite runs without coming back to
Python between rows (an ``executemany`` would, taking Python's lock for each). Other
databases take SQLAlchemy's Core path.

Binding is separate from sending (:func:`prepare_insert`, :func:`prepare_update`, then
:func:`execute`): a caller holding a write lock can bind its rows before taking it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Dialect, Executable, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session


@dataclass
class Prepared:
    """One statement and its rows, bound. On SQLite, driver SQL reading the rows from one
    JSON array (its last parameter, after ``shared``: the values every row has alike, bound
    once); elsewhere a Core statement with dicts. ``params[i]`` is the i-th row given."""

    statement: str | Executable
    params: list[Any]
    shared: tuple[Any, ...] = ()

    def only(self, keep: Sequence[bool]) -> Prepared:
        """The same statement for the rows whose ``keep`` is true."""
        kept = [p for p, k in zip(self.params, keep, strict=True) if k]
        return Prepared(self.statement, kept, self.shared)


def _from_json(
    names: list[str], params: list[tuple[Any, ...]], varying: str = ""
) -> tuple[list[str], tuple[Any, ...], list[tuple[Any, ...]]]:
    """How each column is read (``?`` for a value all rows share, ``value ->> k`` from the
    row's JSON array otherwise), the shared values in that order, and the rows cut down to
    the other columns: SQLite parses less JSON. ``varying`` is always read per row."""
    first = params[0]
    alike = [
        name != varying and all(p[n] == first[n] for p in params) for n, name in enumerate(names)
    ]
    read: list[str] = []
    shared: list[Any] = []
    per_row: list[int] = []
    for n, same in enumerate(alike):
        if same:
            read.append("?")
            shared.append(first[n])
        else:
            read.append(f"value ->> {len(per_row)}")
            per_row.append(n)
    rows = [tuple(p[n] for n in per_row) for p in params]
    return read, tuple(shared), rows


def _processor(column: Column, dialect: Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _is_time(column: Column) -> bool:
    try:
        return column.type.python_type is datetime
    except NotImplementedError:
        return False


def _bind(
    dialect: Dialect,
    table: Table,
    names: list[str],
    generated: list[tuple[Column, Any]],
    rows: Sequence[dict[str, Any]],
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and, per row, the values of ``names`` then of the ``generated``
    columns (with their default or ``onupdate``), all through their bind processors. A
    generated time is taken once for all the rows, as a server's ``now()`` is once per
    statement; other callables (ids) once per row."""
    processed = [
        (n, process)
        for n, name in enumerate(names)
        if (process := _processor(table.c[name], dialect)) is not None
    ]
    once: list[Any] = []
    each: list[tuple[Callable[[Any], Any], Callable[[Any], Any]]] = []
    once_names: list[str] = []
    each_names: list[str] = []
    for column, default in generated:
        process = _processor(column, dialect) or _unchanged
        if default.is_callable and not _is_time(column):
            each.append((default.arg, process))
            each_names.append(column.name)
        else:
            value = default.arg(None) if default.is_callable else default.arg
            once.append(process(value))
            once_names.append(column.name)
    get = itemgetter(*names)
    single = len(names) == 1
    params = []
    for row in rows:
        values = [get(row)] if single else list(get(row))
        for n, process in processed:
            values[n] = process(values[n])
        values += once
        if each:
            values += [process(make(None)) for make, process in each]
        params.append(tuple(values))
    return [*names, *once_names, *each_names], params


def _unchanged(value: Any) -> Any:
    return value


def prepare_insert(dialect: Dialect, table: Table, rows: Sequence[dict[str, Any]]) -> Prepared:
    """An INSERT of ``rows`` (dicts with the same keys; missing columns get their defaults)."""
    if not rows or dialect.name != "sqlite":
        return Prepared(insert(table), list(rows))
    generated = [
        (c, c.default) for c in table.columns if c.name not in rows[0] and c.default is not None
    ]
    names, params = _bind(dialect, table, list(rows[0]), generated, rows)
    # One statement for all the rows, from one JSON array: SQLite inserts them without
    # going back to Python between rows (an executemany would, taking the GIL each time).
    read, shared, per_row = _from_json(names, params)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(read)} FROM json_each(?)"
    )
    return Prepared(sql, per_row, shared)


def prepare_update(
    dialect: Dialect, table: Table, key: str, rows: Sequence[dict[str, Any]]
) -> Prepared:
    """An UPDATE by ``key`` (each dict holds the key and the same other columns); columns
    with an ``onupdate`` (``updated_at``) get it, as an ORM update would."""
    names = [name for name in rows[0] if name != key] if rows else []
    if not rows or dialect.name != "sqlite":
        statement = (
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in names})
        )
        return Prepared(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])
    refreshed = [
        (c, c.onupdate) for c in table.columns if c.name not in rows[0] and c.onupdate is not None
    ]
    columns, params = _bind(dialect, table, [*names, key], refreshed, rows)
    read, shared, per_row = _from_json(columns, params, varying=key)
    sets = ", ".join(
        f"{c} = {r.replace('value', 'j.value')}"
        for c, r in zip(columns, read, strict=True)
        if c != key
    )
    sql = (
        f"UPDATE {table.name} SET {sets} FROM json_each(?) AS j "
        f"WHERE {table.name}.{key} = j.{read[columns.index(key)]}"
    )
    return Prepared(sql, per_row, shared)


def matching(s: Session, key: Column, values: Collection[Any], *columns: Column) -> list[tuple]:
    """The rows whose ``key`` is one of ``values``, as (key, *columns): the key as given,
    the columns as the driver reads them. On SQLite the values go as one JSON array (a long
    ``IN`` list costs more to build and bind than the query itself)."""
    if not values:
        return []
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        return [tuple(r) for r in s.execute(select(key, *columns).where(key.in_(values)))]
    process = _processor(key, conn.dialect) or _unchanged
    given = {process(v): v for v in values}
    sql = (
        f"SELECT {', '.join(c.name for c in (key, *columns))} FROM {key.table.name} "  # type: ignore[attr-defined]
        f"WHERE {key.name} IN (SELECT value FROM json_each(?))"
    )
    found = conn.exec_driver_sql(sql, (json.dumps(list(given)),))
    return [(given[k], *rest) for k, *rest in found]


def execute(s: Session, prepared: Prepared) -> None:
    """Send prepared rows in the session's transaction (nothing when there are none)."""
    if not prepared.params:
        return
    if isinstance(prepared.statement, str):
        rows = json.dumps(prepared.params)
        s.connection().exec_driver_sql(prepared.statement, (*prepared.shared, rows))
    else:
        s.execute(prepared.statement, prepared.params)
