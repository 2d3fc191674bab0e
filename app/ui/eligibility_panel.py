"""The conditions of the Pack, explained (case screen and case editor): one line per rule with
its painted icon (✔ passed, ✘ failed, ? to check), its title and explanation, the overall
summary and the scale the case is judged by."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.services.eligibility import Eligibility, RuleStatus
from app.ui.case_widgets import muted
from app.ui.widgets import clear_layout

RULE_COLOURS: dict[RuleStatus, QColor] = {
    RuleStatus.PASSED: QColor("#2e7d32"),
    RuleStatus.FAILED: QColor("#c62828"),
    RuleStatus.TO_CHECK: QColor("#e07b00"),
}


def rule_pixmap(status: RuleStatus, size: int = 18) -> QPixmap:
    """A coloured disc with a white ✔, ✘ or ?, painted (no font glyph to rely on)."""
    ratio = 2  # drawn at twice the size: sharp on high-DPI screens
    pixmap = QPixmap(size * ratio, size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(RULE_COLOURS[status])
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    pen = QPen(QColor("white"), size / 7.5)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = size
    if status is RuleStatus.PASSED:
        path = QPainterPath(QPointF(s * 0.27, s * 0.52))
        path.lineTo(QPointF(s * 0.44, s * 0.69))
        path.lineTo(QPointF(s * 0.74, s * 0.34))
        painter.drawPath(path)
    elif status is RuleStatus.FAILED:
        painter.drawLine(QPointF(s * 0.32, s * 0.32), QPointF(s * 0.68, s * 0.68))
        painter.drawLine(QPointF(s * 0.68, s * 0.32), QPointF(s * 0.32, s * 0.68))
    else:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(s * 0.75))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(0, 0, s, s), Qt.AlignmentFlag.AlignCenter, "?")
    painter.end()
    return pixmap


@dataclass(frozen=True)
class RuleLine:
    code: str
    status: RuleStatus
    title: str
    explanation: str


class EligibilityPanel(QWidget):
    """The conditions of the Pack, explained: one line per rule (icon, title, explanation),
    the overall summary, and the scale the case is judged by."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eligibilityPanel")
        self.setAccessibleName("Conditions d'attribution")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.summary = QLabel()
        self.summary.setObjectName("eligibilitySummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self._rules = QWidget()
        self._grid = QGridLayout(self._rules)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(8)
        self._grid.setColumnStretch(1, 1)
        layout.addWidget(self._rules)
        self.message = muted()
        self.message.setObjectName("eligibilityMessage")
        self.message.setVisible(False)
        layout.addWidget(self.message)
        self.scale_label = muted()
        self.scale_label.setObjectName("scaleDescription")
        self.scale_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.scale_label)
        layout.addStretch(1)
        self._lines: list[RuleLine] = []
        self.eligibility: Eligibility | None = None

    @property
    def lines(self) -> list[RuleLine]:
        return list(self._lines)

    def line(self, code: str) -> RuleLine | None:
        return next((x for x in self._lines if x.code == code), None)

    def _clear_rules(self) -> None:
        clear_layout(self._grid)
        self._lines = []

    def set_eligibility(self, eligibility: Eligibility, scale_description: str = "") -> None:
        self.eligibility = eligibility
        self._clear_rules()
        for row, result in enumerate(eligibility.results):
            icon = QLabel()
            icon.setPixmap(rule_pixmap(result.status))
            icon.setObjectName(f"ruleIcon_{result.code}")
            icon.setToolTip(result.status.label)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            icon.setContentsMargins(0, 1, 0, 0)
            # The icon says passed / failed / to check by its shape and colour; the word is
            # added where the référent must act.
            verdict = (
                ""
                if result.status is RuleStatus.PASSED
                else f"&nbsp;— <span style='color:{RULE_COLOURS[result.status].name()};'>"
                f"{result.status.label.replace(' ', '&nbsp;')}</span>"
            )
            text = QLabel(
                f"<b>{_escape(result.title)}</b>{verdict}<br>{_escape(result.explanation)}"
            )
            text.setObjectName(f"rule_{result.code}")
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{result.title} : {result.status.label}. {result.explanation}")
            self._grid.addWidget(icon, row, 0)
            self._grid.addWidget(text, row, 1)
            self._lines.append(
                RuleLine(result.code, result.status, result.title, result.explanation)
            )
        status = eligibility.status
        colour = RULE_COLOURS[status].name()
        self.summary.setText(
            f"<span style='color:{colour}; font-weight:bold;'>{eligibility.summary()}</span>"
        )
        self.summary.setVisible(True)
        self._rules.setVisible(True)
        self.message.setVisible(False)
        self.scale_label.setText(scale_description)
        self.scale_label.setVisible(bool(scale_description))

    def set_message(self, text: str, scale_description: str = "") -> None:
        """No verdict to show (job start missing, preview impossible): say why."""
        self.eligibility = None
        self._clear_rules()
        self.summary.setVisible(False)
        self._rules.setVisible(False)
        self.message.setText(text)
        self.message.setVisible(True)
        self.scale_label.setText(scale_description)
        self.scale_label.setVisible(bool(scale_description))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
