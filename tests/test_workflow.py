"""Case workflow, schedules and envelopes through the real services and database."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditEvent, Beneficiary, Case, Decision, Instalment
from app.models.enums import Component, DocumentKind, PayeeKind
from app.services import documents, workflow
from app.services.errors import NotAllowed, ValidationError
from app.services.schedule import AidRequest, build_schedule
from app.services.workflow import ExitReason
from tests.clock import working_day
from tests.factories import granted_case, make_case, make_person, make_users, set_envelope
from tests.test_documents import text_of

MOTIVE = (
    "Le contrat a été rompu pendant la période d'essai le 12/04/2018, ce qui met fin "
    "aux conditions d'attribution (délibération du 13/11/2017)."
)


@pytest.fixture
def people(db):
    referent, validator = make_users(db)
    person = make_person(db, referent)
    return referent, validator, person


def instalments(db, case_id):
    with db.read() as s:
        return s.scalars(
            select(Instalment)
            .where(Instalment.case_id == case_id)
            .order_by(Instalment.due_month, Instalment.component)
        ).all()


def state(db, case_id):
    with db.read() as s:
        return s.get(Case, case_id).state


def test_full_pack_schedule_totals_1350_and_starts_the_job_month(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    rows = instalments(db, case_id)
    assert sum(i.amount_cents for i in rows) == 135000
    assert len(rows) == 2 + 3 + 6
    assert rows[0].due_month == date(2018, 3, 1)
    assert max(i.due_month for i in rows) == date(2018, 8, 1)
    assert {i.payee_iban for i in rows} == {"FR7630006000011234567890189"}
    assert state(db, case_id) == "in_progress"  # the job had started at the decision
    with db.read() as s:
        decision = s.scalars(select(Decision)).one()
        assert decision.number == "PSR-2018-0001"
        assert s.get(Beneficiary, person).current_case_state == "in_progress"


def test_late_decision_pays_past_months_in_the_decision_month():
    aids = [AidRequest(Component.TRANSPORT, 7500, 2), AidRequest(Component.DAILY_LIFE, 10000, 3)]
    schedule = build_schedule(aids, date(2018, 3, 5), date(2018, 4, 20))
    assert sorted((i.due_month, i.component.value, i.amount_cents) for i in schedule) == [
        (date(2018, 4, 1), "daily_life", 10000),
        (date(2018, 4, 1), "daily_life", 10000),
        (date(2018, 4, 1), "transport", 7500),
        (date(2018, 4, 1), "transport", 7500),
        (date(2018, 5, 1), "daily_life", 10000),
    ]


def test_schedule_across_the_year_boundary_charges_each_year(db, people):
    referent, validator, person = people
    case_id = granted_case(
        db,
        referent,
        validator,
        person,
        job_start=date(2018, 11, 12),
        on=date(2018, 11, 15),
        contract_end=None,
    )
    by_year: dict[int, int] = {}
    for i in instalments(db, case_id):
        by_year[i.envelope_year] = by_year.get(i.envelope_year, 0) + i.amount_cents
        assert i.envelope_year == i.due_month.year
    assert by_year == {2018: 2 * 7500 + 2 * 10000 + 2 * 15000, 2019: 10000 + 4 * 15000}


def test_lowered_amounts_and_durations_are_kept(db, people):
    referent, validator, person = people
    aids = [AidRequest(Component.TRANSPORT, 5000, 1), AidRequest(Component.DAILY_LIFE, 8000, 2)]
    case_id = granted_case(db, referent, validator, person, aids=aids, on=date(2018, 3, 6))
    rows = [(i.due_month, i.component, i.amount_cents) for i in instalments(db, case_id)]
    assert rows == [
        (date(2018, 3, 1), "daily_life", 8000),
        (date(2018, 3, 1), "transport", 5000),
        (date(2018, 4, 1), "daily_life", 8000),
    ]


@pytest.mark.parametrize(
    ("aid", "field"),
    [
        (AidRequest(Component.TRANSPORT, 7501, 2), "component.transport"),
        (AidRequest(Component.DAILY_LIFE, 10000, 4), "component.daily_life"),
        (AidRequest(Component.CHILDCARE, 0, 6), "component.childcare"),
        (
            AidRequest(
                Component.TRANSPORT,
                7500,
                2,
                PayeeKind.THIRD_PARTY,
                "Transdev",
                "FR7630006000011234567890188",
            ),
            "component.transport.payee",
        ),
    ],
)
def test_over_the_scale_or_bad_payee_is_refused_and_nothing_written(db, people, aid, field):
    referent, _, person = people
    with pytest.raises(ValidationError) as info:
        make_case(db, referent, person, aids=[aid])
    assert field in info.value.errors
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_third_party_payee_receives_the_childcare(db, people):
    referent, validator, person = people
    aids = [
        AidRequest(
            Component.CHILDCARE,
            15000,
            6,
            PayeeKind.THIRD_PARTY,
            "Crèche Les Lutins",
            "FR76 3000 6000 0112 3456 7890 189",
        )
    ]
    case_id = granted_case(db, referent, validator, person, aids=aids, on=date(2018, 3, 6))
    assert {(i.payee_kind, i.payee_name) for i in instalments(db, case_id)} == {
        ("third_party", "Crèche Les Lutins")
    }


def test_refusal_requires_a_motivation(db, people):
    referent, validator, person = people
    case_id = make_case(db, referent, person)
    workflow.submit(db, referent, case_id)
    with pytest.raises(ValidationError, match="motivation"):
        workflow.refuse(db, validator, case_id, "   ")
    assert state(db, case_id) == "submitted"
    info = workflow.refuse(db, validator, case_id, MOTIVE, on=date(2018, 3, 9))
    assert info.number == "PSR-2018-0001"
    assert state(db, case_id) == "refused"


def test_ineligible_case_cannot_be_granted(db, people):
    referent, validator, _ = people
    person = make_person(db, referent, number="7654321", orientation="emploi")
    case_id = make_case(db, referent, person)
    workflow.submit(db, referent, case_id)
    with pytest.raises(NotAllowed, match="Conditions non remplies"):
        workflow.grant(db, validator, case_id, on=date(2018, 3, 9))
    assert state(db, case_id) == "submitted"


def test_wrong_state_and_wrong_role_are_refused(db, people):
    referent, validator, person = people
    case_id = make_case(db, referent, person)
    with pytest.raises(NotAllowed, match="brouillon"):
        workflow.grant(db, validator, case_id)  # not submitted yet
    workflow.submit(db, referent, case_id)
    with pytest.raises(NotAllowed, match="habilitée"):
        workflow.grant(db, referent, case_id)
    with pytest.raises(NotAllowed):
        workflow.submit(db, referent, case_id)


def test_second_pack_too_soon_is_refused_at_grant(db, people):
    referent, validator, person = people
    first = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    workflow.complete(db, referent, first, employed_at_exit=True, on=date(2018, 9, 5))
    second = make_case(db, referent, person, job_start=date(2019, 6, 3), contract_end=None)
    workflow.submit(db, referent, second)
    with pytest.raises(NotAllowed, match="déjà été accordé"):
        workflow.grant(db, validator, second, on=date(2019, 6, 10))


def test_suspension_and_resumption(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    workflow.suspend(db, referent, case_id, "Arrêt de travail de l'employeur", on=date(2018, 4, 2))
    assert state(db, case_id) == "suspended"
    assert {i.status for i in instalments(db, case_id)} == {"suspended"}
    workflow.resume(db, referent, case_id, on=date(2018, 5, 2))
    assert state(db, case_id) == "in_progress"
    assert {i.status for i in instalments(db, case_id)} == {"planned"}
    with pytest.raises(ValidationError):
        workflow.suspend(db, referent, case_id, " ")


def test_early_end_needs_observations_then_cancels_what_is_not_mandated(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    with db.write() as s:  # finance already mandated the first month
        for i in s.scalars(select(Instalment).where(Instalment.due_month == date(2018, 3, 1))):
            i.status = "mandated"
    with pytest.raises(NotAllowed, match="observations"):
        workflow.end_early(db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE)
    with pytest.raises(ValidationError, match="motivation"):
        workflow.end_early(db, validator, case_id, ExitReason.TRIAL_FAILED, "")
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 16))
    with pytest.raises(NotAllowed, match="pas encore été envoyée"):
        workflow.end_early(
            db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 6, 1)
        )
    with working_day(date(2018, 4, 16)):
        documents.produce_document(db, validator, case_id, DocumentKind.OBSERVATIONS_NOTICE)
    with pytest.raises(NotAllowed, match="01/05/2018"):
        workflow.end_early(
            db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 5, 1)
        )
    workflow.end_early(db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 5, 2))
    rows = instalments(db, case_id)
    assert {i.status for i in rows if i.due_month == date(2018, 3, 1)} == {"mandated"}
    assert {i.status for i in rows if i.due_month > date(2018, 3, 1)} == {"cancelled"}
    assert state(db, case_id) == "ended_early"


def test_the_observation_delay_runs_from_the_letter_not_from_the_decision(db, people):
    """Decided on 20/11, printed on 02/12: the person still has 15 days from 02/12."""
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 2))
    with working_day(date(2018, 4, 14)):
        notice = documents.produce_document(
            db, validator, case_id, DocumentKind.OBSERVATIONS_NOTICE
        )
    with db.read() as s:
        case = s.get(Case, case_id)
        assert (case.observations_invited_on, case.observations_sent_on) == (
            date(2018, 4, 2),
            date(2018, 4, 14),
        )
        assert case.observations_deadline == date(2018, 4, 29)
        produced = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "produce", AuditEvent.case_id == case_id)
        ).one()
    assert "envoyée le 14/04/2018" in produced.summary and "29/04/2018" in produced.summary
    text = text_of(notice.path)
    assert "le 14 avril 2018" in text and "jusqu'au 29/04/2018" in text
    with pytest.raises(NotAllowed, match="29/04/2018"):
        workflow.end_early(
            db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 4, 20)
        )
    # Sent again later: the new letter gives its own full delay, never a shorter one.
    with working_day(date(2018, 4, 20)):
        documents.produce_document(db, validator, case_id, DocumentKind.OBSERVATIONS_NOTICE)
    with pytest.raises(NotAllowed, match="05/05/2018"):
        workflow.end_early(
            db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 5, 5)
        )
    workflow.end_early(db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 5, 6))


def test_a_new_invitation_waits_for_its_own_letter(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 2))
    with working_day(date(2018, 4, 2)):
        documents.produce_document(db, validator, case_id, DocumentKind.OBSERVATIONS_NOTICE)
    workflow.invite_observations(
        db, validator, case_id, MOTIVE + " Nouveaux faits.", on=date(2018, 4, 30)
    )
    with pytest.raises(NotAllowed, match="pas encore été envoyée"):
        workflow.end_early(
            db, validator, case_id, ExitReason.TRIAL_FAILED, MOTIVE, on=date(2018, 6, 1)
        )
    assert [p.kind for p in documents.letters_to_produce(db, date(2018, 4, 30))] == [
        DocumentKind.OBSERVATIONS_NOTICE
    ]


def test_only_a_validator_invites_and_the_notice_is_signed_in_their_name(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    with pytest.raises(NotAllowed, match="habilitée"):
        workflow.invite_observations(db, referent, case_id, MOTIVE, on=date(2018, 4, 2))
    workflow.invite_observations(db, validator, case_id, MOTIVE, on=date(2018, 4, 2))
    # The référent may print it for the validator's hand signature: it names the validator.
    with working_day(date(2018, 4, 3)):
        notice = documents.produce_document(db, referent, case_id, DocumentKind.OBSERVATIONS_NOTICE)
    text = text_of(notice.path)
    assert validator.name in text
    assert referent.name not in text.split("Pour le Président")[-1]


def test_person_request_ends_without_a_notice(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    workflow.end_early(
        db, validator, case_id, ExitReason.PERSON_REQUEST, MOTIVE, on=date(2018, 4, 2)
    )
    assert state(db, case_id) == "ended_early"


def test_completion_only_after_six_months(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    with pytest.raises(NotAllowed, match="04/09/2018"):
        workflow.complete(db, referent, case_id, True, on=date(2018, 9, 3))
    workflow.complete(db, referent, case_id, True, on=date(2018, 9, 4))
    with db.read() as s:
        case = s.get(Case, case_id)
        assert (case.state, case.employed_at_exit) == ("completed", True)


def test_every_transition_is_audited_with_before_and_after(db, people):
    referent, validator, person = people
    case_id = granted_case(db, referent, validator, person, on=date(2018, 3, 20))
    with db.read() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.at)
        ).all()
    assert [e.action for e in events] == ["create", "submit", "grant"]
    grant = events[-1]
    assert (grant.user_login, grant.workstation) == ("maubert", "POSTE-2")
    assert json.loads(grant.before) == {"state": "submitted"}
    assert json.loads(grant.after) == {"state": "in_progress"}


# --- envelopes ---------------------------------------------------------------------------


def test_envelope_exactly_full_then_one_cent_over(db, people):
    referent, validator, person = people
    with db.write() as s:
        from app.models import Envelope

        s.scalars(select(Envelope).where(Envelope.year == 2018)).one().amount_cents = 135000 + 7500
    granted_case(db, referent, validator, person, on=date(2018, 3, 20))  # 1 350,00 €
    other = make_person(db, referent, number="2223334", first_name="Awa", last_name="N'Diaye")
    exact = make_case(db, referent, other, aids=[AidRequest(Component.TRANSPORT, 7500, 1)])
    workflow.submit(db, referent, exact)
    workflow.grant(db, validator, exact, on=date(2018, 3, 20))  # fills it exactly
    third = make_person(db, referent, number="3334445", first_name="Zoé", last_name="Bégué")
    over = make_case(db, referent, third, aids=[AidRequest(Component.TRANSPORT, 1, 1)])
    workflow.submit(db, referent, over)
    with pytest.raises(NotAllowed, match="enveloppe 2018 ne suffit pas.*0,01"):
        workflow.grant(db, validator, over, on=date(2018, 3, 20))
    assert state(db, over) == "submitted"
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Instalment.case_id == over)) == 0


def test_no_envelope_for_the_year_blocks_granting(db, people):
    referent, validator, person = people
    case_id = make_case(db, referent, person, job_start=date(2020, 3, 2), contract_end=None)
    workflow.submit(db, referent, case_id)
    with pytest.raises(NotAllowed, match="Aucune enveloppe.*2020"):
        workflow.grant(db, validator, case_id, on=date(2020, 3, 3))


def _grant_in_process(path: str, case_id: str, validator_login: str, queue) -> None:
    import uuid
    from pathlib import Path

    from app.services.actor import current_actor
    from app.services.schema import open_sqlite

    database = open_sqlite(Path(path))
    actor = current_actor(database, validator_login)
    try:
        workflow.grant(database, actor, uuid.UUID(case_id), on=date(2020, 3, 3))
        queue.put("granted")
    except NotAllowed as exc:
        queue.put(f"refused: {exc}")
    finally:
        database.dispose()


def test_two_validators_granting_at_once_never_exceed_the_envelope(db, db_path, people):
    """Two processes, one envelope with room for one pack: exactly one grant succeeds."""
    referent, validator, person = people
    set_envelope(db, 2020, 135000)
    other = make_person(db, referent, number="2223334", first_name="Awa", last_name="N'Diaye")
    cases = []
    for who in (person, other):
        case_id = make_case(db, referent, who, job_start=date(2020, 3, 2), contract_end=None)
        workflow.submit(db, referent, case_id)
        cases.append(case_id)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_grant_in_process, args=(str(db_path), str(c), "maubert", queue))
        for c in cases
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = sorted(queue.get(timeout=5) for _ in procs)
    assert outcomes[0] == "granted"
    assert outcomes[1].startswith("refused: L'enveloppe 2020 ne suffit pas")
    with db.read() as s:
        committed = s.scalar(
            select(func.sum(Instalment.amount_cents)).where(Instalment.envelope_year == 2020)
        )
    assert committed == 135000


def test_thirty_dots_do_not_motivate_a_refusal(db, people):
    referent, validator, person = people
    case_id = make_case(db, referent, person)
    workflow.submit(db, referent, case_id, on=date(2018, 3, 20))
    with pytest.raises(ValidationError, match="en toutes lettres"):
        workflow.refuse(db, validator, case_id, "." * 30, on=date(2018, 3, 26))


def test_a_nan_weekly_hours_value_gets_a_french_message(db, people):
    from decimal import Decimal

    referent, _, person = people
    with pytest.raises(ValidationError) as info:
        make_case(db, referent, person, weekly_hours=Decimal("NaN"))
    assert "durée hebdomadaire" in info.value.errors["weekly_hours"]


def test_a_motivation_with_invisible_characters_or_too_long_is_refused(db, people):
    referent, validator, person = people
    case_id = make_case(db, referent, person)
    workflow.submit(db, referent, case_id, on=date(2018, 3, 6))
    with pytest.raises(ValidationError) as info:
        workflow.refuse(db, validator, case_id, MOTIVE + "\x00", on=date(2018, 3, 9))
    assert "« Motivation » contient un caractère invisible" in info.value.errors["motivation"]
    with pytest.raises(ValidationError, match="« Motivation » dépasse 5\u202f000 caractères"):
        workflow.refuse(db, validator, case_id, "\n".join([MOTIVE] * 40), on=date(2018, 3, 9))
    assert state(db, case_id) == "submitted"
    workflow.refuse(db, validator, case_id, MOTIVE + "\n\n" + MOTIVE, on=date(2018, 3, 9))
    assert state(db, case_id) == "refused"


def test_a_grant_statement_with_invisible_characters_is_refused(db):
    referent, validator = make_users(db)
    person = make_person(db, referent, rsa_open_since=None)
    case_id = make_case(db, referent, person, request_date=date(2018, 3, 20))
    workflow.submit(db, referent, case_id, on=date(2018, 3, 20))
    statement = "Droit RSA vérifié sur le portail CAF le 19/03/2018\u202e : ouvert depuis 2016."
    with pytest.raises(ValidationError) as info:
        workflow.grant(db, validator, case_id, on=date(2018, 3, 26), statement=statement)
    assert "« Attestation »" in info.value.errors["statement"]
    assert state(db, case_id) == "submitted"


def test_draft_texts_are_checked_and_nothing_written(db, people):
    referent, _, person = people
    payee = AidRequest(
        Component.TRANSPORT,
        7500,
        2,
        PayeeKind.THIRD_PARTY,
        "T" * 201,
        "FR76 3000 6000 0112 3456 7890 189",
    )
    with pytest.raises(ValidationError) as info:
        make_case(
            db,
            referent,
            person,
            aids=[payee],
            employer_address="3 rue de la Paix\n91000 Évry",
            notes="Embauche confirmée\x1b par l'employeur.",
        )
    errors = info.value.errors
    assert set(errors) == {"employer_address", "notes", "component.transport.payee"}
    assert "seule ligne" in errors["employer_address"]
    assert "U+001B" in errors["notes"]
    assert "dépasse 200 caractères (ici 201)" in errors["component.transport.payee"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    make_case(db, referent, person, notes="Embauche confirmée.\nContrat signé le 05/03/2018.")
