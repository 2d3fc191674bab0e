"""The one moment the test session runs at.

Every date a test builds that the calendar could overtake (certificates, envelope years,
"today", deadlines, "last 24 months", retention) derives from :data:`MOMENT`, which is the
machine's clock read once when the session starts. ``conftest.py`` pins the application's
clock (:mod:`app.services.clock`) to it, so the code under test and the test agree on the day;
CI runs the suite under libfaketime at other dates (leap day included) to prove it.
Scenarios that are history (a case of 2018 with its own ``today``) keep their literal dates.
"""

from __future__ import annotations

import calendar
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

MOMENT: datetime = datetime.now(UTC).replace(microsecond=0)
TODAY: date = MOMENT.astimezone().date()


def pause(seconds: float) -> None:
    """Wait ``seconds``. Never ``time.sleep`` in a test: under the libfaketime that runs the
    suite at other dates (.ci/run, monotonic clock left real) it fails with EINVAL, while a
    timed wait on an event goes through ``sem_clockwait`` and works."""
    threading.Event().wait(seconds)


def years_before(day: date, years: int) -> date:
    """Same day ``years`` earlier (29/02 becomes 28/02 in a common year)."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def years_after(day: date, years: int) -> date:
    return years_before(day, -years)


def days_from_today(days: int) -> date:
    return TODAY + timedelta(days=days)


@contextmanager
def working_day(day: date) -> Iterator[None]:
    """The application's clock at 10:00 on ``day`` (a scenario of the past whose letters are
    produced on their day), then back at :data:`MOMENT`."""
    from app.services import clock

    clock.pin(datetime.combine(day, time(10, 0)).astimezone())
    try:
        yield
    finally:
        clock.pin(MOMENT)
