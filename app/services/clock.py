"""The application's one reading of the workstation's clock.

Every "today" and "now" of the services and screens comes from here, so that the whole
application agrees on the day (a letter, its deadline and the « À faire » list never straddle
midnight apart) and the tests can pin the moment they run at (``tests/clock.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

_pinned: datetime | None = None  # aware; set only by the tests' fixture


def now() -> datetime:
    """The current moment, aware, in the workstation's time zone."""
    return _pinned.astimezone() if _pinned is not None else datetime.now().astimezone()


def now_utc() -> datetime:
    return now().astimezone(UTC)


def today() -> date:
    """The workstation's calendar day."""
    return now().date()


def pin(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (aware), or let it run again with ``None``."""
    global _pinned
    if moment is not None and moment.tzinfo is None:
        raise ValueError("pin() needs an aware datetime")
    _pinned = moment
