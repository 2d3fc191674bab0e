"""Calendar arithmetic the scheme needs: months, ages, month starts, working days."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (31/01 + 1 -> 28 or 29/02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_start(day: date) -> date:
    return day.replace(day=1)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# Fixed public holidays in France (Easter Monday, Ascension and Whit Monday move each year).
HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def working_day(day: date, *, back: bool = False) -> date:
    """The day itself on a working day, else the next (or previous) one (fixed holidays
    only: Easter and Whit Monday are left to chance)."""
    while day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS:
        day += timedelta(days=-1 if back else 1)
    return day
