"""« Tableau de bord » : the evaluation's figures and charts for a period and an office.

Built when its tab is first shown (the main window imports this module then, never at
start-up: QtSvg and ReportLab's graphics come with it). The figures are computed by
:func:`app.services.evaluation.evaluate` in a worker thread (:class:`Background`): the
screen stays usable and a newer choice of period or office supersedes a load under way.
A click on a figure lists its cases (:func:`app.services.evaluation.cases_for`) in a
dialog, from which a case opens in its tab (``openCaseRequested``). « Bilan annuel… »
produces the year's report (:mod:`app.ui.annual_report_actions`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from reportlab.graphics.shapes import Drawing

from app.services import clock, figures
from app.services.actor import Actor
from app.services.beneficiary_search import Choice, lookups
from app.services.charts import to_svg
from app.services.errors import UserFacingError, ValidationError
from app.services.evaluation import (
    Evaluation,
    Period,
    Scope,
    cases_for,
    evaluate,
)
from app.services.evaluation_types import MIN_YEAR
from app.services.letter_pdf import register_fonts
from app.services.storage import Database
from app.services.text import format_date
from app.ui import db_wait, dialogs
from app.ui.case_widgets import ERROR_NOTICE, MUTED_STYLE
from app.ui.chart_view import ChartView
from app.ui.date_field import DateField
from app.ui.figure_card import FigureCard
from app.ui.workers import Background

if TYPE_CHECKING:
    from app.ui.case_list_dialog import CaseListDialog
    from app.ui.pdf_preview import PdfPreview

log = logging.getLogger(__name__)

OTHER_PERIOD = "Autre période…"
WHOLE_DEPARTMENT = "Tout le département"
LOADING = "Chargement des chiffres…"
SECTION_STYLE = "font-weight: bold; font-size: 11pt; color: #1f4e79;"
CARDS_PER_ROW = 4


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(SECTION_STYLE)
    return label


def _pairs_text(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><td style='padding: 2px 14px 2px 0'>{label}</td>"
        f"<td style='padding: 2px 0' align='right'><b>{value}</b></td></tr>"
        for label, value in pairs
    )
    return f"<table>{rows}</table>"


@dataclass(frozen=True)
class Loaded:
    """What the worker hands back: the figures, the offices (first load), the charts."""

    evaluation: Evaluation
    offices: list[Choice] | None
    charts: dict[str, tuple[Drawing, bytes]]


class DashboardTab(QWidget):
    """The « Tableau de bord » screen; ``loaded`` once the figures are on screen."""

    openCaseRequested = Signal(uuid.UUID)
    loaded = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardTab")
        self.db, self.actor = db, actor
        self.evaluation: Evaluation | None = None
        self.offices: list[Choice] | None = None
        self.load_seconds = 0.0
        self._stale = True
        self._asked_at = 0.0
        self._loader = Background(self)
        self._loader.finished.connect(self._on_loaded)
        self._loader.failed.connect(self._on_failed)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.reload)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._selectors())
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dashboardError")
        self.error_label.setStyleSheet(ERROR_NOTICE)
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        outer.addWidget(self.error_label)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 6, 8, 12)
        column.setSpacing(10)
        self.title_label = QLabel(body)
        self.title_label.setObjectName("dashboardTitle")
        self.title_label.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.title_label.setWordWrap(True)
        column.addWidget(self.title_label)
        self.note_label = QLabel(body)
        self.note_label.setStyleSheet(MUTED_STYLE)
        self.note_label.setWordWrap(True)
        column.addWidget(self.note_label)

        self.cards: dict[str, FigureCard] = {}
        self._cards_grid = QGridLayout()
        self._cards_grid.setSpacing(8)
        column.addLayout(self._cards_grid)

        column.addWidget(_section("Graphiques"))
        charts_grid = QGridLayout()
        charts_grid.setSpacing(12)
        self.charts: dict[str, ChartView] = {}
        for index, key in enumerate(("monthly", "funnel", "envelope", "exits")):
            view = ChartView(body)
            view.setObjectName(f"chart_{key}")
            self.charts[key] = view
            charts_grid.addWidget(view, index // 2, index % 2, Qt.AlignmentFlag.AlignTop)
        column.addLayout(charts_grid)

        details = QGridLayout()
        details.setHorizontalSpacing(24)
        details.addWidget(_section("Enveloppe et aides"), 0, 0)
        details.addWidget(_section("Recours au Pack par les professionnels"), 0, 1)
        self.envelope_label = QLabel(body)
        self.envelope_label.setObjectName("envelopeText")
        self.envelope_label.setTextFormat(Qt.TextFormat.RichText)
        self.envelope_label.setWordWrap(True)
        self.envelope_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.use_label = QLabel(body)
        self.use_label.setObjectName("useText")
        self.use_label.setTextFormat(Qt.TextFormat.RichText)
        self.use_label.setWordWrap(True)
        self.use_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        details.addWidget(self.envelope_label, 1, 0)
        details.addWidget(self.use_label, 1, 1)
        details.setColumnStretch(0, 1)
        details.setColumnStretch(1, 1)
        column.addLayout(details)
        column.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

    # --- selectors -------------------------------------------------------------------------
    def _selectors(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(QLabel("Période :"))
        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("periodCombo")
        self.period_combo.setAccessibleName("Période")
        this_year = clock.today().year
        for year in range(this_year, MIN_YEAR - 1, -1):
            self.period_combo.addItem(f"Année {year}", year)
        self.period_combo.addItem(OTHER_PERIOD, None)
        self.period_combo.currentIndexChanged.connect(self._on_period_chosen)
        row.addWidget(self.period_combo)
        self.from_label = QLabel("du")
        self.from_field = DateField(self)
        self.from_field.setObjectName("fromDate")
        self.from_field.setAccessibleName("Début de la période")
        self.to_label = QLabel("au")
        self.to_field = DateField(self)
        self.to_field.setObjectName("toDate")
        self.to_field.setAccessibleName("Fin de la période")
        for widget in (self.from_label, self.from_field, self.to_label, self.to_field):
            row.addWidget(widget)
            widget.setVisible(False)
        for field in (self.from_field, self.to_field):
            field.editingFinished.connect(self._debounce.start)
        row.addSpacing(12)
        row.addWidget(QLabel("Bureau :"))
        self.office_combo = QComboBox(self)
        self.office_combo.setObjectName("officeCombo")
        self.office_combo.setAccessibleName("Bureau")
        self.office_combo.setMinimumContentsLength(28)
        self.office_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.office_combo.addItem(WHOLE_DEPARTMENT, None)
        self.office_combo.currentIndexChanged.connect(lambda _i: self.reload())
        row.addWidget(self.office_combo)
        row.addStretch(1)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("dashboardStatus")
        self.status_label.setStyleSheet(MUTED_STYLE)
        row.addWidget(self.status_label)
        self.report_button = QPushButton("Bilan annuel…", self)
        self.report_button.setObjectName("annualReportButton")
        self.report_button.setToolTip(
            "Produire le bilan annuel (PDF) de l'année choisie : aperçu, impression, archive"
        )
        self.report_button.clicked.connect(lambda _checked=False: self.produce_annual_report())
        row.addWidget(self.report_button)
        return row

    def _on_period_chosen(self, _index: int) -> None:
        custom = self.period_combo.currentData() is None
        for widget in (self.from_label, self.from_field, self.to_label, self.to_field):
            widget.setVisible(custom)
        if custom and self.from_field.value() is None:
            shown = self.evaluation.period if self.evaluation else Period.year(clock.today().year)
            self.from_field.setValue(shown.start)
            self.to_field.setValue(shown.end)
        self.report_button.setEnabled(not custom)
        self.reload()

    def period(self) -> Period:
        """The period chosen; ValidationError (French) for dates missing or reversed."""
        year = self.period_combo.currentData()
        if year is not None:
            return Period.year(int(year))
        start, end = self.from_field.value(), self.to_field.value()
        if start is None or end is None:
            raise ValidationError({"period": "Indiquez les deux dates de la période (jj/mm/aaaa)."})
        return Period(start, end)

    def scope(self) -> Scope:
        office = self.office_combo.currentData()
        return Scope.office(uuid.UUID(office)) if office else Scope()

    def select_year(self, year: int) -> None:
        index = self.period_combo.findData(year)
        if index >= 0:
            self.period_combo.setCurrentIndex(index)

    def select_period(self, start: date, end: date) -> None:
        self.from_field.setValue(start)
        self.to_field.setValue(end)
        self.period_combo.setCurrentIndex(self.period_combo.count() - 1)
        self.reload()

    def select_office(self, office_id: uuid.UUID | None) -> None:
        index = self.office_combo.findData(str(office_id) if office_id else None)
        if index >= 0:
            self.office_combo.setCurrentIndex(index)

    # --- loading ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def mark_stale(self) -> None:
        """The cases changed: read the figures again now if shown, else when next shown."""
        self._stale = True
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        try:
            period, scope = self.period(), self.scope()
        except UserFacingError as exc:
            self._show_error(exc.message if not isinstance(exc, ValidationError) else exc)
            return
        self._stale = False
        self._asked_at = time.perf_counter()
        self.status_label.setText(LOADING)
        db, actor, want_offices = self.db, self.actor, self.offices is None

        def job() -> Loaded:
            # The charts' fonts are read while the figures are computed (SQLite lets go of
            # the GIL): about 60 ms off the first show.
            fonts = threading.Thread(target=register_fonts, daemon=True)
            fonts.start()
            offices = lookups(db).offices if want_offices else None
            evaluation = evaluate(db, actor, period, scope)
            fonts.join()
            drawings = figures.drawings(evaluation)
            return Loaded(evaluation, offices, {k: (d, to_svg(d)) for k, d in drawings.items()})

        self._loader.start(job)

    def _show_error(self, error: object) -> None:
        text = (
            "\n".join(error.errors.values()) if isinstance(error, ValidationError) else str(error)
        )
        self.error_label.setText(text)
        self.error_label.show()
        self.status_label.setText("")

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, UserFacingError):
            log.warning("Dashboard: %s %s", exc, exc.detail)
            self._show_error(exc if isinstance(exc, ValidationError) else exc.message)
            return
        self.status_label.setText("")
        raise exc  # a bug: the excepthook logs it and says so

    def _on_loaded(self, result: Loaded) -> None:
        if result.offices is not None:
            self._fill_offices(result.offices)
        self.error_label.hide()
        evaluation = result.evaluation
        self.show_evaluation(evaluation, result.charts)
        self.load_seconds = time.perf_counter() - self._asked_at
        self.status_label.setText(f"Calculés le {format_date(evaluation.as_of)}")
        log.info("Dashboard shown in %.0f ms", self.load_seconds * 1000)
        self.loaded.emit()

    def _fill_offices(self, offices: list[Choice]) -> None:
        self.offices = offices
        self.office_combo.blockSignals(True)
        for office in offices:
            self.office_combo.addItem(office.label, str(office.id))
        self.office_combo.blockSignals(False)

    def show_evaluation(
        self, ev: Evaluation, charts: dict[str, tuple[Drawing, bytes]] | None = None
    ) -> None:
        """Show ``ev``, with its charts as drawn by the worker (else drawn now)."""
        self.evaluation = ev
        self.title_label.setText(f"{ev.period.label.capitalize()} · {ev.scope_label}")
        self.note_label.setText(
            f"{ev.people_helped.target_note} Chiffres arrêtés au "
            f"{format_date(figures.period_end(ev))}. L'économie est une estimation."
        )
        lines = figures.headline(ev)
        for index, line in enumerate(lines):
            card = self.cards.get(line.key)
            if card is None:
                card = FigureCard(line.key, self)
                card.clicked.connect(lambda key=line.key: self.show_cases(key))
                self.cards[line.key] = card
                self._cards_grid.addWidget(card, index // CARDS_PER_ROW, index % CARDS_PER_ROW)
            card.set_line(line)
        if charts is None:
            charts = {k: (d, to_svg(d)) for k, d in figures.drawings(ev).items()}
        for key, (drawing, svg) in charts.items():
            self.charts[key].set_drawing(drawing, svg)
        components = figures.component_rows(ev)
        envelope = _pairs_text(figures.envelope_lines(ev))
        if components:
            rows = "".join(
                f"<tr><td style='padding: 2px 14px 2px 0'>{label}</td>"
                f"<td align='right' style='padding: 2px 10px'>{people}</td>"
                f"<td align='right' style='padding: 2px 10px'>{total}</td>"
                f"<td align='right' style='padding: 2px 0'>{average}</td></tr>"
                for label, people, total, average, _code in components
            )
            envelope += (
                "<p style='margin-top: 8px'><b>Aides par nature</b></p><table>"
                "<tr><th align='left' style='padding: 2px 14px 2px 0'>Aide</th>"
                "<th align='right' style='padding: 2px 10px'>Personnes</th>"
                "<th align='right' style='padding: 2px 10px'>Total</th>"
                "<th align='right' style='padding: 2px 0'>Moyenne</th></tr>"
                f"{rows}</table>"
            )
        self.envelope_label.setText(envelope)
        silent = figures.offices_without_request(ev)
        use = _pairs_text(figures.use_lines(ev))
        if silent:
            items = "".join(f"<li>{name}</li>" for name in silent)
            use += (
                f"<p style='margin-top: 8px'><b>Bureaux sans aucune demande "
                f"({len(silent)})</b></p><ul style='margin-left: -20px'>{items}</ul>"
            )
        else:
            use += "<p>Chaque bureau a fait au moins une demande.</p>"
        self.use_label.setText(use)

    # --- the cases behind a figure ---------------------------------------------------------
    def show_cases(self, key: str) -> CaseListDialog | None:
        card = self.cards.get(key)
        ev = self.evaluation
        line = card.line if card is not None else None
        figure = line.figure if line is not None else None
        if line is None or figure is None or ev is None:
            return None
        try:
            rows = db_wait.run_db(
                self,
                lambda: cases_for(
                    self.db, self.actor, figure, ev.period, ev.scope, detail=line.detail
                ),
            )
        except UserFacingError as exc:
            dialogs.show_error(self, exc)
            return None
        from app.ui.case_list_dialog import CaseListDialog

        dialog = CaseListDialog(
            f"{figure.label} — {ev.period.label} · {ev.scope_label}", rows, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.openCaseRequested.connect(self.openCaseRequested)
        dialog.show()
        return dialog

    # --- the annual report -----------------------------------------------------------------
    def produce_annual_report(self) -> PdfPreview | None:
        year = self.period_combo.currentData()
        if year is None:
            return None
        from app.ui.annual_report_actions import produce_annual_report

        return produce_annual_report(self, self.db, self.actor, int(year))
