"""A small hand-built history for the evaluation tests (2018-2019, literal dates: history).

Offices: « MDS d'Évry » (Département; référent Nadia Benali, validator Marc Aubert),
« MDS d'Étampes » (Département, nobody asks for anything) and « CAF Massy » (CAF;
référent Paul Morel). Cases:

- p1 (Évry): job 05/03/2018, submitted 10/03, granted 20/03 (1 350 €), completed
  04/09/2018 still in work;
- p2 (Évry): job 01/11/2018, submitted 05/11, granted 15/11, November and December paid,
  ended early at the person's request on 02/01/2019 (the rest cancelled);
- p3 (Évry): submitted 01/12/2018, refused 10/12/2018;
- p4 (CAF Massy): job 04/02/2019, submitted 05/02, granted 11/02/2019 (transport only);
- p5 (Évry): submitted 20/12/2019, not decided.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.models import Instalment, Institution, Office, User
from app.models.enums import Component, InstalmentStatus
from app.services import workflow
from app.services.actor import Actor, actor_from_user
from app.services.schedule import AidRequest
from app.services.workflow import ExitReason
from tests.factories import make_case, make_person, make_users

MOTIVE = (
    "La personne a demandé par écrit le 28/12/2018 à quitter le dispositif, ce qui met fin "
    "à l'accompagnement (délibération du 13/11/2017)."
)
REFUSAL = (
    "La reprise d'emploi date de plus de trois mois à la demande, ce qui est contraire au "
    "règlement du Pack sortie (délibération du 13/11/2017)."
)


@dataclass(frozen=True)
class Scene:
    referent: Actor  # Évry, Département
    validator: Actor
    caf_referent: Actor  # CAF Massy
    evry: uuid.UUID
    etampes: uuid.UUID
    massy: uuid.UUID
    caf: uuid.UUID
    cases: dict[str, uuid.UUID]


def _submitted(db, referent, person, job_start, submitted_on, **kw) -> uuid.UUID:
    case_id = make_case(db, referent, person, job_start=job_start, **kw)
    workflow.submit(db, referent, case_id, on=submitted_on)
    return case_id


def build_scene(db) -> Scene:
    referent, validator = make_users(db)
    with db.write() as s:
        evry = s.scalar(select(Office).where(Office.name == "MDS d'Évry"))
        etampes = Office(name="MDS d'Étampes", institution=evry.institution)
        caf = Institution(name="CAF de l'Essonne", kind="caf")
        massy = Office(name="CAF Massy", institution=caf)
        morel = User(
            first_name="Paul",
            last_name="Morel",
            capacity="Conseiller",
            office=massy,
            institution=caf,
            os_login="pmorel",
        )
        s.add_all([etampes, caf, massy, morel])
        s.flush()
        caf_referent = actor_from_user(morel, "POSTE-3")
        ids = (evry.id, etampes.id, massy.id, caf.id)
    p1 = make_person(db, referent, number="1000001", last_name="Arnaud", office_id=ids[0])
    p2 = make_person(db, referent, number="1000002", last_name="Barbier", office_id=ids[0])
    p3 = make_person(db, referent, number="1000003", last_name="Colin", office_id=ids[0])
    p4 = make_person(db, caf_referent, number="1000004", last_name="Durand", office_id=ids[2])
    p5 = make_person(db, referent, number="1000005", last_name="Étienne", office_id=ids[0])
    cases: dict[str, uuid.UUID] = {}

    cases["p1"] = _submitted(db, referent, p1, date(2018, 3, 5), date(2018, 3, 10))
    workflow.grant(db, validator, cases["p1"], on=date(2018, 3, 20))
    workflow.complete(db, referent, cases["p1"], True, on=date(2018, 9, 4))

    cases["p2"] = _submitted(
        db, referent, p2, date(2018, 11, 1), date(2018, 11, 5), contract_end=date(2019, 10, 31)
    )
    workflow.grant(db, validator, cases["p2"], on=date(2018, 11, 15))
    with db.write() as s:
        for i in s.scalars(select(Instalment).where(Instalment.case_id == cases["p2"])):
            if i.due_month < date(2019, 1, 1):
                i.status, i.paid_on = InstalmentStatus.PAID.value, date(2018, 12, 20)
    workflow.end_early(
        db, validator, cases["p2"], ExitReason.PERSON_REQUEST, MOTIVE, on=date(2019, 1, 2)
    )

    cases["p3"] = _submitted(db, referent, p3, date(2018, 11, 20), date(2018, 12, 1))
    workflow.refuse(db, validator, cases["p3"], REFUSAL, on=date(2018, 12, 10))

    cases["p4"] = _submitted(
        db,
        caf_referent,
        p4,
        date(2019, 2, 4),
        date(2019, 2, 5),
        contract_end=date(2020, 2, 3),
        aids=[AidRequest(Component.TRANSPORT, 7500, 2)],
    )
    workflow.grant(db, validator, cases["p4"], on=date(2019, 2, 11))

    cases["p5"] = _submitted(
        db, referent, p5, date(2019, 12, 2), date(2019, 12, 20), contract_end=date(2020, 12, 1)
    )
    return Scene(referent, validator, caf_referent, *ids, cases=cases)
