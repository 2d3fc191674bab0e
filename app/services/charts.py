"""The evaluation's charts, drawn once with ReportLab's graphics for the screen and the PDF.

Each function takes plain numbers and labels and returns a :class:`Drawing` (points, origin
at the bottom left): the annual report places it in the PDF as vector graphics, the
« Tableau de bord » shows it through QtSvg from :func:`to_svg`. No Qt here.

Why ReportLab's graphics: already a dependency (nothing added to the installer), vector
output for the PDF, and one code for both media; QtCharts is deprecated since Qt 6.10 and
needs PySide6-Addons, matplotlib and pyqtgraph weigh 60 to 110 MB. The shapes are drawn by
hand (rectangles, lines, strings) rather than with ReportLab's chart widgets: French labels
that fit, values printed on the bars, and drawings whose content tests can read.

Text is DejaVu Sans (accents, « € », the narrow no-break space of French numbers), the font
embedded in the letters; :func:`to_svg` names it as Qt knows it and drops the clip path
ReportLab wraps the drawing in (QtSvg paints that clip path solid black).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.services.letter_pdf import FONT, FONT_BOLD, register_fonts
from app.services.text import MONTHS_SHORT_FR, format_cents

WIDTH = 480.0  # points: fits the report's 174 mm text width (493 pt) and the dashboard
ACCENT = colors.HexColor("#1f4e79")
ACCENT_LIGHT = colors.HexColor("#9dbad8")
TARGET = colors.HexColor("#c0392b")
GRID = colors.HexColor("#d0d7de")
MUTED = colors.HexColor("#5f6368")
PAID = colors.HexColor("#1f4e79")
COMMITTED = colors.HexColor("#6b9bc8")
REMAINING = colors.HexColor("#e3ebf3")
OVERSPENT = colors.HexColor("#c0392b")
FUNNEL_COLOURS = ["#1f4e79", "#2e7d32", "#c0392b", "#5b8c3a", "#e08e0b", "#7f8c8d"]
EMPTY_TEXT = "Aucune donnée sur la période"
NO_ENVELOPE = "Aucune enveloppe votée"
TITLE_SIZE, LABEL_SIZE, SMALL_SIZE = 10.5, 8.5, 7.5


def short_month(month: date, *, with_year: bool = False) -> str:
    """date(2018, 2, 1) -> 'févr.' (or 'févr. 18')."""
    text = MONTHS_SHORT_FR[month.month - 1]
    return f"{text} {month.year % 100:02d}" if with_year else text


def format_count(value: float) -> str:
    """1234 -> '1 234' (narrow no-break space); 12.5 -> '12,5'."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")


def format_euros(cents: int) -> str:
    """Whole euros for the charts: 1234567 cents -> '12 346 €'."""
    return format_cents(round(cents / 100) * 100).replace(",00", "")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = LABEL_SIZE,
    bold: bool = False,
    anchor: str = "start",
    colour: colors.Color = colors.black,
) -> String:
    return String(
        x,
        y,
        text,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        fillColor=colour,
        textAnchor=anchor,
    )


def _width(text: str, size: float = LABEL_SIZE, bold: bool = False) -> float:
    return stringWidth(text, FONT_BOLD if bold else FONT, size)


def _fit(text: str, width: float, size: float = LABEL_SIZE) -> str:
    """``text`` shortened with « … » to fit ``width`` points."""
    if _width(text, size) <= width:
        return text
    while text and _width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _drawing(height: float, title: str, width: float = WIDTH) -> Drawing:
    register_fonts()
    drawing = Drawing(width, height)
    if title:
        drawing.add(_text(0, height - TITLE_SIZE - 2, title, size=TITLE_SIZE, bold=True))
    return drawing


def _bars(drawing: Drawing) -> Group:
    """The group holding the chart's bars (read back by :func:`bar_values`)."""
    group = Group()
    drawing.add(group, name="bars")
    return group


def _empty(drawing: Drawing, top: float) -> Drawing:
    drawing.add(_text(drawing.width / 2, top / 2, EMPTY_TEXT, anchor="middle", colour=MUTED))
    return drawing


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 2.5, 5 × 10ⁿ) dividing ``top`` in about ``ticks`` intervals."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            step = factor * power
            return max(step, 1.0)
    return 10 * power


def monthly_chart(
    labels: Sequence[str],
    values: Sequence[int],
    target_per_month: float | None = None,
    *,
    title: str = "Personnes aidées par mois",
    height: float = 200.0,
) -> Drawing:
    """One bar a month (its value printed on it) against a dashed target line."""
    if len(labels) != len(values):
        raise ValueError("one label per value")
    drawing = _drawing(height, title)
    plot = _bars(drawing)
    left, bottom, right = 30.0, 30.0, WIDTH - 4
    top = height - (TITLE_SIZE + 18 if title else 8)
    if not values:
        return _empty(drawing, top)
    highest = max([*values, target_per_month or 0, 1])
    step = nice_step(highest)
    scale_top = step * math.ceil(highest / step)
    if scale_top - highest < step * 0.15:  # room for the value above the highest bar
        scale_top += step
    span = top - bottom

    def y_of(value: float) -> float:
        return bottom + span * value / scale_top

    tick = 0.0
    while tick <= scale_top + 1e-9:
        y = y_of(tick)
        drawing.add(Line(left, y, right, y, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(
            _text(left - 4, y - 3, format_count(tick), size=SMALL_SIZE, anchor="end", colour=MUTED)
        )
        tick += step
    slot = (right - left) / len(values)
    bar = min(slot * 0.68, 34.0)
    small = slot < _width("00", SMALL_SIZE) + 4
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + slot * index + (slot - bar) / 2
        plot.add(Rect(x, bottom, bar, y_of(value) - bottom, fillColor=ACCENT, strokeColor=None))
        centre = x + bar / 2
        if value and not small:
            drawing.add(
                _text(
                    centre, y_of(value) + 2.5, format_count(value), size=SMALL_SIZE, anchor="middle"
                )
            )
        drawing.add(_text(centre, bottom - 11, _fit(label, slot), size=SMALL_SIZE, anchor="middle"))
    drawing.add(Line(left, bottom, right, bottom, strokeColor=MUTED, strokeWidth=0.8))
    if target_per_month:
        y = y_of(target_per_month)
        drawing.add(
            Line(left, y, right, y, strokeColor=TARGET, strokeWidth=1.4, strokeDashArray=[5, 3])
        )
        legend = f"Objectif : {format_count(round(target_per_month, 1))} par mois"
        drawing.add(
            _text(right, top + 4, legend, size=SMALL_SIZE, anchor="end", colour=TARGET, bold=True)
        )
    return drawing


def funnel_chart(
    stages: Sequence[tuple[str, int]],
    *,
    title: str = "Des demandes aux sorties",
    height: float | None = None,
) -> Drawing:
    """The funnel: one centred bar a stage, as wide as its count against the first one."""
    row = 24.0
    head = TITLE_SIZE + 12 if title else 4
    height = height or head + row * max(len(stages), 1) + 6
    drawing = _drawing(height, title)
    bars = _bars(drawing)
    if not stages:
        return _empty(drawing, height - head)
    label_w = max(_width(label) for label, _ in stages) + 10
    value_w = max(_width(format_count(v), bold=True) for _, v in stages) + 8
    area_left, area_w = label_w, WIDTH - label_w - value_w
    largest = max(max(v for _, v in stages), 1)
    y = height - head - row
    for index, (label, value) in enumerate(stages):
        width = max(area_w * value / largest, 1.5 if value else 0)
        x = area_left + (area_w - width) / 2
        colour = colors.HexColor(FUNNEL_COLOURS[index % len(FUNNEL_COLOURS)])
        bars.add(Rect(x, y + 3, width, row - 6, fillColor=colour, strokeColor=None))
        drawing.add(_text(label_w - 8, y + row / 2 - 3, label, anchor="end"))
        drawing.add(_text(WIDTH - 2, y + row / 2 - 3, format_count(value), anchor="end", bold=True))
        y -= row
    return drawing


def envelope_gauge(
    voted_cents: int,
    committed_cents: int,
    paid_cents: int,
    *,
    title: str = "Enveloppe",
    height: float = 84.0,
) -> Drawing:
    """The year's envelope as one bar: paid, committed not yet paid, what is left; beyond
    the bar's end in red when the commitments exceed the vote."""
    drawing = _drawing(height, title)
    bars = _bars(drawing)
    top = height - (TITLE_SIZE + 10 if title else 4)
    committed = max(committed_cents, paid_cents)
    whole = max(voted_cents, committed, 1)
    bar_y, bar_h, bar_w = top - 30, 26.0, WIDTH - 2

    def width_of(cents: int) -> float:
        return bar_w * cents / whole

    drawing.add(
        _text(
            WIDTH - 2,
            height - TITLE_SIZE - 2,
            f"votée : {format_euros(voted_cents)}" if voted_cents > 0 else NO_ENVELOPE,
            size=LABEL_SIZE,
            anchor="end",
        )
    )
    segments = [
        (0, paid_cents, PAID),
        (paid_cents, committed, COMMITTED),
        (committed, max(voted_cents, committed), REMAINING),
    ]
    if 0 < voted_cents < committed:
        segments[2] = (voted_cents, committed, OVERSPENT)
        segments[1] = (paid_cents, min(committed, voted_cents), COMMITTED)
    bars.add(Rect(0, bar_y, bar_w, bar_h, fillColor=REMAINING, strokeColor=None))
    for start, end, colour in segments:
        if end > start:
            bars.add(
                Rect(
                    width_of(start),
                    bar_y,
                    width_of(end) - width_of(start),
                    bar_h,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
    drawing.add(Rect(0, bar_y, bar_w, bar_h, fillColor=None, strokeColor=MUTED, strokeWidth=0.6))
    if voted_cents and committed > voted_cents:
        x = width_of(voted_cents)
        drawing.add(Line(x, bar_y - 3, x, bar_y + bar_h + 3, strokeColor=colors.black))
    remaining = voted_cents - committed
    legend = [
        (PAID, f"Versé : {format_euros(paid_cents)}"),
        (COMMITTED, f"Engagé, à verser : {format_euros(committed - paid_cents)}"),
    ]
    if voted_cents > 0:  # else the title's right side says no envelope was voted
        legend.append(
            (REMAINING, f"Disponible : {format_euros(remaining)}")
            if remaining >= 0
            else (OVERSPENT, f"Dépassement : {format_euros(-remaining)}")
        )
    x, y = 0.0, bar_y - 20
    for colour, text in legend:
        drawing.add(Rect(x, y, 9, 9, fillColor=colour, strokeColor=MUTED, strokeWidth=0.4))
        drawing.add(_text(x + 13, y + 1, text))
        x += 13 + _width(text) + 18
    return drawing


def exits_chart(
    reasons: Sequence[tuple[str, int]],
    *,
    title: str = "Sorties par motif",
    height: float | None = None,
) -> Drawing:
    """Horizontal bars, one a reason (most frequent first), the count beside each."""
    row = 20.0
    head = TITLE_SIZE + 12 if title else 4
    ordered = sorted(reasons, key=lambda item: -item[1])
    height = height or head + row * max(len(ordered), 1) + 6
    drawing = _drawing(height, title)
    bars = _bars(drawing)
    if not ordered or not any(v for _, v in ordered):
        return _empty(drawing, height - head)
    label_w = min(max(_width(label) for label, _ in ordered) + 10, WIDTH * 0.45)
    value_w = max(_width(format_count(v), bold=True) for _, v in ordered) + 8
    area_w = WIDTH - label_w - value_w
    largest = max(v for _, v in ordered)
    y = height - head - row
    for label, value in ordered:
        width = area_w * value / largest
        bars.add(Rect(label_w, y + 3, width, row - 6, fillColor=ACCENT_LIGHT, strokeColor=None))
        drawing.add(_text(label_w - 8, y + row / 2 - 3, _fit(label, label_w - 10), anchor="end"))
        drawing.add(_text(label_w + width + 4, y + row / 2 - 3, format_count(value), bold=True))
        y -= row
    return drawing


def bar_values(drawing: Drawing) -> list[float]:
    """The heights (vertical bars) or widths (horizontal ones) of a chart's bars, in order:
    what the chart says, for tests and accessibility texts."""
    group = getattr(drawing, "bars", None)
    if not isinstance(group, Group):
        return []
    rects = [r for r in group.contents if isinstance(r, Rect)]
    if not rects:
        return []
    vertical = all(r.y == rects[0].y for r in rects) and len({r.x for r in rects}) == len(rects)
    return [r.height if vertical else r.width for r in rects]


def strings(drawing: Drawing) -> list[str]:
    """Every text the drawing shows, in drawing order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, String):
            found.append(node.text)
        for child in getattr(node, "contents", []):
            walk(child)

    walk(drawing)
    return found


_CLIP_PATH = re.compile(r"<clipPath\b.*?</clipPath>\s*", re.S)
_CLIP_STYLE = re.compile(r'\s*style="clip-path:\s*url\(#[^)]*\)"')
_FONTS = {
    f"font-family: {FONT_BOLD};": "font-family: 'DejaVu Sans'; font-weight: bold;",
    f"font-family: {FONT};": "font-family: 'DejaVu Sans';",
}


def to_svg(drawing: Drawing) -> bytes:
    """The drawing as SVG that QtSvg paints as ReportLab does: without the clip path that
    QtSvg fills black, and with the font named by its family ('DejaVu Sans')."""
    from reportlab.graphics import renderSVG

    text = renderSVG.drawToString(drawing)
    text = _CLIP_STYLE.sub("", _CLIP_PATH.sub("", text))
    for ours, family in _FONTS.items():
        text = text.replace(ours, family)
    return text.encode("utf-8")
