"""The demo database: a fictitious but realistic Essonne, 30 000 RSA beneficiaries by default.

Everything comes from one ``random.Random(seed)``: ids, names, numbers, dates, and the
created/updated columns (derived from the demo's day, ``as_of``, never read again from the
clock), so two builds with the same seed, size and day hold identical rows. The day is the
day the demo is built unless told otherwise: a demo is always current when it is made, and
it is recorded (:mod:`app.services.demo_day`) so that the application can offer
to rebuild a demo that time has overtaken.

The database is built in a temporary file beside the target and renamed into place at the
end: a crash or a cancel never leaves a half-built demo at the target path, and a file that
is replaced stays untouched until the new one is complete. Only a Pack Sortie database (or
an empty file) is ever replaced; anything else is refused with ``DatabaseRefused``.

This module holds that orchestration; the steps, each drawing from the same generator
(:class:`~app.services.demo_world.World`) in turn, are:

1. ``demo_beneficiaries.plan_beneficiaries``: commune, orientation, household and office
   of every person (small tuples), so that the staff of each office can follow its real
   caseload;
2. ``demo_organisation.add_organisation``: institutions, offices, users (référents,
   validators, finance, administrator, and the person running the command with every role);
3. ``demo_organisation.add_envelopes``: the yearly envelope renewed up to next year (the
   migrations seed 2018 and 2019 only), so that decisions can be granted in the demo today;
4. ``demo_beneficiaries.add_beneficiaries``: beneficiaries and household members, by chunks
   of Core bulk inserts (``executemany`` on the table, one transaction per chunk);
5. ``demo_cases.add_cases``: Pack sortie cases in every state from 2018 to the demo's today,
   with their aids, schedules, decisions, meetings, audit trail and the monthly payment
   batches that paid them (see that module and ``demo_payments``); it
   draws from the generator after step 4, so the rows of steps 1-4 stay as they are for a
   given seed, and sets ``Beneficiary.current_case_state`` of the people with a case.
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from app.models import Setting
from app.services import clock
from app.services.actor import os_login
from app.services.demo_beneficiaries import add_beneficiaries, plan_beneficiaries
from app.services.demo_cases import add_cases
from app.services.demo_day import DEMO_DATE_KEY
from app.services.demo_organisation import add_envelopes, add_organisation
from app.services.demo_world import DEMO_CREATOR, SCHEME_START, World, tracked
from app.services.errors import DatabaseUnavailable, UserFacingError, ValidationError
from app.services.schema import open_sqlite, probe_file
from app.services.storage import Database
from app.services.text import format_date

log = logging.getLogger(__name__)

MAX_BENEFICIARIES = 1_000_000


class DemoCancelled(UserFacingError):
    """The user cancelled the build: nothing was created or replaced."""


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    institutions: int
    offices: int
    users: int
    referents: int
    beneficiaries: int
    household_members: int
    cases: int = 0
    seconds: float = 0.0
    as_of: date | None = None

    def __str__(self) -> str:
        day = f" au {format_date(self.as_of)}" if self.as_of else ""
        return (
            f"Base de démonstration créée{day} : {_count(self.beneficiaries, 'bénéficiaire')}, "
            f"{_count(self.offices, 'bureau', 'bureaux')}, "
            f"{_count(self.referents, 'référent')} — {self.path}"
        )


def _thousands(n: int) -> str:
    # Plain spaces as thousands separator: the line must print on any console encoding.
    return f"{n:,}".replace(",", " ")


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{_thousands(n)} {singular if n < 2 else (plural or singular + 's')}"


def _never() -> bool:
    return False


def _ignore(_done: int, _total: int) -> None:
    return None


def build_demo(
    path: Path,
    *,
    beneficiaries: int = 30_000,
    seed: int = 2017,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    as_of: date | None = None,
) -> DemoSummary:
    """Create a new demo database at ``path`` as it stands on ``as_of`` (default: today)."""
    started = time.perf_counter()
    today = clock.today()
    as_of = as_of or today
    if not SCHEME_START < as_of <= today + timedelta(days=366):
        raise ValidationError(
            {
                "as_of": "La date de la démonstration doit être comprise entre le "
                f"{format_date(SCHEME_START + timedelta(days=1))} et dans un an."
            }
        )
    path = Path(path).expanduser()
    if not 0 <= beneficiaries <= MAX_BENEFICIARIES:
        raise ValidationError(
            {
                "beneficiaries": "Le nombre de bénéficiaires doit être compris entre 0 et "
                f"{_thousands(MAX_BENEFICIARIES)}."
            }
        )
    _check_target(path, replace)
    if path.parent.is_dir() and not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(
            f"Impossible de créer la base de démonstration dans « {path.parent} » : "
            "ce dossier est en lecture seule pour vous."
        )
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        db = open_sqlite(temp, create=True)
        try:
            counts = _populate(
                db,
                World(rng=random.Random(seed), today=as_of, login=os_login()),
                beneficiaries,
                progress or _ignore,
                cancelled or _never,
            )
        finally:
            db.dispose()
        _move_into_place(temp, path, replace)
    except BaseException:
        _remove_database_files(temp)
        raise
    summary = DemoSummary(path=path, seconds=time.perf_counter() - started, as_of=as_of, **counts)
    log.info("Demo database built: %s (seed %s, %.1f s)", summary, seed, summary.seconds)
    return summary


def _check_target(path: Path, replace: bool) -> None:
    """Refuse early: an existing file without ``replace``, or a file that is not ours."""
    if not (path.exists() or path.is_symlink()):
        return
    if not replace:
        raise UserFacingError(
            f"« {path} » existe déjà : choisissez un autre fichier ou demandez son remplacement."
        )
    probe_file(path)  # DatabaseRefused for a folder, a foreign or a damaged file


def _move_into_place(temp: Path, path: Path, replace: bool) -> None:
    _check_target(path, replace)  # again: the file may have appeared during the build
    try:
        # A leftover journal beside the new file would be "rolled back" into it.
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temp, path)
    except OSError as exc:
        raise DatabaseUnavailable(
            f"Impossible de remplacer « {path} » : le fichier est peut-être ouvert sur un "
            "autre poste. Fermez Pack Sortie sur les autres postes puis recommencez.",
            detail=str(exc),
        ) from exc


def _remove_database_files(temp: Path) -> None:
    for name in (str(temp), f"{temp}-journal", f"{temp}-wal", f"{temp}-shm"):
        try:
            Path(name).unlink(missing_ok=True)
        except OSError as exc:  # pragma: no cover - e.g. held open by an antivirus
            log.warning("Could not remove %s: %s", name, exc)


def _check_cancel(cancelled: Callable[[], bool]) -> None:
    if cancelled():
        raise DemoCancelled(
            "Création de la base de démonstration annulée : aucun fichier n'a été créé ni remplacé."
        )


def _populate(
    db: Database,
    world: World,
    n: int,
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> dict[str, int]:
    def check_cancel() -> None:
        _check_cancel(cancelled)

    check_cancel()
    day = world.today
    with db.write() as s:  # no draw from the generator: the rows of a seed stay the same
        s.add(
            Setting(
                id=uuid.uuid5(uuid.NAMESPACE_URL, "pack-sortie:demo_as_of"),
                key=DEMO_DATE_KEY,
                value=json.dumps(day.isoformat()),
                **tracked(datetime(day.year, day.month, day.day, 7, tzinfo=UTC), DEMO_CREATOR),
            )
        )
    progress(0, n)
    plans = plan_beneficiaries(world, n)
    check_cancel()
    add_organisation(db, world, Counter(p.office for p in plans))
    add_envelopes(db, world)
    add_beneficiaries(db, world, plans, progress, check_cancel)
    add_cases(db, world, n, check_cancel)
    return {
        "institutions": world.counts["institutions"],
        "offices": world.counts["offices"],
        "users": world.counts["users"],
        "referents": world.counts["referents"],
        "beneficiaries": world.counts["beneficiaries"],
        "household_members": world.counts["household_members"],
        "cases": world.counts["cases"],
    }
