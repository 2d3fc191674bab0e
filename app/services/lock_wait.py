"""Waiting for another station's lock, in a way the user can cancel.

SQLite waits for a lock inside the driver (``busy_timeout``), where nothing can stop it.
Work started under :func:`cancellable` waits in short steps instead: between two steps it
looks whether the user cancelled, and gives up with :class:`WaitCancelled` before anything
is written. The whole wait still lasts at most the connection's usual busy timeout.
A write whose lock was obtained is rolled back, rather than committed, when the user
cancelled in the meantime (:func:`raise_if_cancelled`, called by ``Database.write``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.services.errors import UserFacingError

STEP_MS = 100  # one step of the wait: how soon a cancel is noticed

_cancelled: ContextVar[Callable[[], bool] | None] = ContextVar("pack_sortie_cancel", default=None)


class WaitCancelled(UserFacingError):
    """The user stopped waiting for the database: nothing was written."""

    def __init__(self) -> None:
        super().__init__(
            "Attente annulée : la base était occupée par un autre poste et rien n'a été "
            "enregistré. Vous pourrez recommencer dans quelques instants."
        )


@contextmanager
def cancellable(cancelled: Callable[[], bool]) -> Iterator[None]:
    """Database work in this block (this thread) stops waiting once ``cancelled()``."""
    token = _cancelled.set(cancelled)
    try:
        yield
    finally:
        _cancelled.reset(token)


def cancel_check() -> Callable[[], bool] | None:
    return _cancelled.get()


def raise_if_cancelled() -> None:
    check = _cancelled.get()
    if check is not None and check():
        raise WaitCancelled()


def is_lock_error(exc: sqlite3.Error) -> bool:
    """Another station holds the lock. A full-text index opened under a lock fails with
    "vtable constructor failed" (its own busy error hidden): retried as a lock too, until
    the usual timeout, after which the error stands as it is."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in text or "busy" in text or "vtable constructor failed" in text
    )


def retry_while_locked[T](
    conn: sqlite3.Connection, run: Callable[[], T], *, busy_ms: int, undo: Callable[[], None]
) -> T:
    """``run()`` on ``conn``, retried in short steps while another station holds the lock,
    for at most ``busy_ms``; ``undo()`` after each failed step (e.g. roll back a BEGIN).
    Without :func:`cancellable` around it, simply ``run()`` with the usual timeout."""
    check = _cancelled.get()
    if check is None:
        return run()
    deadline = time.monotonic() + busy_ms / 1000
    conn.execute(f"PRAGMA busy_timeout={STEP_MS}")
    try:
        while True:
            if check():
                raise WaitCancelled()
            try:
                return run()
            except sqlite3.OperationalError as exc:
                if not is_lock_error(exc) or time.monotonic() >= deadline:
                    raise
                undo()
    finally:
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
