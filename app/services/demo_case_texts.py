"""The texts of a demo case's decisions: the motivation of a refusal (the rule that failed,
as the eligibility check explains it) and of an early end (the facts, why they end the
Pack, the observations the person was invited to give), and the grounds sent with that
invitation. :class:`app.services.demo_case_rows.CaseRows` puts them in the rows.
"""

from __future__ import annotations

from typing import cast

from app.models.enums import Civility, DecisionKind
from app.services.demo_case_plans import LEGAL_BASIS, CasePlan, lower_first, of_noun
from app.services.eligibility import PreviousCase, check_eligibility
from app.services.text import format_date
from app.services.workflow import ExitReason


def _request_facts(plan: CasePlan) -> str:
    verb = "commençant" if plan.job_start > plan.request else "commencé"
    return (
        f"Demande du {format_date(plan.request)} pour un emploi "
        f"{of_noun(lower_first(plan.job.title))} chez {plan.job.employer}, {verb} le "
        f"{format_date(plan.job_start)}."
    )


def _refusal_motivation(plan: CasePlan) -> str:
    person = plan.person
    previous = [
        PreviousCase(c.reference, c.final_state.value, c.job_start, c.end_on or c.complete_on)
        for c in person.cases
        if c.request < plan.request
    ]
    components = {req.component for req in plan.requests}
    result = check_eligibility(
        person.facts, plan.job_start, plan.request, plan.scale, previous, components
    )
    failed = " ".join(r.explanation for r in result.failed)
    return (
        f"{_request_facts(plan)} {failed} Les conditions d'attribution du Pack sortie "
        f"RSA fixées par la {LEGAL_BASIS} ne sont donc pas remplies : la demande est refusée."
    )


def _exit_facts(plan: CasePlan) -> str:
    person, job = plan.person, plan.job
    who = f"{Civility(person.civility).label} {person.last_name}"
    fact = format_date(plan.fact_on)
    return {
        ExitReason.JOB_LOST: (
            f"Le contrat de travail de {who} chez {job.employer} a pris fin le {fact}."
        ),
        ExitReason.TRIAL_FAILED: (
            f"La période d'essai de {who} chez {job.employer} a été rompue le {fact}."
        ),
        ExitReason.MOVED_AWAY: (
            f"{who} a quitté l'Essonne le {fact} (nouvelle adresse hors du département)."
        ),
        ExitReason.RSA_CLOSED: (
            f"Le droit au RSA de {who} a été clos le {fact} par la "
            f"{person.paying_body} (information de l'organisme payeur)."
        ),
        ExitReason.PERSON_REQUEST: (
            f"Par courrier du {fact}, {who} a demandé qu'il soit mis fin au Pack sortie RSA."
        ),
    }[cast(ExitReason, plan.exit_reason)]


def observation_grounds(plan: CasePlan) -> str:
    """What the invitation to give observations says is envisaged, and until when."""
    return (
        f"{_exit_facts(plan)} Il est envisagé de mettre fin au Pack sortie RSA avant son "
        f"terme ; la personne peut présenter ses observations jusqu'au "
        f"{format_date(plan.deadline)}."
    )


def motivation(plan: CasePlan, kind: DecisionKind) -> str:
    """The motivation of a decision of ``kind`` on ``plan`` (none for a grant or completion)."""
    if kind is DecisionKind.REFUSAL:
        return _refusal_motivation(plan)
    if kind is not DecisionKind.EARLY_END:
        return ""
    reason = cast(ExitReason, plan.exit_reason)
    why = {
        ExitReason.JOB_LOST: "La reprise d'emploi qui fondait l'attribution n'existe plus.",
        ExitReason.TRIAL_FAILED: "La reprise d'emploi qui fondait l'attribution n'existe plus.",
        ExitReason.MOVED_AWAY: (
            "Le Pack sortie RSA est une aide du Département de l'Essonne réservée aux "
            "personnes qui y résident."
        ),
        ExitReason.RSA_CLOSED: "Le Pack sortie RSA est réservé aux bénéficiaires du RSA.",
        ExitReason.PERSON_REQUEST: "Il est fait droit à cette demande.",
    }[reason]
    observed = ""
    if reason.needs_observations:
        observed = (
            f" La personne, invitée le {format_date(plan.notice_on)} à présenter ses "
            f"observations au plus tard le {format_date(plan.deadline)}, n'a pas fait "
            "valoir d'élément de nature à modifier cette appréciation."
        )
    return (
        f"{_exit_facts(plan)} {why}{observed} Il est mis fin au Pack sortie RSA à compter "
        f"du {format_date(plan.end_on)} ({LEGAL_BASIS}) ; les échéances restantes sont "
        "annulées."
    )
