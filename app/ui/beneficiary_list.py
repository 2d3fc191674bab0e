"""The list screen: search box, filters and the beneficiary table.

Typing searches as you type (after a short pause); every change of the search or a filter
is one SQL query for the first page (plus a COUNT when there are more rows than a page).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import CaseState, Orientation
from app.services import beneficiary_search as svc
from app.services.beneficiary_search import NO_CASE, BeneficiaryFilter
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.visibility import ReadScope
from app.ui import status
from app.ui.beneficiary_table_model import (
    COL_ALLOCATAIRE,
    COL_BIRTH_DATE,
    COL_CASE_STATE,
    COL_COMMUNE,
    COL_NAME,
    COL_OFFICE,
    COL_ORIENTATION,
    COL_REFERENT,
    BeneficiaryTableModel,
)
from app.ui.table_hint import TableHint
from app.ui.widgets import ActivatableTable, setup_row_table

SEARCH_DELAY_MS = 150
ALL = "Tous"
NO_MATCH_HINT = "Aucun bénéficiaire ne correspond à la recherche."
EMPTY_DATABASE_HINT = (
    "Aucun bénéficiaire pour l'instant.\n"
    "Créez-en un (Ctrl+N) ou importez une liste (Fichier › Importer des bénéficiaires…)."
)
# Typical content of each column, to size it (the name column takes the remaining width).
_COLUMN_SAMPLES = {
    COL_BIRTH_DATE: "Date de naissance",
    COL_ALLOCATAIRE: "MSA 1234567890",
    COL_COMMUNE: "Évry-Courcouronnes",
    COL_ORIENTATION: "Socio-professionnelle",
    COL_REFERENT: "Sébastien Marchand",
    COL_OFFICE: "MDS Évry-Courcouronnes",
    COL_CASE_STATE: "Arrêté avant terme",
}
NAME_MIN_WIDTH = 220  # below this, the table scrolls sideways rather than cut names


def _id_of(combo: QComboBox) -> uuid.UUID | None:
    data = combo.currentData()
    return uuid.UUID(data) if data else None


class _Table(ActivatableTable):
    """The table; Enter on a row asks to open it (like a double-click), a shortened cell
    shows its full text on hover, and the name column takes the width left."""

    def fit_name_column(self) -> None:
        header = self.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(header.count()) if c != COL_NAME)
        header.resizeSection(COL_NAME, max(NAME_MIN_WIDTH, self.viewport().width() - others))


class BeneficiaryList(QWidget):
    """Search, filter and pick a beneficiary. ``openRequested`` carries its id."""

    openRequested = Signal(object)  # uuid.UUID
    selectionChanged = Signal(object)  # uuid.UUID | None
    countChanged = Signal(int)

    def __init__(
        self, db: Database, parent: QWidget | None = None, *, scope: ReadScope | None = None
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._scope = scope  # the files this user may read (app.services.visibility)
        self.model = BeneficiaryTableModel(db, self, scope=scope)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Rechercher un nom, un n° allocataire, une commune…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Rechercher")
        find_icon = QIcon.fromTheme(QIcon.ThemeIcon.EditFind)
        if not find_icon.isNull():
            self.search.addAction(find_icon, QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search_now)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._focus_table)

        self.orientation_combo = self._combo("Orientation")
        self.institution_combo = self._combo("Institution")
        self.office_combo = self._combo("Bureau")
        self.referent_combo = self._combo("Référent")
        self.case_combo = self._combo("Dossier")
        self.reset_button = QPushButton("Réinitialiser les filtres", self)
        self.reset_button.setAutoDefault(False)
        self.reset_button.clicked.connect(self.reset_filters)

        self.table = _Table(self)
        self._setup_table()
        self.hint = TableHint(self.table)
        self.table.viewport().installEventFilter(self)
        self.search.installEventFilter(self)

        self._layout()
        self._fill_filters()
        for combo in self._combos():
            combo.currentIndexChanged.connect(self.apply_search_now)

        self.model.countChanged.connect(self._on_count_changed)
        self.model.countChanged.connect(self.countChanged)
        # Queued: a failure inside a Qt call (sort, fetchMore) is shown once it has returned.
        self.model.loadFailed.connect(self._on_load_failed, Qt.ConnectionType.QueuedConnection)
        self.model.reload()

    # --- construction ----------------------------------------------------------------------

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        combo.addItem(ALL, None)
        return combo

    def _combos(self) -> tuple[QComboBox, ...]:
        return (
            self.orientation_combo,
            self.institution_combo,
            self.office_combo,
            self.referent_combo,
            self.case_combo,
        )

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        setup_row_table(table)  # Tab leaves the table, arrows move in it
        table.setAccessibleName("Liste des bénéficiaires")
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = header.fontMetrics()
        for column, sample in _COLUMN_SAMPLES.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)

        def refit(column: int, _old: int, _new: int) -> None:
            if column != COL_NAME:
                table.fit_name_column()

        header.sectionResized.connect(refit)
        # Sorting is done by the model in SQL; the indicator starts on the name, A→Z.
        header.setSortIndicator(COL_NAME, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        table.rowActivated.connect(self._open_row)
        table.selectionModel().selectionChanged.connect(
            lambda *_: self.selectionChanged.emit(self.selected_id())
        )
        self.model.modelReset.connect(lambda: self.selectionChanged.emit(None))

    def _layout(self) -> None:
        # Captions above the combos keep the filter bar narrow enough for a half screen.
        filters = QGridLayout()
        filters.setHorizontalSpacing(10)
        filters.setVerticalSpacing(2)
        mnemonics = ("&Orientation", "&Institution", "B&ureau", "&Référent", "&Dossier")
        for column, (text, combo) in enumerate(zip(mnemonics, self._combos(), strict=True)):
            label = QLabel(text, self)
            label.setBuddy(combo)
            filters.addWidget(label, 0, column)
            filters.addWidget(combo, 1, column)
            filters.setColumnStretch(column, 1)
        filters.addWidget(self.reset_button, 1, len(mnemonics))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        QWidget.setTabOrder(self.search, self.orientation_combo)
        chain = (*self._combos(), self.reset_button, self.table)
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _fill_filters(self) -> None:
        for value, label in Orientation.choices():
            self.orientation_combo.addItem(label, value)
        for value, label in CaseState.choices():
            self.case_combo.addItem(label, value)
        self.case_combo.addItem("Sans dossier", NO_CASE)
        ok, found = status.attempt_db(self, lambda: svc.lookups(self._db))
        if not ok or found is None:
            return
        for combo, choices in (
            (self.institution_combo, found.institutions),
            (self.office_combo, found.offices),
            (self.referent_combo, found.referents),
        ):
            for choice in choices:
                combo.addItem(choice.label, str(choice.id))  # str: findData() can match it

    # --- search and filters ----------------------------------------------------------------

    def current_filter(self) -> BeneficiaryFilter:
        return BeneficiaryFilter(
            text=self.search.text().strip(),
            orientation=self.orientation_combo.currentData(),
            institution_id=_id_of(self.institution_combo),
            office_id=_id_of(self.office_combo),
            referent_id=_id_of(self.referent_combo),
            case_state=self.case_combo.currentData(),
            scope=self._scope,
        )

    def apply_search_now(self) -> None:
        """Query with the current search text and filters, without waiting for the pause."""
        self._search_timer.stop()
        self.model.set_filter(self.current_filter())

    def set_search_text(self, text: str, immediate: bool = True) -> None:
        self.search.setText(text)
        if immediate:
            self.apply_search_now()

    def reset_filters(self) -> None:
        for widget in (self.search, *self._combos()):
            widget.blockSignals(True)
        try:
            self.search.clear()
            for combo in self._combos():
                combo.setCurrentIndex(0)
        finally:
            for widget in (self.search, *self._combos()):
                widget.blockSignals(False)
        self.apply_search_now()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # --- selection and refresh -------------------------------------------------------------

    def selected_id(self) -> uuid.UUID | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.row_id(index.row())

    def select_id(self, beneficiary_id: uuid.UUID, *, center: bool = True) -> bool:
        """Select a beneficiary if it is among the rows already fetched."""
        row = self.model.row_of(beneficiary_id)
        if row < 0:
            return False
        index = self.model.index(row, COL_NAME)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        hint = QAbstractItemView.ScrollHint
        self.table.scrollTo(index, hint.PositionAtCenter if center else hint.EnsureVisible)
        return True

    def refresh(self, select: uuid.UUID | None = None) -> None:
        """Query again (after a save or an import), keeping the user's place in the list and
        the selection (or selecting ``select``, e.g. a beneficiary just created)."""
        keep = select or self.selected_id()
        scroll = self.table.verticalScrollBar().value()
        if not self.model.reload(keep_loaded=True):
            return
        self.table.verticalScrollBar().setValue(scroll)
        if keep is not None:
            self.select_id(keep, center=False)

    # --- slots -----------------------------------------------------------------------------

    def _open_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.openRequested.emit(self.model.row_id(row))

    def _focus_table(self) -> None:
        self.apply_search_now()
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.selected_id() is None:
            current = self.table.currentIndex()
            self.table.selectRow(current.row() if current.isValid() else 0)

    def _on_count_changed(self, total: int) -> None:
        if total:
            self.hint.hide()
            return
        searching = self.model.current_filter != BeneficiaryFilter(scope=self._scope)
        self.hint.setText(NO_MATCH_HINT if searching else EMPTY_DATABASE_HINT)
        self.hint.place()
        self.hint.show()

    def _on_load_failed(self, exc: UserFacingError) -> None:
        if status.offer_retry(self, exc):
            self.model.retry()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.hint.place()
            self.table.fit_name_column()
        elif (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            key = event.key()
            if key == Qt.Key.Key_Down:
                self._focus_table()
                return True
            if key == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
        return super().eventFilter(watched, event)
