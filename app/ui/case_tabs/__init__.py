"""The tabs of the case screen, one widget each: job, conditions, aids, instalments,
meetings, decisions, documents and history.

Each tab shows one :class:`app.services.case_view.CaseDetail` through ``show(detail)`` and
says what the user did in it through signals; the case screen (:mod:`app.ui.case_view`)
holds them, runs the actions and ties them to the timeline. No tab knows the case screen.
"""

from __future__ import annotations

from typing import Protocol

from app.services.case_view import CaseDetail


class CaseTab(Protocol):
    def show_case(self, d: CaseDetail) -> None:
        """Show the case just (re)loaded."""
