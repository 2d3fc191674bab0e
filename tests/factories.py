"""Builders for test data: users with roles, beneficiaries, cases in a given state."""

from __future__ import annotations

from datetime import date

from app.models import Envelope, Institution, Office, User
from app.models.enums import Component
from app.services import workflow
from app.services.actor import Actor, actor_from_user
from app.services.beneficiaries import BeneficiaryInput, HouseholdInput, save_beneficiary
from app.services.cases import CaseInput, save_draft
from app.services.schedule import AidRequest

FULL_PACK = [
    AidRequest(Component.TRANSPORT, 7500, 2),
    AidRequest(Component.DAILY_LIFE, 10000, 3),
    AidRequest(Component.CHILDCARE, 15000, 6),
]


def make_users(db) -> tuple[Actor, Actor]:
    """A référent and a validator of the same office."""
    with db.write() as s:
        inst = Institution(name="Département de l'Essonne", kind="departement")
        office = Office(name="MDS d'Évry", institution=inst)
        ref = User(
            first_name="Nadia",
            last_name="Benali",
            capacity="Assistante sociale",
            office=office,
            institution=inst,
            os_login="nbenali",
        )
        val = User(
            first_name="Marc",
            last_name="Aubert",
            capacity="Responsable de MDS",
            office=office,
            institution=inst,
            os_login="maubert",
            is_validator=True,
        )
        s.add_all([inst, office, ref, val])
    return actor_from_user(ref, "POSTE-1"), actor_from_user(val, "POSTE-2")


def make_person(
    db,
    actor,
    *,
    number="1234567",
    orientation="social",
    orientation_date=date(2017, 1, 10),
    global_support=False,
    rsa_open_since=date(2016, 5, 1),
    children=(date(2016, 3, 2),),
    **kw,
):
    data = BeneficiaryInput(
        civility="MME",
        last_name=kw.pop("last_name", "Lefèvre"),
        first_name=kw.pop("first_name", "Hélène"),
        birth_date=date(1985, 4, 12),
        address_line1="12 rue Jean Jaurès",
        postcode="91000",
        commune="Évry-Courcouronnes",
        allocataire_number=number,
        orientation=orientation,
        orientation_date=orientation_date,
        global_support=global_support,
        rsa_open_since=rsa_open_since,
        iban="FR7630006000011234567890189",
        household=[HouseholdInput("enfant", "Zoé", "Lefèvre", b) for b in children],
        **kw,
    )
    return save_beneficiary(db, actor, data)


def set_envelope(db, year: int, cents: int) -> None:
    with db.write() as s:
        s.add(Envelope(year=year, amount_cents=cents))


def make_case(
    db, actor, person_id, *, job_start=date(2018, 3, 5), request_date=None, aids=None, **kw
):
    data = CaseInput(
        beneficiary_id=person_id,
        job_start=job_start,
        request_date=request_date or job_start,
        employer_name="Boulangerie Martin",
        job_title="Vendeuse",
        contract_type="CDD",
        contract_end=kw.pop("contract_end", date(2019, 3, 4)),
        aids=list(FULL_PACK if aids is None else aids),
        **kw,
    )
    return save_draft(db, actor, data)


def granted_case(db, referent, validator, person_id, *, on=None, **kw):
    case_id = make_case(db, referent, person_id, **kw)
    workflow.submit(db, referent, case_id, on=on)
    workflow.grant(db, validator, case_id, on=on)
    return case_id
