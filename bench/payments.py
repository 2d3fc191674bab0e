"""A payment batch of about 2 000 instalments: preview, create (locked), export the CSV.

    .venv/bin/python bench/payments.py [--cases 182]

Builds a base with ``--cases`` packs granted in 2018 (11 instalments each: transport 2
months, daily life 3, childcare 6; 182 cases ≈ 2 000 instalments), then times, in this process,
the preview of what is due, the batch's creation and its CSV export. Prints one JSON
object. Target (#12): the three together under 2 s. Wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(path: Path, cases: int) -> None:
    from sqlalchemy import select

    from app.models import Envelope, Institution, Office, User
    from app.models.enums import Component
    from app.services import workflow
    from app.services.actor import actor_from_user
    from app.services.beneficiaries import BeneficiaryInput, HouseholdInput, save_beneficiary
    from app.services.cases import CaseInput, save_draft
    from app.services.schedule import AidRequest
    from app.services.schema import open_sqlite

    db = open_sqlite(path, create=True)
    with db.write() as s:
        inst = Institution(name="Département", kind="departement")
        office = Office(name="MDS", institution=inst)
        referent = User(first_name="A", last_name="R", capacity="AS", office=office, os_login="r")
        validator = User(
            first_name="B", last_name="V", capacity="Chef", os_login="v", is_validator=True
        )
        s.add_all([inst, office, referent, validator])
        voted = s.scalar(select(Envelope).where(Envelope.year == 2018))
        if voted is None:
            s.add(Envelope(year=2018, amount_cents=10**10))
        else:
            voted.amount_cents = 10**10
        s.flush()
        ref, val = actor_from_user(referent), actor_from_user(validator)
    aids = [
        AidRequest(Component.TRANSPORT, 7_500, 2),
        AidRequest(Component.DAILY_LIFE, 10_000, 3),
        AidRequest(Component.CHILDCARE, 15_000, 6),
    ]
    for n in range(cases):
        person = save_beneficiary(
            db,
            ref,
            BeneficiaryInput(
                last_name=f"Nom{n}",
                first_name="Prénom",
                birth_date=date(1985, 1, 1),
                allocataire_number=f"{2_000_000 + n}",
                orientation="social",
                orientation_date=date(2017, 1, 10),
                rsa_open_since=date(2016, 5, 1),
                iban="FR7630006000011234567890189",
                household=[HouseholdInput("enfant", "Zoé", f"Nom{n}", date(2016, 3, 2))],
            ),
        )
        case = save_draft(
            db,
            ref,
            CaseInput(
                beneficiary_id=person,
                job_start=date(2018, 3, 5),
                request_date=date(2018, 3, 5),
                employer_name="Boulangerie",
                job_title="Vendeuse",
                contract_type="CDI",
                aids=aids,
            ),
        )
        workflow.submit(db, ref, case, on=date(2018, 3, 20))
        workflow.grant(db, val, case, on=date(2018, 3, 20))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=182)
    args = parser.parse_args()

    from app.services.actor import Actor
    from app.services.payment_export import export_batch
    from app.services.payments import create_batch, preview_batch
    from app.services.schema import open_sqlite

    work = Path(tempfile.mkdtemp(prefix="payments-bench-"))
    path = work / "base.sqlite"
    started = time.perf_counter()
    build(path, args.cases)
    built_s = time.perf_counter() - started
    db = open_sqlite(path)
    finance = Actor(login="fin", workstation="BENCH", is_finance=True)
    until = date(2018, 12, 1)
    t0 = time.perf_counter()
    preview = preview_batch(db, until)
    t1 = time.perf_counter()
    info = create_batch(db, finance, until)
    t2 = time.perf_counter()
    export_batch(db, finance, info.number, work / "lot.csv")
    t3 = time.perf_counter()
    db.dispose()
    print(
        json.dumps(
            {
                "cases": args.cases,
                "instalments": len(info.transfers),
                "preview_s": round(t1 - t0, 3),
                "create_s": round(t2 - t1, 3),
                "export_s": round(t3 - t2, 3),
                "total_s": round(t3 - t0, 3),
                "previewed": len(preview.transfers),
                "base_built_s": round(built_s, 1),
                "target_total_s": 2.0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
