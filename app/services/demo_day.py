"""The day a demo database stands on, read without the ORM (the window asks at start-up).

:func:`app.services.demo.build_demo` records it; a real base has none.
"""

from __future__ import annotations

import json
from datetime import date

from app.services import clock
from app.services.storage import Database

DEMO_DATE_KEY = "demo_as_of"  # setting holding the demo's day (ISO), absent in real bases
STALE_AFTER_DAYS = 30  # a demo older than this is offered a rebuild for today


def demo_date(db: Database) -> date | None:
    """The day a demo database stands on; None for a real base."""
    rows = db.rows("SELECT value FROM setting WHERE key = :key", {"key": DEMO_DATE_KEY})
    return date.fromisoformat(json.loads(rows[0][0])) if rows else None


def demo_is_stale(db: Database, today: date | None = None) -> date | None:
    """The demo's day when time has overtaken it (more than a month ago), else None."""
    day = demo_date(db)
    today = today or clock.today()
    return day if day is not None and (today - day).days > STALE_AFTER_DAYS else None
