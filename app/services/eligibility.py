"""Eligibility to the Pack sortie, explained rule by rule (domain.md §2).

A pure function of plain facts: no database, no Qt. Each rule gives passed / failed /
to check (a fact is missing and a person must verify it) with a French explanation that a
référent can read to the beneficiary and a validator can quote in a refusal.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.models.enums import CaseState, Component, Orientation
from app.services.dates import add_months, age_on
from app.services.scale import ScaleRules
from app.services.schedule import six_month_end
from app.services.text import format_date

# States of an earlier case that count as "a pack already granted".
GRANTED_STATES = {
    CaseState.GRANTED,
    CaseState.IN_PROGRESS,
    CaseState.SUSPENDED,
    CaseState.COMPLETED,
    CaseState.ENDED_EARLY,
}
PENDING_STATES = {CaseState.DRAFT, CaseState.SUBMITTED}


class RuleStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    TO_CHECK = "to_check"

    @property
    def label(self) -> str:
        return {"passed": "Respectée", "failed": "Non respectée", "to_check": "À vérifier"}[
            self.value
        ]


@dataclass(frozen=True)
class PersonFacts:
    rsa_open_since: date | None
    rsa_closed_on: date | None
    orientation: str | None
    orientation_date: date | None
    global_support: bool
    children_birth_dates: tuple[date | None, ...] = ()


@dataclass(frozen=True)
class PreviousCase:
    reference: str
    state: str
    job_start: date
    end_date: date | None = None  # the day the pack ended (completed or ended early)

    @property
    def pack_end(self) -> date:
        """When the earlier pack ends: its recorded end, else its six months."""
        return self.end_date or six_month_end(self.job_start)


@dataclass(frozen=True)
class RuleResult:
    code: str
    title: str
    status: RuleStatus
    explanation: str


@dataclass(frozen=True)
class Eligibility:
    results: list[RuleResult] = field(default_factory=list)

    @property
    def status(self) -> RuleStatus:
        statuses = {r.status for r in self.results}
        if RuleStatus.FAILED in statuses:
            return RuleStatus.FAILED
        return RuleStatus.TO_CHECK if RuleStatus.TO_CHECK in statuses else RuleStatus.PASSED

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if r.status is RuleStatus.FAILED]

    def summary(self) -> str:
        return {
            RuleStatus.PASSED: "Toutes les conditions sont remplies.",
            RuleStatus.TO_CHECK: "Des conditions restent à vérifier.",
            RuleStatus.FAILED: "Au moins une condition n'est pas remplie.",
        }[self.status]


def check_eligibility(
    person: PersonFacts,
    job_start: date,
    request_date: date,
    scale: ScaleRules,
    previous: Sequence[PreviousCase] = (),
    components: Collection[Component] = (),
) -> Eligibility:
    return Eligibility(
        [
            _rsa_right(person, job_start),
            _orientation(person, job_start, scale),
            _request_delay(job_start, request_date, scale),
            _previous_pack(job_start, previous, scale),
            *([_childcare(person, job_start, scale)] if Component.CHILDCARE in components else []),
        ]
    )


def _rsa_right(p: PersonFacts, start: date) -> RuleResult:
    title = "Droit RSA ouvert au début de l'emploi"
    if p.rsa_open_since is None:
        return RuleResult(
            "rsa_open",
            title,
            RuleStatus.TO_CHECK,
            "La date d'ouverture du droit RSA n'est pas renseignée : vérifiez-la "
            "auprès de la CAF ou de la MSA.",
        )
    if p.rsa_open_since > start:
        return RuleResult(
            "rsa_open",
            title,
            RuleStatus.FAILED,
            f"Le droit RSA a été ouvert le {format_date(p.rsa_open_since)}, après "
            f"le début de l'emploi le {format_date(start)}.",
        )
    if p.rsa_closed_on is not None and p.rsa_closed_on <= start:
        return RuleResult(
            "rsa_open",
            title,
            RuleStatus.FAILED,
            f"Le droit RSA a pris fin le {format_date(p.rsa_closed_on)}, avant le "
            f"début de l'emploi le {format_date(start)}.",
        )
    return RuleResult(
        "rsa_open",
        title,
        RuleStatus.PASSED,
        f"Droit RSA ouvert depuis le {format_date(p.rsa_open_since)}, donc ouvert "
        f"au début de l'emploi le {format_date(start)}.",
    )


def _orientation(p: PersonFacts, start: date, scale: ScaleRules) -> RuleResult:
    title = "Orientation au début de l'emploi"
    code = "orientation"
    if not p.orientation:
        return RuleResult(
            code, title, RuleStatus.TO_CHECK, "L'orientation de la personne n'est pas renseignée."
        )
    label = Orientation(p.orientation).label.lower()
    if p.orientation_date is not None and p.orientation_date > start:
        return RuleResult(
            code,
            title,
            RuleStatus.TO_CHECK,
            f"L'orientation {label} a été décidée le "
            f"{format_date(p.orientation_date)}, après le début de l'emploi : "
            f"vérifiez l'orientation en vigueur le {format_date(start)}.",
        )
    if p.orientation in scale.eligible_orientations:
        return RuleResult(
            code,
            title,
            RuleStatus.PASSED,
            f"Orientation {label} au {format_date(start)} : ouvre droit au Pack sortie.",
        )
    if p.orientation == Orientation.EMPLOYMENT and scale.employment_with_global_support:
        if p.global_support:
            return RuleResult(
                code,
                title,
                RuleStatus.PASSED,
                "Orientation emploi avec accompagnement global : ouvre droit au "
                f"Pack sortie depuis le {format_date(scale.effective_from)}.",
            )
        return RuleResult(
            code,
            title,
            RuleStatus.FAILED,
            "Orientation emploi sans accompagnement global : le Pack sortie n'est "
            "ouvert aux personnes orientées emploi que dans le cadre de "
            "l'accompagnement global.",
        )
    allowed = ", ".join(sorted(Orientation(o).label.lower() for o in scale.eligible_orientations))
    return RuleResult(
        code,
        title,
        RuleStatus.FAILED,
        f"Orientation {label} au {format_date(start)} : le barème en vigueur "
        f"(depuis le {format_date(scale.effective_from)}) réserve le Pack sortie "
        f"à l'orientation {allowed}.",
    )


def _request_delay(start: date, request: date, scale: ScaleRules) -> RuleResult:
    title = "Demande dans le délai"
    months = scale.request_delay_months
    deadline = add_months(start, months)
    if request < start:
        return RuleResult(
            "request_delay",
            title,
            RuleStatus.PASSED,
            f"Demande du {format_date(request)}, avant le début de l'emploi "
            f"({format_date(start)}).",
        )
    if request > deadline:
        return RuleResult(
            "request_delay",
            title,
            RuleStatus.FAILED,
            f"Demande du {format_date(request)}, plus de {months} mois après le "
            f"début de l'emploi ({format_date(start)}) : elle devait être faite "
            f"au plus tard le {format_date(deadline)}.",
        )
    return RuleResult(
        "request_delay",
        title,
        RuleStatus.PASSED,
        f"Demande du {format_date(request)}, dans les {months} mois suivant le "
        f"début de l'emploi ({format_date(start)}).",
    )


def _previous_pack(start: date, previous: Sequence[PreviousCase], scale: ScaleRules) -> RuleResult:
    """No other pack in the last N months, counted from the END of the earlier pack (a
    pack runs six months: counting from its start would allow packs back to back). A pack
    refused by a granted one wins over « à vérifier » for a request still pending."""
    months = scale.min_months_between_packs
    title = f"Pas d'autre Pack sortie dans les {months} mois"
    pending: RuleResult | None = None
    for case in sorted(previous, key=lambda c: c.job_start, reverse=True):
        state = CaseState(case.state)
        if case.job_start > start:
            # A pack granted first for a later job: this one, ending six months from its
            # start, must leave the same delay before it (else two packs in N months).
            latest = add_months(six_month_end(start), months)
            if state in GRANTED_STATES and case.job_start < latest:
                return RuleResult(
                    "previous_pack",
                    title,
                    RuleStatus.FAILED,
                    f"Un Pack sortie a déjà été accordé pour un emploi commençant plus tard "
                    f"(dossier {case.reference}, le {format_date(case.job_start)}). Deux Packs "
                    f"doivent être séparés de {months} mois, comptés à partir de la fin du "
                    "premier : celui-ci ne peut plus être accordé.",
                )
            if state in PENDING_STATES and case.job_start < latest:
                pending = pending or _other_request(case, title)
            continue
        if state in GRANTED_STATES:
            again = add_months(case.pack_end, months)
            if start < again:
                return RuleResult(
                    "previous_pack",
                    title,
                    RuleStatus.FAILED,
                    f"Un Pack sortie a déjà été accordé (dossier {case.reference}, emploi "
                    f"commencé le {format_date(case.job_start)}, {_ends(case)} "
                    f"{format_date(case.pack_end)}). Le délai de {months} mois "
                    f"court à partir de la fin du Pack précédent : un nouveau Pack n'est "
                    f"possible que pour un emploi commençant à partir du {format_date(again)}.",
                )
        if state in PENDING_STATES:
            pending = pending or _other_request(case, title)
    if pending is not None:
        return pending
    return RuleResult(
        "previous_pack",
        title,
        RuleStatus.PASSED,
        f"Aucun Pack sortie terminé dans les {months} mois précédant cet emploi (délai compté "
        "à partir de la fin du Pack précédent).",
    )


def _other_request(case: PreviousCase, title: str) -> RuleResult:
    return RuleResult(
        "previous_pack",
        title,
        RuleStatus.TO_CHECK,
        f"Une autre demande est en cours (dossier {case.reference}) : une seule peut aboutir.",
    )


def _ends(case: PreviousCase) -> str:
    return "Pack terminé le" if case.end_date is not None else "six mois de Pack jusqu'au"


def _childcare(p: PersonFacts, start: date, scale: ScaleRules) -> RuleResult:
    title = "Enfant à faire garder"
    limit = scale.child_max_age
    young = [
        b
        for b in p.children_birth_dates
        if b is not None and b <= start and age_on(b, start) < limit
    ]
    if young:
        return RuleResult(
            "childcare",
            title,
            RuleStatus.PASSED,
            f"{len(young)} enfant(s) de moins de {limit} ans au foyer au début de l'emploi.",
        )
    if any(b is None for b in p.children_birth_dates):
        return RuleResult(
            "childcare",
            title,
            RuleStatus.TO_CHECK,
            "La date de naissance d'un enfant du foyer manque : vérifiez son âge.",
        )
    return RuleResult(
        "childcare",
        title,
        RuleStatus.FAILED,
        f"L'aide à la garde d'enfant suppose un enfant de moins de {limit} ans au "
        "foyer au début de l'emploi ; aucun n'est enregistré.",
    )
