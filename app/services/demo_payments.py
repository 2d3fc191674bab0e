"""The demo's payment history: one batch a month, made and confirmed as the finance office does.

Part of step 5 of :mod:`app.services.demo` (:mod:`app.services.demo_cases` asks it which
batch takes each instalment, then writes its rows), drawing from the same generator.
Batches follow the rules of :mod:`app.services.payments`, with its numbering, audit texts
and transfer order:

* the batch of a month is made by the finance user on a working day early in that month
  (the current month's: on the demo's today at the latest); it takes every instalment due
  up to that month, not yet in a batch, of a case granted by then and not suspended at
  that moment (:data:`~app.services.payments.PAYING_CASES`), and its instalments become
  *mandated*; a month with nothing due has no batch (the service makes none either);
* numbers ``PAI-YYYY-NNN`` in the order the batches are made, per year of making, and the
  ``batch-YYYY`` counters set to the last ones, so that the next batch made in the app
  follows on;
* the paierie pays a few working days after the batch (``paid_on``); its statement, with
  the transfers the bank rejected, comes back early the following month, just after the
  next batch went out, and the batch is confirmed then: its transfers are *paid*, the
  rejected ones (about :data:`REJECTED_SHARE` of the people's transfers, with the bank's
  reason) go back to « à régulariser » and are taken again by the batch after. Those of the
  last confirmed batch are still to be put right on the demo's today (in the référents'
  « À faire » list); a small demo gets at least one;
* the current month's batch is made, not yet confirmed; no batch was exported from the
  demo (no file was written): ``exported_at`` is NULL and ``file_sha256`` empty, as the
  service leaves a batch it never exported;
* ``total_cents`` is the total of the batch as made (the file's control total): the
  service keeps it when a confirmation takes rejected transfers out of the batch;
* one audit event when a batch is made and one when it is confirmed, with the service's
  actions, summaries and details.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any, Protocol

from app.models.enums import BatchStatus, InstalmentStatus, PayeeKind
from app.services import audit
from app.services import demo_data as data
from app.services.actor import Actor
from app.services.dates import add_months, month_start, working_day
from app.services.numbering import batch_counter, format_batch_number
from app.services.payments import (
    CONFIRMED,
    MADE,
    TRANSFER_ORDER,
    batch_event,
    confirm_event,
    transfer_reference,
)

REJECTED_SHARE = 0.015  # of the transfers to people (third parties' accounts are steady)

# A suspension of the case: from, until (None: still suspended on the demo's today).
Pause = tuple[datetime, datetime | None]


class _Stamps(Protocol):
    """What the history needs of the demo's world (see ``demo_world.World``)."""

    rng: random.Random

    def new_id(self) -> uuid.UUID: ...

    def stamp(self, day: date) -> datetime: ...


@dataclass
class Batch:
    month: date  # it takes what is due up to this month
    id: uuid.UUID
    created: datetime
    paid_on: date | None = None  # None: the current month's, not confirmed
    confirmed: datetime | None = None
    number: str = ""
    transfers: list[dict[str, Any]] = field(default_factory=list)  # instalment rows
    total_cents: int = 0
    rejected: dict[str, str] = field(default_factory=dict)  # reference -> reason


def _paying(pauses: Sequence[Pause], at: datetime) -> bool:
    return not any(start <= at and (end is None or at < end) for start, end in pauses)


class PaymentHistory:
    """The monthly batches from ``first_month`` to the demo's today, made by ``finance``."""

    def __init__(self, world: _Stamps, finance: Actor, first_month: date, today: date) -> None:
        self.world = world
        self.rng = rng = world.rng
        self.finance = finance
        self.today = today
        self.batches: list[Batch] = []
        self._pauses: dict[uuid.UUID, Sequence[Pause]] = {}  # instalment id -> its case's
        self._again: set[uuid.UUID] = set()  # instalments taken again after a rejection
        current = month_start(today)
        month = month_start(first_month)
        while month <= current:
            made = min(working_day(month.replace(day=rng.randint(2, 6))), today)
            self.batches.append(Batch(month, world.new_id(), world.stamp(made)))
            month = add_months(month, 1)
        for batch, following in zip(self.batches, self.batches[1:], strict=False):
            batch.paid_on = working_day(batch.created.date() + timedelta(days=rng.randint(4, 9)))
            back = working_day(following.created.date() + timedelta(days=rng.randint(1, 6)))
            confirmed = world.stamp(min(back, today))
            if confirmed <= following.created:
                confirmed = following.created + timedelta(minutes=rng.randint(5, 90))
            batch.confirmed = confirmed

    def take(
        self,
        row: dict[str, Any],
        granted: datetime,
        pauses: Sequence[Pause],
        before: datetime | None = None,
    ) -> Batch | None:
        """Put the instalment ``row`` (due, of a case granted at ``granted``) in the first
        batch made before ``before`` that takes it, mandated; None when no batch took it."""
        due = row["due_month"]
        for batch in self.batches:
            if before is not None and batch.created >= before:
                break
            if batch.month >= due and batch.created > granted and _paying(pauses, batch.created):
                self._pauses[row["id"]] = pauses
                self._mandate(batch, row)
                return batch
        return None

    def _mandate(self, batch: Batch, row: dict[str, Any]) -> None:
        batch.transfers.append(row)
        row["status"] = InstalmentStatus.MANDATED.value
        row["batch_id"] = batch.id
        self._changed(row, batch.created)

    def _changed(self, row: dict[str, Any], at: datetime) -> None:
        row["updated_at"], row["updated_by"] = at, self.finance.login
        row["version_id"] += 1

    def settle(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Number, confirm (with the bank's rejections) and write the batches: their rows,
        their audit events and the ``batch-YYYY`` counters. Sets the instalment rows."""
        made: Counter[int] = Counter()
        batches, events = [], []
        last_confirmed = max(
            (i for i, b in enumerate(self.batches) if b.confirmed is not None), default=-1
        )
        for i, batch in enumerate(self.batches):
            if not batch.transfers:
                continue  # nothing due: no batch
            year = batch.created.year
            made[year] += 1
            batch.number = format_batch_number(year, made[year])
            batch.transfers.sort(key=itemgetter(*TRANSFER_ORDER))
            batch.total_cents = sum(row["amount_cents"] for row in batch.transfers)
            events.append(self._event(batch, batch.created, MADE))
            if batch.confirmed is not None:
                self._confirm(batch, force_one=i == last_confirmed)
                events.append(self._event(batch, batch.confirmed, CONFIRMED))
            batches.append(self._row(batch))
        counters = [{"name": batch_counter(y), "value": n} for y, n in sorted(made.items())]
        return batches, events, counters

    def _confirm(self, batch: Batch, force_one: bool) -> None:
        rng = self.rng
        assert batch.confirmed is not None and batch.paid_on is not None
        people = [
            n
            for n, row in enumerate(batch.transfers)
            if row["payee_kind"] == PayeeKind.BENEFICIARY.value and row["id"] not in self._again
        ]
        rejected = {n for n in people if rng.random() < REJECTED_SHARE}
        if force_one and not rejected and people:
            rejected = {rng.choice(people)}
        for n, row in enumerate(batch.transfers):
            if n not in rejected:
                row["status"] = InstalmentStatus.PAID.value
                row["paid_on"] = batch.paid_on
                self._changed(row, batch.confirmed)
                continue
            reference = transfer_reference(batch.number, n + 1)
            batch.rejected[reference] = rng.choice(data.PAYMENT_REJECTIONS)
            row["status"] = InstalmentStatus.TO_SETTLE.value
            row["batch_id"] = None
            self._changed(row, batch.confirmed)
            pauses = self._pauses[row["id"]]
            later = next(
                (
                    b
                    for b in self.batches
                    if b.created > batch.confirmed and _paying(pauses, b.created)
                ),
                None,
            )
            if later is not None:  # the next batch takes it again
                self._again.add(row["id"])
                self._mandate(later, row)

    def _event(self, batch: Batch, at: datetime, action: str) -> dict[str, Any]:
        if action == MADE:
            summary, after = batch_event(
                batch.number, batch.total_cents, len(batch.transfers), batch.month
            )
        else:
            assert batch.paid_on is not None
            paid = len(batch.transfers) - len(batch.rejected)
            summary, after = confirm_event(batch.number, batch.paid_on, paid, batch.rejected)
        values = audit.event_values(
            self.finance, action, "payment_batch", batch.id, summary=summary, after=after
        )
        return {"id": self.world.new_id(), "at": at, **values}

    def _row(self, batch: Batch) -> dict[str, Any]:
        confirmed = batch.confirmed is not None
        return {
            "id": batch.id,
            "number": batch.number,
            "status": (BatchStatus.CONFIRMED if confirmed else BatchStatus.OPEN).value,
            "exported_at": None,
            "confirmed_on": batch.paid_on if confirmed else None,
            "total_cents": batch.total_cents,
            "file_sha256": "",
            "version_id": 2 if confirmed else 1,
            "created_at": batch.created,
            "created_by": self.finance.login,
            "updated_at": batch.confirmed or batch.created,
            "updated_by": self.finance.login,
        }
