"""A grant the rules cannot fully vouch for: facts « à vérifier », late decisions."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditEvent, Decision, Instalment
from app.models.enums import DocumentKind
from app.services import documents, workflow
from app.services.case_export import iter_cases
from app.services.cases import grant_preview
from app.services.errors import NotAllowed
from app.services.workflow import StatementNeeded
from tests.factories import make_case, make_person, make_users, set_envelope
from tests.test_documents import text_of

STATEMENT = "Droit RSA vérifié sur le portail CAF le 19/03/2018 : ouvert depuis mai 2016."
LATE = (
    "Demande déposée à temps le 20/03/2018 et restée sans suite par erreur du service ; "
    "rappel accordé après vérification du droit."
)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext")


@pytest.fixture
def people(db):
    return make_users(db)


def submitted(db, referent, **person) -> object:
    person_id = make_person(db, referent, **person)
    job_start = person.pop("job_start", date(2018, 3, 5))
    case_id = make_case(
        db, referent, person_id, job_start=job_start, request_date=date(2018, 3, 20)
    )
    workflow.submit(db, referent, case_id, on=date(2018, 3, 20))
    return case_id


def grant_event(db, case_id) -> AuditEvent:
    with db.read() as s:
        return s.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "grant")
        ).one()


def test_rules_to_check_need_a_stored_motivated_statement(db, people):
    referent, validator = people
    case_id = submitted(db, referent, rsa_open_since=None, orientation_date=date(2018, 4, 1))
    with pytest.raises(StatementNeeded) as refused:
        workflow.grant(db, validator, case_id, on=date(2018, 3, 26))
    assert "Droit RSA ouvert au début de l'emploi" in refused.value.message
    assert "Orientation au début de l'emploi" in refused.value.message
    with pytest.raises(StatementNeeded):
        workflow.grant(db, validator, case_id, on=date(2018, 3, 26), statement="Vu.")
    workflow.grant(db, validator, case_id, on=date(2018, 3, 26), statement=STATEMENT)
    with db.read() as s:
        decision = s.scalars(select(Decision)).one()
        assert decision.override_motivation == STATEMENT
        assert "Droit RSA ouvert au début de l'emploi" in decision.override_rules
    event = grant_event(db, case_id)
    assert f"le valideur atteste : « {STATEMENT} »" in event.summary
    after = json.loads(event.after)
    assert after["override_motivation"] == STATEMENT and len(after["override_rules"]) == 2
    (exported,) = iter_cases(db)
    assert exported["decisions"][0]["override_motivation"] == STATEMENT


def test_a_grant_with_every_rule_passed_needs_no_statement(db, people):
    referent, validator = people
    case_id = submitted(db, referent)
    assert not grant_preview(db, case_id, on=date(2018, 3, 26)).checks.needs_statement
    workflow.grant(db, validator, case_id, on=date(2018, 3, 26))
    assert "atteste" not in grant_event(db, case_id).summary


@needs_pdftotext
def test_a_decision_after_the_six_months_is_charged_where_it_falls_due_with_a_statement(db, people):
    """A request of 2018 decided in 2020: all is paid late, charged to the 2020 envelope."""
    referent, validator = people
    set_envelope(db, 2020, 200_000_00)
    case_id = submitted(db, referent)
    preview = grant_preview(db, case_id, on=date(2020, 1, 15))
    assert preview.needs == {2020: 135000}
    assert preview.checks.needs_statement
    assert "les six mois du Pack ont pris fin le 04/09/2018" in preview.checks.request()
    with pytest.raises(StatementNeeded, match="Décision tardive"):
        workflow.grant(db, validator, case_id, on=date(2020, 1, 15))
    workflow.grant(db, validator, case_id, on=date(2020, 1, 15), statement=LATE)
    with db.read() as s:
        rows = s.scalars(select(Instalment).where(Instalment.case_id == case_id)).all()
    assert {(i.due_month, i.envelope_year) for i in rows} == {(date(2020, 1, 1), 2020)}
    event = grant_event(db, case_id)
    charge = "1 350,00 € d'aides des mois de 2018 versés en rappel et imputés sur l'enveloppe 2020."
    assert charge in event.summary.replace("\u202f", " ").replace("\u00a0", " ")
    assert json.loads(event.after)["late_charges"]
    letter = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    text = text_of(letter.path).replace("\u202f", " ").replace("\u00a0", " ")
    assert (
        "Votre demande du 20/03/2018 a été décidée le 15/01/2020 : les aides des mois de "
        "mars 2018 à août 2018 (1 350,00 €) vous sont versées en rappel en janvier 2020."
    ) in text
    assert LATE not in text  # the statement is the administration's record, not the letter's


@needs_pdftotext
def test_a_catch_up_over_new_year_is_shown_and_audited_without_a_statement(db, people):
    """Job started on 10/12/2018, granted on 08/01/2019: December is paid in January."""
    referent, validator = people
    person_id = make_person(db, referent)
    case_id = make_case(
        db, referent, person_id, job_start=date(2018, 12, 10), contract_end=date(2019, 12, 9)
    )
    workflow.submit(db, referent, case_id, on=date(2018, 12, 12))
    preview = grant_preview(db, case_id, on=date(2019, 1, 8))
    assert not preview.checks.needs_statement
    assert preview.checks.charges() == [
        "325,00\u00a0€ d'aides des mois de 2018 versés en rappel et imputés sur l'enveloppe 2019."
    ]
    workflow.grant(db, validator, case_id, on=date(2019, 1, 8))
    assert "imputés sur l'enveloppe 2019" in grant_event(db, case_id).summary
    letter = documents.produce_document(db, validator, case_id, DocumentKind.GRANT_LETTER)
    assert "les aides du mois de décembre 2018" in text_of(letter.path)


def test_a_failed_rule_is_never_overridden(db, people):
    referent, validator = people
    case_id = submitted(db, referent, orientation="emploi")
    with pytest.raises(NotAllowed, match="Motivez un refus"):
        workflow.grant(db, validator, case_id, on=date(2018, 3, 26), statement=STATEMENT)
