"""The case screen's words: the audit trail's changes in French (codes to labels, ISO dates to
dd/mm/yyyy, ids left out), the state notice under the header, and the short texts of a case
(birth and age, household, exit reason, obstacles). Plain text, no widget.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from app.models.enums import CaseState, Component, ContractType, MeetingKind, MeetingMode
from app.services import clock
from app.services.case_view import CaseDetail, FieldChange
from app.services.edit_conflicts import CASE_FIELDS, MEETING_FIELDS
from app.services.meetings import Obstacle
from app.services.text import format_cents, format_date
from app.services.workflow import ExitReason, describe_notice

FIELD_LABELS = {
    "reference": "Référence",
    "state": "État",
    **CASE_FIELDS,
    "submitted_on": "Soumis le",
    "decided_on": "Décidé le",
    "end_date": "Date de fin",
    "exit_reason": "Motif de sortie",
    "employed_at_exit": "En emploi à la sortie",
    "suspended_since": "Suspendu depuis",
    "observations_deadline": "Délai d'observations",
    "observations_sent_on": "Invitation envoyée le",
    "observations_invited_on": "Invitation décidée le",
    **MEETING_FIELDS,
}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_AID = re.compile(r"(\w+):(\d+)x(\d+)")
_CHANGE_SPLIT = re.compile(r"; (?=[a-z_]+ : )")


# --- the history's changes -------------------------------------------------------------------
def _value_text(key: str, value: str) -> str:
    """One value of the audit trail in French (codes to labels, ISO dates to dd/mm/yyyy)."""
    value = value.strip()
    if value in ("None", "", "—"):
        return "—"
    if value in ("True", "False"):
        return "oui" if value == "True" else "non"
    enums: dict[str, Callable[[str], str]] = {
        "state": lambda v: CaseState(v).label,
        "contract_type": lambda v: ContractType(v).label,
        "mode": lambda v: MeetingMode(v).label,
        "kind": lambda v: MeetingKind(v).label,
        "exit_reason": lambda v: ExitReason(v).label if v != "completed" else "Fin du dispositif",
        "obstacles": lambda v: ", ".join(Obstacle(x).label for x in v.split(",") if x),
    }
    if key in enums:
        try:
            return enums[key](value)
        except ValueError:
            return value
    if key == "aids":
        parts = [
            f"{Component(c).label} {format_cents(int(m))} × {n}"
            for c, m, n in _AID.findall(value)
            if c in {x.value for x in Component}
        ]
        return ", ".join(parts) or value
    return _ISO_DATE.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", value)


def french_changes(changes: str) -> str:
    """'state : draft → submitted' -> 'État : Brouillon → Soumis' (ids left out)."""
    parsed: list[FieldChange | str] = []
    for part in _CHANGE_SPLIT.split(changes):
        key, sep, rest = part.partition(" : ")
        if not sep:
            parsed.append(part)
            continue
        old, arrow, new = rest.partition(" → ")
        parsed.append(FieldChange(key, old, new) if arrow else FieldChange(key, None, rest))
    return describe_changes(parsed)


def _stored_text(value: object) -> str:
    """A structured value of the audit trail in the text form :func:`_value_text` reads."""
    if value is None:
        return "—"
    return str(value)


def describe_changes(changes: Sequence[FieldChange | str]) -> str:
    """The structured changes of a history entry in French (ids left out)."""
    out = []
    for change in changes:
        if isinstance(change, str):
            out.append(change)
            continue
        key = change.key
        if key == "id" or key.endswith("_id"):
            continue
        label = FIELD_LABELS.get(key, key)
        before = _value_text(key, _stored_text(change.before))
        after = _value_text(key, _stored_text(change.after))
        out.append(f"{label} : {after}" if before == "—" else f"{label} : {before} → {after}")
    return " ; ".join(out)


# --- the state notice --------------------------------------------------------------------------
def state_notice(d: CaseDetail) -> tuple[str, bool]:
    """The sentence under the header saying where the case stands, and whether it is a
    warning (suspended, refused, ended early, an early end considered)."""
    last = d.decisions[-1] if d.decisions else None
    decided = f" le {format_date(last.decided_on)} (décision {last.number})" if last else ""
    texts = {
        CaseState.DRAFT: "Brouillon : complétez la demande puis soumettez-la à validation.",
        CaseState.SUBMITTED: "Demande soumise : en attente de la décision d'un valideur. "
        + d.eligibility.summary(),
        CaseState.GRANTED: f"Pack accordé{decided} ; le suivi commence avec l'emploi, le "
        f"{format_date(d.job_start)}.",
        CaseState.IN_PROGRESS: f"Suivi en cours jusqu'au {format_date(d.six_month_end)}.",
        CaseState.SUSPENDED: "Suivi suspendu : les échéances prévues sont en attente "
        "jusqu'à la reprise.",
        CaseState.REFUSED: f"Pack refusé{decided}.",
    }
    if d.state is CaseState.COMPLETED:
        situations = {True: "toujours en emploi", False: "n'est plus en emploi"}
        situation = (
            situations[d.employed_at_exit]
            if d.employed_at_exit is not None
            else "situation à la sortie non renseignée"
        )
        text = f"Dispositif terminé le {format_date(d.end_date)} : {situation}."
    elif d.state is CaseState.ENDED_EARLY:
        text = f"Arrêté avant terme le {format_date(d.end_date)} : {exit_text(d)}."
    else:
        text = texts.get(d.state, "")
    open_states = (CaseState.GRANTED, CaseState.IN_PROGRESS, CaseState.SUSPENDED)
    if d.observations_invited_on and d.state in open_states:
        return f"{text} Fin anticipée envisagée : {describe_notice(d)}.", True
    return text, d.state in (CaseState.SUSPENDED, CaseState.REFUSED, CaseState.ENDED_EARLY)


# --- short texts of a case ---------------------------------------------------------------------
def obstacles_text(codes: tuple[str, ...]) -> str:
    """The obstacles of a meeting as their labels ("—" when none)."""
    labels = []
    for code in codes:
        try:
            labels.append(Obstacle(code).label)
        except ValueError:
            labels.append(code)
    return ", ".join(labels) or "—"


def exit_text(d: CaseDetail) -> str:
    """Why the case ended, in lower case ("fin du dispositif", "perte de l'emploi"…)."""
    if d.exit_reason == "completed":
        return "fin du dispositif"
    try:
        return ExitReason(d.exit_reason).label.lower() if d.exit_reason else "motif non renseigné"
    except ValueError:
        return d.exit_reason


def birth_text(birth: date | None, today: date | None) -> str:
    """'12/04/1985 (33 ans)'."""
    if birth is None:
        return "—"
    today = today or clock.today()
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"{format_date(birth)} ({age} ans)"


def household_text(d: CaseDetail) -> str:
    """The household's members with their relation and birth date ("" for a person alone)."""
    parts = []
    for member in d.household:
        relation = member.relation.lower()
        born = f", né(e) le {format_date(member.birth_date)}" if member.birth_date else ""
        parts.append(f"{member.name} ({relation}{born})")
    return " ; ".join(parts)
