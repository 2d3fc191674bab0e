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
from functools import partial
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
    *,
    detail: CaseDetail | None = None,
) -> bool:
    """Open ``cls`` on the case (its detail read when not given); True once recorded."""
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


# --- the functions the case view calls ----------------------------------------------------------
confirm_submit: AskDecision = partial(run_decision, SubmitDialog)
confirm_grant: AskDecision = partial(run_decision, GrantDialog)
ask_refusal: AskDecision = partial(run_decision, RefusalDialog)
ask_observations_notice: AskDecision = partial(run_decision, ObservationsDialog)
ask_early_end: AskDecision = partial(run_decision, EarlyEndDialog)
confirm_start: AskDecision = partial(run_decision, StartDialog)
ask_suspension: AskDecision = partial(run_decision, SuspensionDialog)
confirm_resume: AskDecision = partial(run_decision, ResumeDialog)
ask_completion: AskDecision = partial(run_decision, CompletionDialog)

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
