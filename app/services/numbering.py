"""Sequential numbers (case references, decision numbers, payment batches), taken inside the
caller's write transaction so that two workstations never get the same number."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.models import Counter


def next_number(session: Session, name: str) -> int:
    bumped = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if bumped is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return int(bumped)


def case_reference(session: Session, year: int) -> str:
    return f"DOS-{year}-{next_number(session, f'case-{year}'):05d}"


def decision_number(session: Session, year: int) -> tuple[str, int]:
    seq = next_number(session, f"decision-{year}")
    return f"PSR-{year}-{seq:04d}", seq


def batch_counter(year: int) -> str:
    """The counter of the payment batches made in ``year``."""
    return f"batch-{year}"


def format_batch_number(year: int, seq: int) -> str:
    return f"PAI-{year}-{seq:03d}"


def batch_order(number: str) -> tuple[int, int]:
    """Sort key of a batch number: its year, then its sequence (``PAI-2028-1000`` after
    ``PAI-2028-999``), the order the counter gave them in."""
    _, year, seq = number.split("-")
    return int(year), int(seq)


def batch_number(session: Session, year: int) -> str:
    return format_batch_number(year, next_number(session, batch_counter(year)))
