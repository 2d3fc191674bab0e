"""Who the demo's cases draw on, read from what the earlier steps wrote: the staff (each
with a workstation, the validator deciding for each office, the finance user) and the
beneficiaries, all of them as a light index in pools by orientation, the details of those
a case considers read on demand.

:class:`app.services.demo_cases.Planner` makes one, drawing from the same generator.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date
from typing import cast

from sqlalchemy import Integer, Table, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from app.models import Beneficiary, HouseholdMember, User
from app.models.enums import Orientation, Relation
from app.services import demo_data as data
from app.services.demo_case_plans import PersonPlan, UserPlan
from app.services.demo_world import World
from app.services.eligibility import PersonFacts


class Population:
    """The staff and the beneficiaries; reads the people considered through ``session``."""

    def __init__(self, session: Session, world: World) -> None:
        self.session = s = session
        key_of: dict[uuid.UUID | None, str] = {ref.id: key for key, ref in world.offices.items()}
        users = s.execute(
            select(
                User.id,
                User.os_login,
                User.first_name,
                User.last_name,
                User.capacity,
                User.office_id,
                User.is_validator,
                User.is_finance,
            ).order_by(literal_column("rowid"))
        ).all()
        # What choosing a person needs, for everybody, as plain ISO strings (fast to read
        # even for a million people); the rest is read for the people considered only.
        b = cast(Table, Beneficiary.__table__)
        rowid = literal_column("beneficiary.rowid", Integer)
        self.index = s.execute(
            select(
                rowid,
                b.c.orientation,
                b.c.global_support,
                func.substr(b.c.rsa_open_since, 1, 10),
                func.substr(b.c.orientation_date, 1, 10),
                func.substr(b.c.created_at, 1, 10),
                func.substr(b.c.last_contact_at, 1, 10),
            ).order_by(rowid)
        ).all()
        self._details = select(
            b.c.id,
            b.c.civility,
            b.c.paying_body,
            b.c.first_name,
            b.c.last_name,
            b.c.commune,
            b.c.office_id,
            b.c.referent_id,
            b.c.updated_at,
            b.c.updated_by,
            b.c.version_id,
        ).where(rowid == bindparam("r"))
        h = cast(Table, HouseholdMember.__table__)
        self._children = (
            select(h.c.birth_date)
            .where(h.c.beneficiary_id == bindparam("b"), h.c.relation == Relation.CHILD.value)
            .order_by(literal_column("household_member.rowid"))
        )

        self.users: dict[uuid.UUID, UserPlan] = {}
        validators: dict[str, UserPlan] = {}
        runner = finance = None
        for uid, login, first, last, capacity, office_id, validator, is_finance in users:
            key = key_of.get(office_id, "")
            site = key.replace("_", "-").upper() if "_" in key else f"MDS-{key.upper()}"
            station = f"{site if key else 'CD91-SIEGE'}-PC{world.rng.randint(1, 80):03d}"
            user = UserPlan(uid, login or "", f"{first} {last}".strip(), capacity, station)
            self.users[uid] = user
            if login == world.login:
                runner = user
                continue  # whoever runs the command decides nothing in the past
            if validator and key in data.VALIDATOR_MDS:
                validators[key] = user
            if is_finance:
                finance = user
        # The finance user makes and confirms the payment batches (whoever runs the
        # command, who has every role, in a demo without one).
        self.finance: UserPlan = cast(UserPlan, finance or runner)
        fallback = validators[sorted(validators)[0]] if validators else None
        self.validator_of: dict[uuid.UUID, UserPlan] = {}
        for key, ref in world.offices.items():
            chosen = validators.get(data.DECIDING_MDS.get(key, ""), fallback)
            if chosen is not None:
                self.validator_of[ref.id] = chosen

        # Pools of candidates by orientation (positions in self.index).
        self.pools: dict[str, list[int]] = {"social": [], "global": [], "emploi": [], "other": []}
        for i, (_rowid, orientation, global_support, *_dates) in enumerate(self.index):
            if orientation == Orientation.SOCIAL.value:
                self.pools["social"].append(i)
            elif orientation == Orientation.EMPLOYMENT.value:
                self.pools["global" if global_support else "emploi"].append(i)
            else:
                self.pools["other"].append(i)
        self.people: dict[int, PersonPlan] = {}

    def person(self, index: int) -> PersonPlan:
        """The person at ``index`` of the index, read the first time only."""
        person = self.people.get(index)
        if person is None:
            rowid, orientation, global_support, opened, oriented, created, contact = self.index[
                index
            ]
            row = self.session.execute(self._details, {"r": rowid}).one()
            facts = PersonFacts(
                rsa_open_since=date.fromisoformat(opened) if opened else None,
                rsa_closed_on=None,
                orientation=orientation,
                orientation_date=date.fromisoformat(oriented) if oriented else None,
                global_support=bool(global_support),
                children_birth_dates=tuple(self.session.scalars(self._children, {"b": row.id})),
            )
            person = PersonPlan(
                index,
                row.id,
                row.civility,
                row.paying_body,
                row.first_name,
                row.last_name,
                row.commune,
                row.office_id,
                row.referent_id,
                facts,
                date.fromisoformat(created),
                date.fromisoformat(contact) if contact else None,
                row.updated_at.replace(tzinfo=UTC),
                row.updated_by,
                row.version_id,
            )
            self.people[index] = person
        return person
