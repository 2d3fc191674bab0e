"""Another station holding the base's lock, for tests of waits on a locked share."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def other_station(db, how: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """A second connection in ``BEGIN <how>``: ``IMMEDIATE`` (a writer) or ``EXCLUSIVE``
    (a writer committing); rolled back at the end unless the test committed it."""
    blocker = sqlite3.connect(db.path, timeout=0, check_same_thread=False)
    blocker.isolation_level = None
    blocker.execute(f"BEGIN {how}")
    try:
        yield blocker
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()
