"""The evaluation of the Pack (issue #13): the figures the département reports, from SQL.

:func:`evaluate` computes every figure for a :class:`Period` (a year, or any dates, both
ends included) and a :class:`Scope` (the whole département, one institution, one office or
one référent); :func:`cases_for` lists the cases behind one :class:`Figure`, so that a
click on a figure opens them. Both count only what the actor may read
(:mod:`app.services.visibility`): a référent counts the files of their institution, those
they follow and those no office has taken yet; their « offices with no request » and
référent totals stay within their institution. The envelope ledger is département-wide
whatever the scope or the actor (one envelope, voted in public); what the scope's cases
take of it is beside it.

Where a case belongs and when it counts:
- its office and référent are the case's own (``pack_case.office_id``/``referent_id``: who
  made the request), not the beneficiary's current ones;
- a request is a case submitted in the period (``submitted_on``);
- granted, refused, completed, ended early: a decision of that kind dated in the period
  (table ``decision``; a case's ``decided_on`` moves with each decision);
- people helped: distinct beneficiaries with a grant decision dated in the period;
- still in the scheme: granted on or before the period's end and not ended by then;
- waiting: submitted by the period's end, neither granted nor refused by then.

The results are the frozen dataclasses of :mod:`app.services.evaluation_types`, re-exported
here; the queries are in :mod:`app.services.evaluation_queries`.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from app.services import clock
from app.services.actor import Actor
from app.services.envelope import envelope_ledgers
from app.services.errors import UserFacingError
from app.services.evaluation_cases import cases_for
from app.services.evaluation_queries import (
    component_aid,
    counts,
    delays,
    find_office,
    funnel,
    people_by_month,
    professional_use,
    saving,
    scope_ledger,
)
from app.services.evaluation_sql import case_filter
from app.services.evaluation_types import (
    ESTIMATION,
    FIGURE_LABELS,
    CaseRow,
    ComponentAid,
    DecisionDelays,
    EnvelopeFigures,
    EnvelopeYear,
    Evaluation,
    ExitCount,
    Figure,
    Funnel,
    MonthCount,
    OfficeRef,
    PeopleHelped,
    Period,
    ProfessionalUse,
    RsaRate,
    SavingEstimate,
    Scope,
    ScopeKind,
)
from app.services.settings import OfficeSettings, load_settings, rsa_rates
from app.services.storage import Database
from app.services.visibility import scope_of

__all__ = [
    "ESTIMATION",
    "FIGURE_LABELS",
    "CaseRow",
    "ComponentAid",
    "DecisionDelays",
    "EnvelopeFigures",
    "EnvelopeYear",
    "Evaluation",
    "ExitCount",
    "Figure",
    "Funnel",
    "MonthCount",
    "OfficeRef",
    "PeopleHelped",
    "Period",
    "ProfessionalUse",
    "RsaRate",
    "SavingEstimate",
    "Scope",
    "ScopeKind",
    "cases_for",
    "evaluate",
    "find_office",
    "prorated_target",
    "scope_label",
]


def evaluate(
    db: Database,
    actor: Actor,
    period: Period,
    scope: Scope | None = None,
    *,
    settings: OfficeSettings | None = None,
) -> Evaluation:
    """Every figure of ``period`` for ``scope`` (default: the whole département), as the
    actor may see them, as of today (:func:`app.services.clock.today`)."""
    scope = scope or Scope()
    label = scope_label(db, scope)  # refuses an unknown office, institution or référent
    settings = settings or load_settings(db)
    as_of = clock.today()
    flt = case_filter(db, actor, scope, period)
    found = counts(db, flt)
    target, note = prorated_target(settings.yearly_target, period)
    components = component_aid(db, flt)
    ledgers = envelope_ledgers(db, period.years)
    committed, paid = scope_ledger(db, flt, period.years)
    read = scope_of(actor)
    return Evaluation(
        period=period,
        scope=scope,
        scope_label=label,
        as_of=as_of,
        people_helped=PeopleHelped(
            count=found[Figure.PEOPLE_HELPED],
            target=target,
            yearly_target=settings.yearly_target,
            target_note=note,
            by_month=people_by_month(db, flt, period),
        ),
        funnel=funnel(db, flt, found),
        envelope=EnvelopeFigures(
            years=tuple(
                EnvelopeYear(
                    year=e.year,
                    voted_cents=e.amount_cents,
                    committed_cents=e.committed_cents,
                    mandated_cents=e.mandated_cents,
                    paid_cents=e.paid_cents,
                    remaining_cents=e.remaining_cents,
                )
                for e in ledgers
            ),
            scope_committed_cents=committed,
            scope_paid_cents=paid,
            aid_cents=sum(c.total_cents for c in components),
            people=found[Figure.PEOPLE_HELPED],
            by_component=components,
        ),
        delays=delays(db, flt, found[Figure.WAITING]),
        use=professional_use(db, flt, scope, read.institution_id if read else None),
        saving=saving(db, flt, period, as_of, tuple(RsaRate(d, c) for d, c in rsa_rates(settings))),
    )


def prorated_target(yearly: int, period: Period) -> tuple[int, str]:
    """The yearly target prorated to the period's days, year by year, and its French note."""
    exact = Fraction(0)
    for year in period.years:
        first, last = max(period.start, date(year, 1, 1)), min(period.end, date(year, 12, 31))
        in_year = (date(year, 12, 31) - date(year, 1, 1)).days + 1
        exact += Fraction(yearly * ((last - first).days + 1), in_year)
    target = int(exact + Fraction(1, 2))
    if period.is_year:
        return target, f"Objectif : {yearly} personnes par an."
    return target, (
        f"Objectif : {yearly} personnes par an, ramené à {target} pour la période "
        f"({period.days} jours, au prorata des jours de chaque année)."
    )


def scope_label(db: Database, scope: Scope) -> str:
    """« Ensemble du département », « Bureau : MDS d'Évry »…; refuses an unknown id."""
    if scope.kind is ScopeKind.DEPARTEMENT:
        return "Ensemble du département"
    assert scope.id is not None
    query, what = {
        ScopeKind.INSTITUTION: ("SELECT name FROM institution WHERE id = :id", "Institution"),
        ScopeKind.OFFICE: ("SELECT name FROM office WHERE id = :id", "Bureau"),
        ScopeKind.REFERENT: (
            "SELECT first_name || ' ' || last_name FROM app_user WHERE id = :id",
            "Référent",
        ),
    }[scope.kind]
    found = db.rows(query, {"id": scope.id.hex if db.dialect == "sqlite" else scope.id})
    if not found:
        raise UserFacingError(f"{what} introuvable dans cette base ({scope.id}).")
    return f"{what} : {str(found[0][0]).strip()}"
