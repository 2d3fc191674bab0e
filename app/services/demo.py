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

Steps, each drawing from the same generator in turn:

1. ``_plan_beneficiaries``: commune, orientation, household and office of every person
   (small tuples), so that the staff of each office can follow its real caseload;
2. ``_add_organisation``: institutions, offices, users (référents, validators, finance,
   administrator, and the person running the command with every role);
3. ``_add_envelopes``: the yearly envelope renewed up to next year (the migrations seed
   2018 and 2019 only), so that decisions can be granted in the demo today;
4. ``_add_beneficiaries``: beneficiaries and household members, by chunks of Core bulk
   inserts (``executemany`` on the table, one transaction per chunk);
5. ``demo_cases.add_cases``: Pack sortie cases in every state from 2018 to the demo's today,
   with their aids, schedules, decisions, meetings, audit trail and the monthly payment
   batches that paid them (see that module and ``demo_payments``); it
   draws from the generator after step 4, so the rows of steps 1-4 stay as they are for a
   given seed, and sets ``Beneficiary.current_case_state`` of the people with a case.
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import os
import random
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.models import (
    Base,
    Beneficiary,
    Envelope,
    HouseholdMember,
    Institution,
    Office,
    Setting,
    User,
)
from app.models.enums import Civility, Orientation, PayingBody, Relation, SupportContract
from app.services import clock
from app.services import demo_data as data
from app.services.actor import os_login
from app.services.beneficiaries import search_columns_of
from app.services.demo_cases import add_cases
from app.services.demo_day import DEMO_DATE_KEY
from app.services.errors import DatabaseUnavailable, UserFacingError, ValidationError
from app.services.schema import open_sqlite, probe_file
from app.services.storage import Database
from app.services.text import fold, format_date

log = logging.getLogger(__name__)

SCHEME_START = date(2017, 12, 1)  # the Pack sortie is in force; the app's records start here
GLOBAL_SUPPORT_ELIGIBLE_FROM = date(2019, 9, 1)
ENGAGEMENT_CONTRACT_FROM = date(2025, 1, 1)  # contrat d'engagement (loi plein emploi)

CHUNK_SIZE = 5_000
BENEFICIARIES_PER_REFERENT = 350
MIN_REFERENTS = 6
MAX_BENEFICIARIES = 1_000_000
DEMO_CREATOR = "demo"
DEMO_ENVELOPE_CENTS = 200_000_00  # renewed every year (seed document: 2018, 2019)

# Shares, rough orders of magnitude of the RSA population of Essonne.
ORIENTATIONS = (Orientation.SOCIAL.value, Orientation.EMPLOYMENT.value, Orientation.SOCIO_PRO.value)
ORIENTATION_WEIGHTS = (0.55, 0.35, 0.10)
SINGLE, SINGLE_PARENT, COUPLE_WITH_CHILDREN, COUPLE = range(4)
HOUSEHOLD_WEIGHTS = (0.50, 0.30, 0.14, 0.06)
CHILDREN_WEIGHTS = (0.42, 0.31, 0.16, 0.11)  # 1, 2, 3, 4 children
FEMALE_SHARE = {SINGLE: 0.40, SINGLE_PARENT: 0.90, COUPLE_WITH_CHILDREN: 0.5, COUPLE: 0.5}
AGE_BANDS = (  # (youngest, oldest, weight); under 25 only for parents (RSA rules)
    (18, 24, 0.04),
    (25, 29, 0.14),
    (30, 34, 0.15),
    (35, 39, 0.15),
    (40, 44, 0.13),
    (45, 49, 0.11),
    (50, 54, 0.10),
    (55, 59, 0.10),
    (60, 64, 0.08),
)
MSA_SHARE = 0.04
CAF_SHARE_OF_SINGLE_PARENTS = 0.40  # "social" single parents followed by the CAF
CCAS_SHARE_OF_SOCIAL = 0.30  # in towns whose CCAS has delegated follow-up
PLIE_SHARE = {Orientation.EMPLOYMENT.value: 0.20, Orientation.SOCIO_PRO.value: 0.25}
GLOBAL_SUPPORT_SHARE = 0.30  # of "emploi" orientations
MARRIED_NAME_SHARE = 0.55  # women in a couple using their partner's name
PHONE_SHARE = 0.86
EMAIL_SHARE = 0.45
ADDRESS_LINE2_SHARE = 0.18
MEAN_YEARS_ON_RSA = 4.5
REORIENTED_SHARE = 0.2
STALE_CONTACT_SHARE = 0.06  # last contact more than two years ago (retention demo)


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
                _World(rng=random.Random(seed), today=as_of, login=os_login()),
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


# --- The world ---------------------------------------------------------------------------


class _Plan(NamedTuple):
    """What must be known of a beneficiary before the staff is created."""

    commune: int  # index in data.COMMUNES
    orientation: str
    household: int  # SINGLE, SINGLE_PARENT, COUPLE_WITH_CHILDREN, COUPLE
    age: int
    children: int
    office: str  # office key


@dataclass
class _Staff:
    id: uuid.UUID
    login: str


@dataclass
class _OfficeRef:
    key: str
    id: uuid.UUID
    institution_id: uuid.UUID
    kind: str
    social: list[_Staff] = field(default_factory=list)  # follow "social" orientations
    pro: list[_Staff] = field(default_factory=list)  # follow "emploi" and "socio_pro"


@dataclass
class _World:
    rng: random.Random
    today: date
    login: str  # OS login of the person running the command
    offices: dict[str, _OfficeRef] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def stamp(self, day: date) -> datetime:
        """A working-hours moment of ``day`` (UTC)."""
        minute = self.rng.randrange(7 * 60, 17 * 60)
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=UTC)


def _populate(
    db: Database,
    world: _World,
    n: int,
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> dict[str, int]:
    _check_cancel(cancelled)
    day = world.today
    with db.write() as s:  # no draw from the generator: the rows of a seed stay the same
        s.add(
            Setting(
                id=uuid.uuid5(uuid.NAMESPACE_URL, "pack-sortie:demo_as_of"),
                key=DEMO_DATE_KEY,
                value=json.dumps(day.isoformat()),
                **_tracked(datetime(day.year, day.month, day.day, 7, tzinfo=UTC), DEMO_CREATOR),
            )
        )
    progress(0, n)
    plans = _plan_beneficiaries(world, n)
    _check_cancel(cancelled)
    _add_organisation(db, world, Counter(p.office for p in plans))
    _add_envelopes(db, world)
    _add_beneficiaries(db, world, plans, progress, cancelled)
    add_cases(db, world, n, lambda: _check_cancel(cancelled))
    return {
        "institutions": world.counts["institutions"],
        "offices": world.counts["offices"],
        "users": world.counts["users"],
        "referents": world.counts["referents"],
        "beneficiaries": world.counts["beneficiaries"],
        "household_members": world.counts["household_members"],
        "cases": world.counts["cases"],
    }


def _add_envelopes(db: Database, world: _World) -> None:
    """The migrations seed the 2018 and 2019 envelopes; the demo renews them every year up to
    the next one, so that decisions can be granted in the demo today."""
    with db.write() as s:
        seeded = set(s.scalars(select(Envelope.year)))
        rows = [
            {
                "id": world.new_id(),
                "year": year,
                "amount_cents": DEMO_ENVELOPE_CENTS,
                "note": "Enveloppe reconduite (démonstration)",
                **_tracked(datetime(year - 1, 12, 15, 10, 0, tzinfo=UTC), DEMO_CREATOR),
            }
            for year in range(SCHEME_START.year + 1, world.today.year + 2)
            if year not in seeded
        ]
        if rows:
            _insert(s, Envelope, rows)


def _plan_beneficiaries(world: _World, n: int) -> list[_Plan]:
    rng = world.rng
    communes = data.COMMUNES
    mds = {m.key: m for m in data.MDS}
    commune_idx = rng.choices(
        range(len(communes)), weights=[c.population * c.rsa_factor for c in communes], k=n
    )
    orientations = rng.choices(ORIENTATIONS, weights=ORIENTATION_WEIGHTS, k=n)
    households = rng.choices(range(4), weights=HOUSEHOLD_WEIGHTS, k=n)
    band_cum = list(itertools.accumulate(w for _lo, _hi, w in AGE_BANDS))
    children_cum = list(itertools.accumulate(CHILDREN_WEIGHTS))
    plans = []
    for ci, orientation, household in zip(commune_idx, orientations, households, strict=True):
        parent = household in (SINGLE_PARENT, COUPLE_WITH_CHILDREN)
        lo, hi, _w = AGE_BANDS[bisect.bisect(band_cum, rng.random() * band_cum[-1])]
        if lo < 25 and not parent:
            lo, hi = 25, 29
        age = rng.randint(lo, hi)
        children = 1 + bisect.bisect(children_cum, rng.random() * children_cum[-1]) if parent else 0
        commune = communes[ci]
        area = mds[commune.mds]
        draw = rng.random()
        office = area.key
        if orientation == Orientation.SOCIAL.value:
            if household == SINGLE_PARENT and draw < CAF_SHARE_OF_SINGLE_PARENTS:
                office = area.caf
            elif commune.name in data.CCAS_BY_COMMUNE and draw > 1 - CCAS_SHARE_OF_SOCIAL:
                office = data.CCAS_BY_COMMUNE[commune.name]
        elif draw < PLIE_SHARE[orientation]:
            office = area.plie
        plans.append(_Plan(ci, orientation, household, age, children, office))
    return plans


# --- Institutions, offices, users --------------------------------------------------------


def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Core executemany on the table: one statement per chunk, no ORM bookkeeping."""
    session.execute(insert(cast(Table, model.__table__)), rows)


def _tracked(created: datetime, by: str) -> dict[str, Any]:
    return {
        "version_id": 1,
        "created_at": created,
        "created_by": by,
        "updated_at": created,
        "updated_by": by,
    }


def _referent_quotas(office_keys: list[str], caseloads: Counter[str], n: int) -> dict[str, int]:
    """About one référent per 350 beneficiaries (at least 6 in all, one per office), shared
    in proportion to each office's caseload (largest remainders)."""
    total = max(MIN_REFERENTS, round(n / BENEFICIARIES_PER_REFERENT))
    exact = {k: total * caseloads[k] / n if n else 0.0 for k in office_keys}
    quotas = {k: max(1, int(exact[k])) for k in office_keys}
    spare = total - sum(quotas.values())
    by_remainder = sorted(office_keys, key=lambda k: (-(exact[k] - int(exact[k])), k))
    for k in by_remainder[: max(0, spare)]:
        quotas[k] += 1
    while spare < 0:  # the one-per-office floor overshot: take back from the largest
        largest = max(office_keys, key=lambda k: (quotas[k], k))
        if quotas[largest] == 1:
            break
        quotas[largest] -= 1
        spare += 1
    return quotas


class _People:
    """Names of people of Essonne: coherent first and last names, with some mixing."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.groups = data.NAME_GROUPS
        self.group_cum = list(itertools.accumulate(g.weight for g in self.groups))

    def group(self) -> int:
        return bisect.bisect(self.group_cum, self.rng.random() * self.group_cum[-1])

    def first_name(self, group: int, female: bool) -> str:
        g = self.groups[group]
        return self.rng.choice(g.female if female else g.male)

    def surname(self, group: int) -> str:
        rng = self.rng
        if rng.random() < 0.12:  # families are not sorted by origin
            group = self.group()
        name = rng.choice(self.groups[group].surnames)
        if rng.random() < 0.03 and "-" not in name:
            other = rng.choice(self.groups[group].surnames)
            if other != name and "-" not in other:
                name = f"{name}-{other}"
        return name


def _add_organisation(db: Database, world: _World, caseloads: Counter[str]) -> None:
    rng = world.rng
    people = _People(rng)
    created = datetime(SCHEME_START.year, 11, 20, 9, 0, tzinfo=UTC)  # set up before launch
    institutions: dict[str, tuple[uuid.UUID, str]] = {}
    institution_rows = []
    for spec in data.INSTITUTIONS:
        iid = world.new_id()
        institutions[spec.key] = (iid, spec.kind)
        institution_rows.append(
            {
                "id": iid,
                "name": spec.name,
                "kind": spec.kind,
                "address": spec.address,
                **_tracked(created, DEMO_CREATOR),
            }
        )
    office_rows = []
    offices: list[tuple[str, str, str, str, str]] = [  # key, institution key, name, …
        (m.key, data.DEPARTEMENT, m.name, m.territory, m.address) for m in data.MDS
    ] + [(s.key, s.institution, s.name, s.territory, s.address) for s in data.SITES]
    for key, inst_key, name, territory, address in offices:
        oid = world.new_id()
        iid, kind = institutions[inst_key]
        world.offices[key] = _OfficeRef(key, oid, iid, kind)
        office_rows.append(
            {
                "id": oid,
                "institution_id": iid,
                "name": name,
                "territory": territory,
                "address": address,
                "phone": _landline(rng),
                **_tracked(created, DEMO_CREATOR),
            }
        )

    taken_logins = {world.login}
    user_rows: list[dict[str, Any]] = []

    def add_user(
        office: _OfficeRef | None,
        institution_key: str,
        capacity: tuple[str, str] | str,
        female: bool,
        **roles: bool,
    ) -> _Staff:
        group = people.group()
        first, last = people.first_name(group, female), people.surname(group)
        login = base = (fold(first)[:1] + fold(last)).replace(" ", "")
        for n in itertools.count(2):
            if login not in taken_logins:
                break
            login = f"{base}{n}"
        taken_logins.add(login)
        iid, kind = institutions[institution_key]
        if isinstance(capacity, tuple):
            capacity = capacity[0] if female else capacity[1]
        staff = _Staff(world.new_id(), login)
        local = f"{fold(first)}.{fold(last)}".replace(" ", "-") + login[len(base) :]
        user_rows.append(
            {
                "id": staff.id,
                "first_name": first,
                "last_name": last,
                "capacity": capacity,
                "institution_id": iid,
                "office_id": office.id if office else None,
                "os_login": login,
                "email": f"{local}@{data.STAFF_EMAIL_DOMAIN[kind]}",
                "phone": _landline(rng),
                "is_referent": roles.get("referent", True),
                "is_validator": roles.get("validator", False),
                "is_finance": roles.get("finance", False),
                "is_admin": roles.get("admin", False),
                "active": True,
                **_tracked(created, DEMO_CREATOR),
            }
        )
        return staff

    quotas = _referent_quotas(list(world.offices), caseloads, sum(caseloads.values()))
    institution_of = {m.key: data.DEPARTEMENT for m in data.MDS} | {
        s.key: s.institution for s in data.SITES
    }
    for key, office in world.offices.items():
        cycle = data.CAPACITY_CYCLES[office.kind]
        for i in range(quotas[key]):
            feminine, masculine, side = cycle[i % len(cycle)]
            female = rng.random() < data.STAFF_FEMALE_SHARE[side]
            staff = add_user(office, institution_of[key], (feminine, masculine), female)
            if side in (data.SOCIAL, data.BOTH):
                office.social.append(staff)
            if side in (data.PRO, data.BOTH):
                office.pro.append(staff)
    for key in data.VALIDATOR_MDS:
        add_user(
            world.offices[key],
            data.DEPARTEMENT,
            data.VALIDATOR_CAPACITY,
            rng.random() < 0.7,
            referent=False,
            validator=True,
        )
    add_user(
        None,
        data.DEPARTEMENT,
        data.FINANCE_CAPACITY,
        rng.random() < 0.7,
        referent=False,
        finance=True,
    )
    add_user(None, data.DEPARTEMENT, data.ADMIN_CAPACITY, False, referent=False, admin=True)

    # Whoever runs the command can open the demo and do everything, with a caseload.
    home = world.offices[data.DEMO_USER_MDS]
    me = _Staff(world.new_id(), world.login)
    user_rows.append(
        {
            "id": me.id,
            "first_name": "Camille",
            "last_name": "Démonstration",
            "capacity": data.VALIDATOR_CAPACITY,
            "institution_id": home.institution_id,
            "office_id": home.id,
            "os_login": world.login,
            "email": f"camille.demonstration@{data.STAFF_EMAIL_DOMAIN['departement']}",
            "phone": _landline(rng),
            "is_referent": True,
            "is_validator": True,
            "is_finance": True,
            "is_admin": True,
            "active": True,
            **_tracked(created, DEMO_CREATOR),
        }
    )
    home.social.append(me)
    home.pro.append(me)

    with db.write() as s:
        _insert(s, Institution, institution_rows)
        _insert(s, Office, office_rows)
        _insert(s, User, user_rows)
    world.counts["institutions"] = len(institution_rows)
    world.counts["offices"] = len(office_rows)
    world.counts["users"] = len(user_rows)
    world.counts["referents"] = sum(1 for u in user_rows if u["is_referent"])


def _landline(rng: random.Random) -> str:
    digits = f"{rng.randrange(1_000_000):06d}"
    return f"{rng.choice(data.LANDLINE_PREFIXES)} {digits[:2]} {digits[2:4]} {digits[4:]}"


# --- Beneficiaries -----------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _BeneficiaryFactory:
    def __init__(self, world: _World, n: int) -> None:
        self.world = world
        self.rng = rng = world.rng
        self.today = world.today
        self.people = _People(rng)
        n_msa = round(n * MSA_SHARE)
        self.msa_rows = set(rng.sample(range(n), n_msa))
        self.caf_numbers: Iterator[int] = iter(rng.sample(range(1_000_000, 10_000_000), n - n_msa))
        self.msa_numbers: Iterator[int] = iter(
            rng.sample(range(1_000_000_000, 10_000_000_000), n_msa)
        )

    def birth_date(self, age: int) -> date:
        """A birth date giving ``age`` full years at the reference date."""
        latest = _years_before(self.today, age)
        earliest = _years_before(self.today, age + 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def phone(self) -> str:
        digits = f"{self.rng.randrange(100_000_000):08d}"
        prefix = "06" if self.rng.random() < 0.62 else "07"
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"

    def email(self, first: str, last: str, birth: date) -> str:
        rng = self.rng
        f, la = fold(first).replace(" ", ""), fold(last).replace(" ", "")
        local = rng.choice(
            (
                f"{f}.{la}",
                f"{f}{la}{rng.randrange(1, 100)}",
                f"{f[:1]}.{la}",
                f"{la}.{f}{birth.year % 100:02d}",
                f"{f}-{la}{91 if rng.random() < 0.5 else ''}",
            )
        )
        return f"{local}@{rng.choice(data.BENEFICIARY_EMAIL_DOMAINS)}"

    def address(self) -> tuple[str, str]:
        rng = self.rng
        number = min(int(rng.expovariate(1 / 25)) + 1, 240)
        bis = " bis" if rng.random() < 0.05 else ""
        line1 = f"{number}{bis} {rng.choice(data.STREETS)}"
        line2 = ""
        if rng.random() < ADDRESS_LINE2_SHARE:
            kind = rng.random()
            if kind < 0.6:
                line2 = f"Bât. {rng.choice('ABCDEFGH')}, résidence {rng.choice(data.RESIDENCES)}"
            elif kind < 0.85:
                line2 = f"Escalier {rng.randint(1, 6)}, {_floor(rng.randint(0, 12))}"
            else:
                line2 = f"Appartement {rng.randint(1, 180)}"
        return line1, line2

    def rows(
        self, index: int, plan: _Plan, office: _OfficeRef
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        today = self.today
        commune = data.COMMUNES[plan.commune]
        bid = self.world.new_id()
        female = rng.random() < FEMALE_SHARE[plan.household]
        group = self.people.group()
        first = self.people.first_name(group, female)
        own_name = self.people.surname(group)
        birth = self.birth_date(plan.age)

        # Household: partner and children.
        members: list[tuple[str, str, str, date]] = []
        last, birth_name = own_name, ""
        if plan.household in (COUPLE, COUPLE_WITH_CHILDREN):
            partner_female = not female if rng.random() < 0.97 else female
            partner_group = group if rng.random() < 0.75 else self.people.group()
            partner_name = self.people.surname(partner_group)
            if female and not partner_female and rng.random() < MARRIED_NAME_SHARE:
                last, birth_name = partner_name, own_name
            shift = rng.randint(-4, 8) if female else rng.randint(-8, 4)
            partner_age = min(max(plan.age + shift, 18), 75)
            members.append(
                (
                    Relation.PARTNER.value,
                    self.people.first_name(partner_group, partner_female),
                    partner_name,
                    self.birth_date(partner_age),
                )
            )
        if plan.children:
            family_name = last if rng.random() < 0.9 else self.people.surname(group)
            oldest = min(24, plan.age - 18)
            youngest = max(0, plan.age - 45)
            for child_age in sorted(
                (rng.randint(youngest, oldest) for _ in range(plan.children)), reverse=True
            ):
                members.append(
                    (
                        Relation.CHILD.value,
                        rng.choice(data.CHILD_FIRST_NAMES),
                        family_name,
                        self.birth_date(child_age),
                    )
                )

        # RSA right, orientation, contract.
        adult_from = birth.replace(year=birth.year + (18 if plan.children else 25), day=1)
        years_on_rsa = min(rng.expovariate(1 / MEAN_YEARS_ON_RSA), 20.0)
        rsa_open = today - timedelta(days=int(years_on_rsa * 365.25) + 7)
        rsa_open = min(max(rsa_open, adult_from), today - timedelta(days=7))
        if rng.random() < REORIENTED_SHARE:  # re-oriented since
            span = (today - rsa_open).days
            oriented = rsa_open + timedelta(days=rng.randrange(max(span, 1)))
        else:
            oriented = rsa_open + timedelta(days=rng.randint(15, 180))
        oriented = min(oriented, today - timedelta(days=1))
        orientation = plan.orientation
        employment = orientation == Orientation.EMPLOYMENT.value
        global_support = employment and rng.random() < GLOBAL_SUPPORT_SHARE
        draw = rng.random()
        if oriented >= ENGAGEMENT_CONTRACT_FROM:
            contract = SupportContract.ENGAGEMENT.value if draw < 0.85 else None
        elif employment:
            contract = SupportContract.PPAE.value if draw < 0.85 else None
        else:
            contract = SupportContract.CER.value if draw < 0.8 else None

        # Who follows the person, and the record's own dates.
        pool = office.pro if orientation != Orientation.SOCIAL.value else office.social
        referent = rng.choice(pool or office.social or office.pro)
        entered = max(oriented, SCHEME_START + timedelta(days=rng.randint(0, 120)))
        entered = min(entered, today)
        if rng.random() < STALE_CONTACT_SHARE:
            contact = today - timedelta(days=rng.randint(731, 1500))
        else:
            contact = today - timedelta(days=int(rng.expovariate(1 / 120)))
        contact = max(contact, entered)
        created = self.world.stamp(entered)
        updated = self.world.stamp(contact) if contact > entered else created

        if index in self.msa_rows:
            paying_body, number = PayingBody.MSA.value, str(next(self.msa_numbers))
        else:
            paying_body, number = PayingBody.CAF.value, str(next(self.caf_numbers))
        line1, line2 = self.address()
        row = {
            "id": bid,
            "civility": Civility.MRS.value if female else Civility.MR.value,
            "last_name": last,
            "birth_name": birth_name,
            "first_name": first,
            "birth_date": birth,
            "address_line1": line1,
            "address_line2": line2,
            "postcode": commune.postcode,
            "commune": commune.name,
            "phone": self.phone() if rng.random() < PHONE_SHARE else "",
            "email": self.email(first, last, birth) if rng.random() < EMAIL_SHARE else "",
            "paying_body": paying_body,
            "allocataire_number": number,
            "nir": None,
            "iban": "",
            "bic": "",
            "rsa_open_since": rsa_open,
            "rsa_closed_on": None,
            "orientation": orientation,
            "orientation_date": oriented,
            "global_support": global_support,
            "support_contract": contract,
            "referent_id": referent.id,
            "office_id": office.id,
            "current_case_state": None,  # no case yet: the case workflow sets it
            "last_contact_at": contact,
            "notes": "",
            "anonymised_at": None,
            "version_id": 1,
            "created_at": created,
            "created_by": referent.login,
            "updated_at": updated,
            "updated_by": referent.login,
        }
        row.update(search_columns_of(row))
        member_rows = [
            {
                "id": self.world.new_id(),
                "beneficiary_id": bid,
                "relation": relation,
                "first_name": m_first,
                "last_name": m_last,
                "birth_date": m_birth,
                "version_id": 1,
                "created_at": created,
                "created_by": referent.login,
                "updated_at": created,
                "updated_by": referent.login,
            }
            for relation, m_first, m_last, m_birth in members
        ]
        return row, member_rows


def _floor(n: int) -> str:
    if n == 0:
        return "rez-de-chaussée"
    return "1er étage" if n == 1 else f"{n}e étage"


def _chunks(items: list[_Plan], size: int) -> Iterable[tuple[int, list[_Plan]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def _add_beneficiaries(
    db: Database,
    world: _World,
    plans: list[_Plan],
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
) -> None:
    n = len(plans)
    factory = _BeneficiaryFactory(world, n)
    offices = world.offices
    for start, chunk in _chunks(plans, CHUNK_SIZE):
        _check_cancel(cancelled)
        rows: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for i, plan in enumerate(chunk, start):
            row, household = factory.rows(i, plan, offices[plan.office])
            rows.append(row)
            members.extend(household)
        with db.write() as s:
            _insert(s, Beneficiary, rows)
            if members:
                _insert(s, HouseholdMember, members)
        world.counts["beneficiaries"] += len(rows)
        world.counts["household_members"] += len(members)
        progress(start + len(chunk), n)
