"""The demo's beneficiaries: first who they are (commune, orientation, household, age and
office of every person, planned before the staff is made so that each office's staff can
follow its real caseload), then their rows and their household members', by chunks of Core
bulk inserts (one transaction per chunk).

Steps 1 and 4 of :func:`app.services.demo.build_demo`, drawing from the world's generator.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

from app.models import Beneficiary, HouseholdMember
from app.models.enums import Civility, Orientation, PayingBody, Relation, SupportContract
from app.services import demo_data as data
from app.services.beneficiaries import search_columns_of
from app.services.demo_world import SCHEME_START, OfficeRef, People, World, bulk_insert
from app.services.storage import Database
from app.services.text import fold

ENGAGEMENT_CONTRACT_FROM = date(2025, 1, 1)  # contrat d'engagement (loi plein emploi)
CHUNK_SIZE = 5_000

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


# --- Who they are ------------------------------------------------------------------------


class Plan(NamedTuple):
    """What must be known of a beneficiary before the staff is created."""

    commune: int  # index in data.COMMUNES
    orientation: str
    household: int  # SINGLE, SINGLE_PARENT, COUPLE_WITH_CHILDREN, COUPLE
    age: int
    children: int
    office: str  # office key


def plan_beneficiaries(world: World, n: int) -> list[Plan]:
    """Commune, orientation, household, age and office of ``n`` people (small tuples)."""
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
        plans.append(Plan(ci, orientation, household, age, children, office))
    return plans


# --- Their rows --------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class _BeneficiaryFactory:
    def __init__(self, world: World, n: int) -> None:
        self.world = world
        self.rng = rng = world.rng
        self.today = world.today
        self.people = People(rng)
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
        self, index: int, plan: Plan, office: OfficeRef
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


def _chunks(items: list[Plan], size: int) -> Iterable[tuple[int, list[Plan]]]:
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


def add_beneficiaries(
    db: Database,
    world: World,
    plans: list[Plan],
    progress: Callable[[int, int], None],
    check_cancel: Callable[[], None],
) -> None:
    """The rows of ``plans``, a transaction per chunk, with progress and a cancel check."""
    n = len(plans)
    factory = _BeneficiaryFactory(world, n)
    offices = world.offices
    for start, chunk in _chunks(plans, CHUNK_SIZE):
        check_cancel()
        rows: list[dict[str, Any]] = []
        members: list[dict[str, Any]] = []
        for i, plan in enumerate(chunk, start):
            row, household = factory.rows(i, plan, offices[plan.office])
            rows.append(row)
            members.extend(household)
        with db.write() as s:
            bulk_insert(s, Beneficiary, rows)
            bulk_insert(s, HouseholdMember, members)
        world.counts["beneficiaries"] += len(rows)
        world.counts["household_members"] += len(members)
        progress(start + len(chunk), n)
