"""What the « Tableau de bord » and the annual report say of an evaluation, in French.

One place turns :class:`~app.services.evaluation.Evaluation` into the lines both show
(label, value, comment and the figure whose cases a click lists), the tables (aid per
component, offices without request) and the four charts of :mod:`app.services.charts`, so
the screen and the PDF never disagree. The saving is always labelled « estimation ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.graphics.shapes import Drawing

from app.services import charts
from app.services.evaluation import ESTIMATION, Evaluation, Figure, ScopeKind
from app.services.text import format_cents, format_date

PERCENT = "\u202f%"


@dataclass(frozen=True)
class FigureLine:
    """One figure: « Personnes aidées » · « 27 » · « sur un objectif de 150 (18 %) »."""

    key: str  # stable name, for tests and the report's layout
    label: str
    value: str
    comment: str = ""
    figure: Figure | None = None  # the cases behind it (None: nothing to list)
    detail: str | None = None
    explanation: str = ""  # more about the comment: a tooltip on screen, in full in the PDF

    @property
    def full_comment(self) -> str:
        return " — ".join(t for t in (self.comment, self.explanation) if t)


def percent(permille: int | None) -> str:
    """180 -> '18 %' (narrow no-break space); 185 -> '18,5 %'; None -> '—'."""
    if permille is None:
        return "—"
    if permille % 10 == 0:
        return f"{permille // 10}{PERCENT}"
    return f"{permille / 10:.1f}".replace(".", ",") + PERCENT


def count(value: int) -> str:
    return charts.format_count(value)


def days(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{count(value)} jour" + ("s" if value > 1 else "")


def period_end(ev: Evaluation) -> date:
    """The day the figures stop at: the period's end, or today for a period not over."""
    return min(ev.period.end, ev.as_of)


def headline(ev: Evaluation) -> list[FigureLine]:
    """The figures, in the order the dashboard and the report list them."""
    people, funnel, delays = ev.people_helped, ev.funnel, ev.delays
    envelope, saving = ev.envelope, ev.saving
    target = (
        f"sur un objectif de {count(people.target)} ({percent(people.target_permille)})"
        if people.target
        else "aucun objectif fixé"
    )
    waiting = (
        f"la plus ancienne depuis le {format_date(delays.oldest_waiting_since)}"
        if delays.oldest_waiting_since
        else ""
    )
    average = envelope.average_per_person_cents
    return [
        FigureLine(
            "people_helped", "Personnes aidées", count(people.count), target, Figure.PEOPLE_HELPED
        ),
        FigureLine(
            "requests",
            "Demandes",
            count(funnel.requests),
            "déposées sur la période",
            Figure.REQUESTS,
        ),
        FigureLine("granted", "Accords", count(funnel.granted), "", Figure.GRANTED),
        FigureLine("refused", "Refus", count(funnel.refused), "", Figure.REFUSED),
        FigureLine(
            "completed",
            "Sorties au terme des six mois",
            count(funnel.completed),
            "",
            Figure.COMPLETED,
        ),
        FigureLine(
            "ended_early", "Sorties anticipées", count(funnel.ended_early), "", Figure.ENDED_EARLY
        ),
        FigureLine(
            "employed_at_exit",
            "En emploi à la sortie",
            count(funnel.employed_at_exit),
            f"sur {count(funnel.exits)} sortie"
            + ("s" if funnel.exits > 1 else "")
            + f" ({percent(funnel.employed_at_exit_permille)})",
            Figure.EMPLOYED_AT_EXIT,
        ),
        FigureLine(
            "still_in_scheme",
            "Encore dans le dispositif",
            count(funnel.still_in_scheme),
            f"au {format_date(period_end(ev))}",
            Figure.STILL_IN_SCHEME,
        ),
        FigureLine(
            "delay",
            "Délai de décision (médiane)",
            days(delays.median_days),
            f"90{PERCENT} en {days(delays.p90_days)} au plus",
            Figure.DECIDED,
            explanation=f"sur {count(delays.decided)} demande"
            + ("s" if delays.decided > 1 else "")
            + " décidée"
            + ("s" if delays.decided > 1 else "")
            + " sur la période, du dépôt à la décision",
        ),
        FigureLine(
            "waiting", "En attente de décision", count(delays.waiting), waiting, Figure.WAITING
        ),
        FigureLine(
            "aid",
            "Aides accordées",
            format_cents(envelope.aid_cents),
            f"en moyenne {format_cents(average)} par personne" if average is not None else "",
            Figure.AID,
        ),
        FigureLine(
            "saving",
            f"Économie estimée ({ESTIMATION})",
            format_cents(saving.net_cents),
            f"{ESTIMATION} : RSA évité moins les aides",
            Figure.SAVING,
            explanation=f"{str(saving.months_in_work).replace('.', ',')} mois en emploi × RSA "
            f"moyen = {format_cents(saving.rsa_avoided_cents)}, moins "
            f"{format_cents(saving.aid_cents)} d'aides de ces mois",
        ),
    ]


def envelope_lines(ev: Evaluation) -> list[tuple[str, str]]:
    """Voted, committed, paid, remaining of the years of the period."""
    envelope = ev.envelope
    years = ", ".join(str(y.year) for y in envelope.years)
    voted = (
        format_cents(envelope.voted_cents)
        if any(y.voted_cents is not None for y in envelope.years)
        else "aucune enveloppe votée"
    )
    lines = [
        (f"Enveloppe votée ({years})", voted),
        ("Engagé", format_cents(envelope.committed_cents)),
        ("Versé", format_cents(envelope.paid_cents)),
        ("Reste disponible", format_cents(envelope.remaining_cents)),
    ]
    if ev.scope.kind is not ScopeKind.DEPARTEMENT:  # what this office's cases take of it
        lines.append(
            (
                f"Dont dossiers du périmètre ({ev.scope_label})",
                f"{format_cents(envelope.scope_committed_cents)} engagés, "
                f"{format_cents(envelope.scope_paid_cents)} versés",
            )
        )
    return lines


def component_rows(ev: Evaluation) -> list[tuple[str, str, str, str, str]]:
    """(component, people, total, average per person, its code) of the aid granted."""
    return [
        (
            c.label,
            count(c.people),
            format_cents(c.total_cents),
            format_cents(c.average_cents) if c.average_cents is not None else "—",
            c.component,
        )
        for c in ev.envelope.by_component
    ]


def use_lines(ev: Evaluation) -> list[tuple[str, str]]:
    use = ev.use
    return [
        (
            "Référents ayant fait au moins une demande",
            f"{count(use.referents_active)} sur {count(use.referents_total)} "
            f"({percent(use.referents_permille)})",
        ),
        (
            "Bureaux ayant fait au moins une demande",
            f"{count(use.offices_active)} sur {count(use.offices_total)} "
            f"({percent(use.offices_permille)})",
        ),
    ]


def offices_without_request(ev: Evaluation) -> list[str]:
    return [
        f"{o.name} ({o.institution})" if o.institution and o.institution not in o.name else o.name
        for o in ev.use.offices_without_request
    ]


def month_labels(ev: Evaluation) -> list[str]:
    months = [m.month for m in ev.people_helped.by_month]
    several_years = len({m.year for m in months}) > 1
    return [charts.short_month(m, with_year=several_years) for m in months]


def exit_reasons(ev: Evaluation) -> list[tuple[str, int]]:
    """Every exit of the period by reason: the six months done, then each early end."""
    found = [("Au terme des six mois", ev.funnel.completed)]
    found += [(e.label, e.count) for e in ev.funnel.ended_early_by_reason if e.count]
    return [(label, n) for label, n in found if n]


def drawings(ev: Evaluation) -> dict[str, Drawing]:
    """The four charts: monthly, funnel, envelope, exits."""
    people, funnel = ev.people_helped, ev.funnel
    months = people.by_month
    per_month = people.target / len(months) if people.target and months else None
    envelope = ev.envelope
    years = ", ".join(str(y.year) for y in envelope.years)
    voted = any(y.voted_cents is not None for y in envelope.years)
    return {
        "monthly": charts.monthly_chart(month_labels(ev), [m.count for m in months], per_month),
        "funnel": charts.funnel_chart(
            [
                ("Demandes", funnel.requests),
                ("Accords", funnel.granted),
                ("Refus", funnel.refused),
                ("Sorties au terme", funnel.completed),
                ("Sorties anticipées", funnel.ended_early),
            ]
        ),
        "envelope": charts.envelope_gauge(
            envelope.voted_cents if voted else 0,
            envelope.committed_cents,
            envelope.paid_cents,
            title=f"Enveloppe {years}",
        ),
        "exits": charts.exits_chart(exit_reasons(ev)),
    }
