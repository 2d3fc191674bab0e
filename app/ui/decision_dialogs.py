"""One dialog per case transition: each shows what the decision implies, asks for what the
service needs (date, motivation, reason…), calls the service and stays open with the French
message when the service refuses. Each ``confirm_*`` / ``ask_*`` function returns True once
the transition is recorded.

The dialogs live by family: the frame they share in :mod:`app.ui.decision_frame`, the
submission and the grant in :mod:`app.ui.grant_dialogs`, the motivated decisions (refusal,
observations, early end) in :mod:`app.ui.motivated_decisions`, the follow-up's course
(start, suspension, resumption, completion) in :mod:`app.ui.follow_up_dialogs`. They are run
through :func:`app.ui.case_widgets.exec_dialog`, the seam tests replace.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from PySide6.QtWidgets import QWidget

from app.services.actor import Actor
from app.services.case_view import CaseDetail, load_case
from app.services.storage import Database
from app.ui import case_widgets, status
from app.ui.decision_frame import DecisionDialog
from app.ui.follow_up_dialogs import CompletionDialog, ResumeDialog, StartDialog, SuspensionDialog
from app.ui.grant_dialogs import GrantDialog, SubmitDialog
from app.ui.motivated_decisions import EarlyEndDialog, ObservationsDialog, RefusalDialog
from app.ui.motivation_edit import MotivationEdit


class AskDecision(Protocol):
    """Open a transition's dialog on a case (its detail read when not given); True once the
    decision is recorded."""

    def __call__(
        self,
        parent: QWidget | None,
        db: Database,
        actor: Actor,
        case_id: uuid.UUID,
        *,
        detail: CaseDetail | None = None,
    ) -> bool: ...


def run_decision(
    cls: type[DecisionDialog],
    parent: QWidget | None,
    db: Database,
    actor: Actor,
    case_id: uuid.UUID,
    detail: CaseDetail | None = None,
) -> bool:
    if detail is None:
        ok, detail = status.attempt_db(
            parent, lambda: load_case(db, case_id, actor, log_access=False)
        )
        if not ok or detail is None:
            return False
    dialog = cls(parent, db, actor, case_id, detail, title=cls.title, intro=cls.intro_for(detail))
    try:
        return case_widgets.exec_dialog(dialog)
    finally:
        dialog.deleteLater()


def _asking(cls: type[DecisionDialog]) -> AskDecision:
    def ask(
        parent: QWidget | None,
        db: Database,
        actor: Actor,
        case_id: uuid.UUID,
        *,
        detail: CaseDetail | None = None,
    ) -> bool:
        return run_decision(cls, parent, db, actor, case_id, detail)

    ask.__doc__ = f"« {cls.title} » on a case; True once the decision is recorded."
    return ask


# --- the functions the case view calls ----------------------------------------------------------
confirm_submit = _asking(SubmitDialog)
confirm_grant = _asking(GrantDialog)
ask_refusal = _asking(RefusalDialog)
ask_observations_notice = _asking(ObservationsDialog)
ask_early_end = _asking(EarlyEndDialog)
confirm_start = _asking(StartDialog)
ask_suspension = _asking(SuspensionDialog)
confirm_resume = _asking(ResumeDialog)
ask_completion = _asking(CompletionDialog)

__all__ = [
    "AskDecision",
    "CompletionDialog",
    "DecisionDialog",
    "EarlyEndDialog",
    "GrantDialog",
    "MotivationEdit",
    "ObservationsDialog",
    "RefusalDialog",
    "ResumeDialog",
    "StartDialog",
    "SubmitDialog",
    "SuspensionDialog",
    "ask_completion",
    "ask_early_end",
    "ask_observations_notice",
    "ask_refusal",
    "ask_suspension",
    "confirm_grant",
    "confirm_resume",
    "confirm_start",
    "confirm_submit",
    "run_decision",
]
