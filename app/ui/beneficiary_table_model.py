"""The beneficiary list as a thin Qt model: filtered and sorted in SQL, fetched by pages.

Only the rows already fetched are held in memory; ``data()`` never queries. A new filter or
sort costs at most one page query plus one COUNT (no COUNT when the first page is short).
Queries run off the GUI thread (:func:`app.ui.db_wait.run_db`): on a locked share the
window repaints and the wait can be cancelled. A query overtaken by a newer one (a new
filter while a page was loading) is dropped. Database errors never escape from Qt's
virtual methods: they are reported through ``loadFailed`` and the failed step can be
replayed with :meth:`retry`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QWidget

from app.services import beneficiary_search as svc
from app.services.beneficiary_search import BeneficiaryFilter, BeneficiaryRow
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.text import format_date
from app.services.visibility import ReadScope
from app.ui import db_wait

log = logging.getLogger(__name__)

PAGE_SIZE = 200

(
    COL_NAME,
    COL_BIRTH_DATE,
    COL_ALLOCATAIRE,
    COL_COMMUNE,
    COL_ORIENTATION,
    COL_REFERENT,
    COL_OFFICE,
    COL_CASE_STATE,
) = range(8)

HEADERS = (
    "Nom et prénom",
    "Date de naissance",
    "N° allocataire",
    "Commune",
    "Orientation",
    "Référent",
    "Bureau",
    "Dossier",
)
# Column -> sort key of app.services.beneficiary_search.list_beneficiaries (same order).
SORT_KEYS = svc.SORT_KEYS
assert len(SORT_KEYS) == len(HEADERS)

_CELLS: tuple[Callable[[BeneficiaryRow], str], ...] = (
    lambda r: r.name,
    lambda r: format_date(r.birth_date),
    lambda r: r.allocataire,
    lambda r: r.commune,
    lambda r: r.orientation,
    lambda r: r.referent,
    lambda r: r.office,
    lambda r: r.case_state,
)

ID_ROLE = Qt.ItemDataRole.UserRole

Index = QModelIndex | QPersistentModelIndex


class BeneficiaryTableModel(QAbstractTableModel):
    """Rows of :func:`app.services.beneficiary_search.list_beneficiaries`, loaded lazily.

    Nothing is queried on construction: call :meth:`reload` once the model is in place.
    """

    countChanged = Signal(int)  # the full count for the current filter, after every (re)load
    loadFailed = Signal(object)  # a UserFacingError; call retry() to replay the failed step

    def __init__(
        self,
        db: Database,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
        scope: ReadScope | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._page_size = page_size
        self._filter = BeneficiaryFilter(scope=scope)
        self._sort_column = COL_NAME
        self._order = Qt.SortOrder.AscendingOrder
        self._rows: list[BeneficiaryRow] = []
        self._total = 0
        self._failed: Callable[[], None] | None = None
        self._generation = 0  # bumped by every (re)load: an older query's rows are dropped
        self._fetching = False

    # --- state -----------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many beneficiaries match the filter (not only those fetched)."""
        return self._total

    @property
    def current_filter(self) -> BeneficiaryFilter:
        return self._filter

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._order

    def row_id(self, row: int) -> uuid.UUID:
        return self._rows[row].id

    def row_of(self, beneficiary_id: uuid.UUID) -> int:
        """The row of a fetched beneficiary, or -1."""
        return next((n for n, r in enumerate(self._rows) if r.id == beneficiary_id), -1)

    # --- queries ---------------------------------------------------------------------------

    def set_filter(self, flt: BeneficiaryFilter) -> None:
        if flt == self._filter and self._failed is None:
            return
        self._filter = flt
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS):
            return
        if (column, order) == (self._sort_column, self._order) and self._failed is None:
            return
        self._sort_column, self._order = column, order
        self.reload()

    def reload(self, *, keep_loaded: bool = False) -> bool:
        """Query the first page (and the count) again; False if it failed (reported).

        ``keep_loaded`` re-reads as many rows as are fetched now, in one query, so that a
        refresh after a save keeps the user's place in a long list."""
        limit = max(self._page_size, len(self._rows)) if keep_loaded else self._page_size
        return self._run(lambda: self._load_first_rows(limit))

    def retry(self) -> bool:
        """Replay the step that failed (reload or next page)."""
        step, self._failed = self._failed, None
        return self._run(step) if step is not None else True

    def _run(self, step: Callable[[], None]) -> bool:
        try:
            step()
        except UserFacingError as exc:
            log.warning("Beneficiary list not loaded: %s %s", exc, exc.detail)
            self._failed = step
            self.loadFailed.emit(exc)
            return False
        self._failed = None
        return True

    def _query[T](self, work: Callable[[], T]) -> T:
        owner = self.parent()
        return db_wait.run_db(owner if isinstance(owner, QWidget) else None, work)

    def _pager(self) -> Callable[[int, int], list[BeneficiaryRow]]:
        """Pages of the current filter and sort, as they are now (read off the GUI thread)."""
        db, flt, sort = self._db, self._filter, SORT_KEYS[self._sort_column]
        descending = self._order == Qt.SortOrder.DescendingOrder

        def page(offset: int, limit: int) -> list[BeneficiaryRow]:
            return svc.list_beneficiaries(
                db, flt, sort=sort, descending=descending, offset=offset, limit=limit
            )

        return page

    def _load_first_rows(self, limit: int) -> None:
        self._generation += 1
        generation, page, db, flt = self._generation, self._pager(), self._db, self._filter

        def fetch() -> tuple[list[BeneficiaryRow], int]:
            rows = page(0, limit)
            # A short result is the whole result: no COUNT needed.
            return rows, len(rows) if len(rows) < limit else svc.count_beneficiaries(db, flt)

        rows, total = self._query(fetch)
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # a newer filter was asked for meanwhile: its rows are shown
        self.beginResetModel()
        self._rows, self._total = rows, max(total, len(rows))
        self.endResetModel()
        self.countChanged.emit(self._total)

    def _fetch_page(self) -> None:
        first, generation, page = len(self._rows), self._generation, self._pager()
        self._fetching = True
        try:
            rows = self._query(lambda: page(first, self._page_size))
        finally:
            if shiboken6.isValid(self):
                self._fetching = False
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the list was reloaded meanwhile
        if rows:
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if len(rows) < self._page_size and self._total != len(self._rows):
            # Rows were deleted or anonymised elsewhere since the count: stop here.
            self._total = len(self._rows)
            self.countChanged.emit(self._total)

    # --- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt default
        return 0 if parent.isValid() else len(HEADERS)

    def canFetchMore(self, parent: Index) -> bool:
        return (
            not parent.isValid()
            and self._failed is None
            and not self._fetching
            and len(self._rows) < self._total
        )

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._run(self._fetch_page)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _CELLS[index.column()](row)
        if role == ID_ROLE:
            return row.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flag = Qt.ItemFlag
        return flag.ItemIsEnabled | flag.ItemIsSelectable | flag.ItemNeverHasChildren
