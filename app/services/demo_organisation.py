"""The demo's organisation: institutions, offices and their staff (référents in proportion
to each office's caseload, validators, finance, administrator, and the person running the
command with every role), and the yearly envelopes renewed up to next year.

Steps 2 and 3 of :func:`app.services.demo.build_demo`, drawing from the world's generator.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.models import Envelope, Institution, Office, User
from app.services import demo_data as data
from app.services.demo_world import (
    DEMO_CREATOR,
    SCHEME_START,
    OfficeRef,
    People,
    Staff,
    World,
    bulk_insert,
    tracked,
)
from app.services.storage import Database
from app.services.text import fold

BENEFICIARIES_PER_REFERENT = 350
MIN_REFERENTS = 6
DEMO_ENVELOPE_CENTS = 200_000_00  # renewed every year (seed document: 2018, 2019)


def add_organisation(db: Database, world: World, caseloads: Counter[str]) -> None:
    """Institutions, offices and users; ``caseloads``: beneficiaries planned per office key."""
    rng = world.rng
    people = People(rng)
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
                **tracked(created, DEMO_CREATOR),
            }
        )
    office_rows = []
    offices: list[tuple[str, str, str, str, str]] = [  # key, institution key, name, …
        (m.key, data.DEPARTEMENT, m.name, m.territory, m.address) for m in data.MDS
    ] + [(s.key, s.institution, s.name, s.territory, s.address) for s in data.SITES]
    for key, inst_key, name, territory, address in offices:
        oid = world.new_id()
        iid, kind = institutions[inst_key]
        world.offices[key] = OfficeRef(key, oid, iid, kind)
        office_rows.append(
            {
                "id": oid,
                "institution_id": iid,
                "name": name,
                "territory": territory,
                "address": address,
                "phone": _landline(rng),
                **tracked(created, DEMO_CREATOR),
            }
        )

    taken_logins = {world.login}
    user_rows: list[dict[str, Any]] = []

    def add_user(
        office: OfficeRef | None,
        institution_key: str,
        capacity: tuple[str, str] | str,
        female: bool,
        **roles: bool,
    ) -> Staff:
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
        staff = Staff(world.new_id(), login)
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
                **tracked(created, DEMO_CREATOR),
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
    me = Staff(world.new_id(), world.login)
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
            **tracked(created, DEMO_CREATOR),
        }
    )
    home.social.append(me)
    home.pro.append(me)

    with db.write() as s:
        bulk_insert(s, Institution, institution_rows)
        bulk_insert(s, Office, office_rows)
        bulk_insert(s, User, user_rows)
    world.counts["institutions"] = len(institution_rows)
    world.counts["offices"] = len(office_rows)
    world.counts["users"] = len(user_rows)
    world.counts["referents"] = sum(1 for u in user_rows if u["is_referent"])


def _landline(rng: random.Random) -> str:
    digits = f"{rng.randrange(1_000_000):06d}"
    return f"{rng.choice(data.LANDLINE_PREFIXES)} {digits[:2]} {digits[2:4]} {digits[4:]}"


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


def add_envelopes(db: Database, world: World) -> None:
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
                **tracked(datetime(year - 1, 12, 15, 10, 0, tzinfo=UTC), DEMO_CREATOR),
            }
            for year in range(SCHEME_START.year + 1, world.today.year + 2)
            if year not in seeded
        ]
        bulk_insert(s, Envelope, rows)
