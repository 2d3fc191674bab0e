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
from datetime import UTC, date, datetime, timedelta

MOMENT: datetime = datetime.now(UTC).replace(microsecond=0)
TODAY: date = MOMENT.astimezone().date()


def years_before(day: date, years: int) -> date:
    """Same day ``years`` earlier (29/02 becomes 28/02 in a common year)."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def years_after(day: date, years: int) -> date:
    return years_before(day, -years)


def days_from_today(days: int) -> date:
    return TODAY + timedelta(days=days)
