"""The aid timeline: the six months of a case (and a little before and after) painted as
one lane per component with its instalments coloured by status, a lane of meetings, and the
landmarks: job start, end of the trial period, end of the six months, today.

Hovering shows a tooltip; clicking an instalment or a meeting emits its id so the case
view can select it in its tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from app.models.enums import Component, InstalmentStatus, MeetingKind
from app.services import clock
from app.services.case_view import CaseDetail
from app.services.dates import add_months, month_start
from app.services.text import MONTHS_SHORT_FR, format_cents, format_date

STATUS_COLOURS = {
    InstalmentStatus.PLANNED: QColor("#4a7fc1"),
    InstalmentStatus.MANDATED: QColor("#e0a030"),
    InstalmentStatus.PAID: QColor("#3c9a5f"),
    InstalmentStatus.SUSPENDED: QColor("#9aa0a6"),
    InstalmentStatus.CANCELLED: QColor("#d5d8dc"),
    InstalmentStatus.TO_SETTLE: QColor("#b3261e"),  # rejected by the bank: to put right
}
# « À régulariser » (a rejected transfer) is rare: in the legend only when the case has one.
ALWAYS_IN_LEGEND = set(InstalmentStatus) - {InstalmentStatus.TO_SETTLE}
MEETING_COLOUR = QColor("#7b4fa0")
JOB_START_COLOUR = QColor("#263238")
TRIAL_COLOUR = QColor("#e07b00")
SIX_MONTHS_COLOUR = QColor("#7b4fa0")
TODAY_COLOUR = QColor("#d32f2f")

LABEL_WIDTH = 150
AXIS_HEIGHT = 28
LANE_HEIGHT = 34
LEGEND_HEIGHT = 26
MARGIN = 8


@dataclass(frozen=True)
class HitItem:
    rect: QRectF
    kind: str  # "instalment" or "meeting"
    id: uuid.UUID
    tooltip: str


class AidTimeline(QWidget):
    instalmentClicked = Signal(object)  # uuid.UUID
    meetingClicked = Signal(object)  # uuid.UUID

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumHeight(AXIS_HEIGHT + 2 * LANE_HEIGHT + LEGEND_HEIGHT + 2 * MARGIN)
        self.setAccessibleName("Frise des aides")
        self._case: CaseDetail | None = None
        self._today = clock.today()
        self._items: list[HitItem] = []
        self._selected: uuid.UUID | None = None

    # --- data --------------------------------------------------------------------------
    def set_case(self, case: CaseDetail | None, today: date | None = None) -> None:
        self._case = case
        self._today = today or clock.today()
        self._selected = None
        lanes = len(self._lanes()) + 1
        self.setMinimumHeight(AXIS_HEIGHT + lanes * LANE_HEIGHT + LEGEND_HEIGHT + 2 * MARGIN)
        self.updateGeometry()
        self.update()

    def select(self, item_id: uuid.UUID | None) -> None:
        self._selected = item_id
        self.update()

    @property
    def items(self) -> list[HitItem]:
        """What was painted last, with its place (used by tests and tooltips)."""
        return list(self._items)

    def sizeHint(self) -> QSize:
        return QSize(720, self.minimumHeight())

    def _lanes(self) -> list[Component]:
        if self._case is None:
            return []
        present = {a.component for a in self._case.aids} | {
            i.component for i in self._case.instalments
        }
        return [c for c in Component if c in present]

    def date_range(self) -> tuple[date, date]:
        """From the month before the job start to the month after the six months (or the
        last instalment, whichever is later)."""
        assert self._case is not None
        case = self._case
        first = add_months(month_start(case.job_start), -1)
        last_due = max((i.due_month for i in case.instalments), default=case.job_start)
        end = max(case.six_month_end, last_due, case.end_date or case.job_start)
        return first, add_months(month_start(end), 2)

    # --- geometry ----------------------------------------------------------------------
    def _x(self, day: date) -> float:
        start, end = self.date_range()
        span = (end - start).days or 1
        width = self.width() - LABEL_WIDTH - 2 * MARGIN
        return LABEL_WIDTH + MARGIN + width * (day - start).days / span

    def x_of(self, day: date) -> float:
        return self._x(day)

    def _lane_top(self, index: int) -> float:
        return MARGIN + AXIS_HEIGHT + index * LANE_HEIGHT

    # --- painting ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        self._items = []
        if self._case is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Aucun dossier sélectionné."
            )
            return
        lanes = self._lanes()
        self._paint_axis(painter, len(lanes) + 1)
        for index, component in enumerate(lanes):
            self._paint_lane_label(painter, index, component.label)
            self._paint_instalments(painter, index, component)
        self._paint_lane_label(painter, len(lanes), "Entretiens")
        self._paint_meetings(painter, len(lanes))
        self._paint_landmarks(painter, len(lanes) + 1)
        self._paint_legend(painter, len(lanes) + 1)

    def _paint_axis(self, painter: QPainter, lanes: int) -> None:
        start, end = self.date_range()
        bottom = self._lane_top(lanes)
        grid = QPen(self.palette().mid().color(), 1, Qt.PenStyle.DotLine)
        month = start
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        while month < end:
            nxt = add_months(month, 1)
            x0, x1 = self._x(month), self._x(nxt)
            painter.setPen(grid)
            painter.drawLine(QPointF(x0, MARGIN + AXIS_HEIGHT - 4), QPointF(x0, bottom))
            painter.setPen(self.palette().text().color())
            label = MONTHS_SHORT_FR[month.month - 1] + (
                f" {month.year}" if month.month == 1 or month == start else ""
            )
            painter.drawText(
                QRectF(x0, MARGIN, x1 - x0, AXIS_HEIGHT - 6), Qt.AlignmentFlag.AlignCenter, label
            )
            month = nxt
        painter.setFont(self.font())

    def _paint_lane_label(self, painter: QPainter, index: int, text: str) -> None:
        top = self._lane_top(index)
        if index % 2 == 0:
            painter.fillRect(
                QRectF(0, top, self.width(), LANE_HEIGHT), self.palette().alternateBase()
            )
        painter.setPen(self.palette().text().color())
        painter.drawText(
            QRectF(MARGIN, top, LABEL_WIDTH - MARGIN, LANE_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            text,
        )

    def _paint_instalments(self, painter: QPainter, index: int, component: Component) -> None:
        assert self._case is not None
        top = self._lane_top(index)
        same_month: dict[date, int] = {}
        for inst in (i for i in self._case.instalments if i.component is component):
            stack = same_month.get(inst.due_month, 0)
            same_month[inst.due_month] = stack + 1
            x0 = self._x(inst.due_month) + 2 + 3 * stack
            x1 = self._x(add_months(inst.due_month, 1)) - 2 + 3 * stack
            rect = QRectF(x0, top + 6 + 2 * stack, max(x1 - x0, 4), LANE_HEIGHT - 12)
            colour = STATUS_COLOURS[inst.status]
            painter.setPen(QPen(colour.darker(130), 2 if inst.id == self._selected else 1))
            painter.setBrush(QBrush(colour))
            painter.drawRoundedRect(rect, 4, 4)
            if inst.status is InstalmentStatus.SUSPENDED:  # hatched: on hold, not lost
                painter.setBrush(QBrush(colour.darker(125), Qt.BrushStyle.BDiagPattern))
                painter.drawRoundedRect(rect, 4, 4)
            text = format_cents(inst.amount_cents).replace(",00", "")
            if painter.fontMetrics().horizontalAdvance(text) < rect.width() - 4:
                painter.setPen(
                    QColor("#ffffff")
                    if inst.status in (InstalmentStatus.PLANNED, InstalmentStatus.PAID)
                    else QColor("#202020")
                )
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            if inst.status is InstalmentStatus.CANCELLED:
                painter.setPen(QPen(QColor("#8a8f94"), 1))
                painter.drawLine(rect.topLeft(), rect.bottomRight())
            tip = (
                f"{component.label} — {inst.due_month.strftime('%m/%Y')}\n"
                f"{format_cents(inst.amount_cents)} · {inst.status.label}\n"
                f"Payé à : {inst.payee}"
            )
            self._items.append(HitItem(rect, "instalment", inst.id, tip))

    def _paint_meetings(self, painter: QPainter, index: int) -> None:
        assert self._case is not None
        middle = self._lane_top(index) + LANE_HEIGHT / 2
        for meeting in self._case.meetings:
            x = self._x(meeting.held_on)
            size = 9 if meeting.kind is MeetingKind.REVIEW_6M else 7
            path = QPainterPath()
            path.moveTo(x, middle - size)
            path.lineTo(x + size, middle)
            path.lineTo(x, middle + size)
            path.lineTo(x - size, middle)
            path.closeSubpath()
            painter.setPen(
                QPen(MEETING_COLOUR.darker(140), 2 if meeting.id == self._selected else 1)
            )
            painter.setBrush(
                MEETING_COLOUR
                if meeting.kind is MeetingKind.FOLLOW_UP
                else MEETING_COLOUR.lighter(140)
            )
            painter.drawPath(path)
            tip = (
                f"{meeting.kind.label} du {format_date(meeting.held_on)}\n"
                f"{meeting.mode.label}"
                + (
                    f"\nProchain entretien : {format_date(meeting.next_meeting_on)}"
                    if meeting.next_meeting_on
                    else ""
                )
            )
            self._items.append(
                HitItem(
                    QRectF(x - size, middle - size, 2 * size, 2 * size), "meeting", meeting.id, tip
                )
            )

    def _landmarks(self) -> list[tuple[date, str, QColor, Qt.PenStyle]]:
        assert self._case is not None
        case = self._case
        marks = [(case.job_start, "Début de l'emploi", JOB_START_COLOUR, Qt.PenStyle.SolidLine)]
        if case.trial_end:
            marks.append((case.trial_end, "Fin de l'essai", TRIAL_COLOUR, Qt.PenStyle.DashLine))
        marks.append(
            (
                case.six_month_end + timedelta(days=1),
                "Fin des 6 mois",
                SIX_MONTHS_COLOUR,
                Qt.PenStyle.DashLine,
            )
        )
        start, end = self.date_range()
        if start <= self._today < end:
            marks.append((self._today, "Aujourd'hui", TODAY_COLOUR, Qt.PenStyle.SolidLine))
        return marks

    def _paint_landmarks(self, painter: QPainter, lanes: int) -> None:
        top, bottom = MARGIN + AXIS_HEIGHT - 4, self._lane_top(lanes)
        for day, label, colour, style in self._landmarks():
            x = self._x(day)
            painter.setPen(QPen(colour, 2, style))
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
            self._items.append(
                HitItem(
                    QRectF(x - 3, top, 6, bottom - top),
                    "landmark",
                    uuid.UUID(int=0),
                    f"{label} : {format_date(day)}",
                )
            )

    def _paint_legend(self, painter: QPainter, lanes: int) -> None:
        y = self._lane_top(lanes) + 8
        x = float(MARGIN)
        metrics = painter.fontMetrics()
        present = {i.status for i in self._case.instalments} if self._case else set()
        shown = [s for s in InstalmentStatus if s in present or s in ALWAYS_IN_LEGEND]
        entries = [(STATUS_COLOURS[s], s.label) for s in shown] + [
            (colour, label) for _, label, colour, _ in self._landmarks()
        ]
        for colour, label in entries:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(x, y + 2, 12, 12), 2, 2)
            painter.setPen(self.palette().text().color())
            painter.drawText(QPointF(x + 16, y + 12), label)
            x += 16 + metrics.horizontalAdvance(label) + 14

    # --- interaction -------------------------------------------------------------------
    def item_at(self, point: QPointF) -> HitItem | None:
        for item in reversed(self._items):
            if item.rect.contains(point):
                return item
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        item = self.item_at(event.position())
        if item is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(event.globalPosition().toPoint(), item.tooltip, self)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item = self.item_at(event.position())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            if item.kind == "instalment":
                self.select(item.id)
                self.instalmentClicked.emit(item.id)
            elif item.kind == "meeting":
                self.select(item.id)
                self.meetingClicked.emit(item.id)
        super().mousePressEvent(event)
