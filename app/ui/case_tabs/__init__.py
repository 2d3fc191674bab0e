"""The tabs of the case screen, one widget each: job, conditions, aids, instalments,
meetings, decisions, documents and history.

Each tab shows one :class:`app.services.case_view.CaseDetail` through ``show_case(detail)`` and
says what the user did in it through signals; the case screen (:mod:`app.ui.case_view`)
holds them, runs the actions and ties them to the timeline. No tab knows the case screen.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QTableView

from app.services.case_view import CaseDetail
from app.ui.case_widgets import select_row


class CaseTab(Protocol):
    def show_case(self, d: CaseDetail) -> None:
        """Show the case just (re)loaded."""


class QuietSelection:
    """Selects a row of a tab's table for the timeline, without the selection being said
    back to it: the tab's selection slot skips while :attr:`quiet`."""

    def __init__(self, table: QTableView) -> None:
        self._table = table
        self.quiet = False

    def select(self, row: int) -> None:
        self.quiet = True
        try:
            select_row(self._table, row)
        finally:
            self.quiet = False
