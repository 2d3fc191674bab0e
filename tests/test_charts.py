"""The evaluation's charts: what each drawing shows, in the PDF and through QtSvg."""

from __future__ import annotations

from datetime import date

import pytest
from reportlab.graphics import renderPDF

from app.services import charts

MONTHS = [charts.short_month(date(2018, m, 1)) for m in range(1, 13)]
HELPED = [0, 2, 3, 1, 4, 2, 5, 3, 2, 1, 2, 2]


def all_charts() -> list:
    return [
        charts.monthly_chart(MONTHS, HELPED, 150 / 12),
        charts.funnel_chart(
            [("Demandes", 60), ("Accordées", 40), ("Refusées", 12), ("Terminées", 20)]
        ),
        charts.envelope_gauge(50_000_000, 31_234_500, 18_000_000),
        charts.exits_chart([("Fin de contrat", 2), ("Démission", 5), ("Déménagement", 1)]),
    ]


def test_monthly_bars_are_proportional_and_the_target_is_drawn() -> None:
    drawing = charts.monthly_chart(MONTHS, HELPED, 12.5)
    heights = charts.bar_values(drawing)
    assert len(heights) == 12
    assert heights[0] == 0
    assert heights[6] == pytest.approx(heights[3] * 5)  # juillet: 5, avril: 1
    texts = charts.strings(drawing)
    assert "Objectif : 12,5 par mois" in texts
    assert "juil." in texts and "févr." in texts
    assert texts.count("5") >= 1


def test_funnel_widths_follow_the_counts() -> None:
    drawing = charts.funnel_chart([("Demandes", 1200), ("Accordées", 600), ("Refusées", 0)])
    widths = charts.bar_values(drawing)
    assert widths[1] == pytest.approx(widths[0] / 2)
    assert widths[2] == 0
    assert {"Demandes", "Accordées", "1\u202f200", "600"} <= set(charts.strings(drawing))


def test_envelope_gauge_splits_paid_committed_and_remaining() -> None:
    drawing = charts.envelope_gauge(10_000_000, 6_000_000, 2_500_000)
    widths = charts.bar_values(drawing)
    whole = widths[0]  # the background: the whole vote
    assert widths[1] == pytest.approx(whole * 0.25)  # paid
    assert widths[2] == pytest.approx(whole * 0.35)  # committed, not yet paid
    assert widths[3] == pytest.approx(whole * 0.40)  # remaining
    texts = charts.strings(drawing)
    assert "Versé : 25\u202f000\u00a0€" in texts
    assert "Disponible : 40\u202f000\u00a0€" in texts


def test_envelope_gauge_shows_an_overspend() -> None:
    texts = charts.strings(charts.envelope_gauge(1_000_000, 1_200_000, 500_000))
    assert "Dépassement : 2\u202f000\u00a0€" in texts


def test_exits_are_sorted_by_count_and_long_reasons_shortened() -> None:
    long = "Déménagement hors du département " * 3
    drawing = charts.exits_chart([("Fin de contrat", 2), ("Démission", 5), (long, 1)])
    assert charts.bar_values(drawing)[0] > charts.bar_values(drawing)[1]
    texts = charts.strings(drawing)
    assert texts.index("Démission") < texts.index("Fin de contrat")
    assert any(t.endswith("…") for t in texts)


def test_no_data_says_so() -> None:
    for drawing in (charts.monthly_chart([], []), charts.exits_chart([])):
        assert charts.EMPTY_TEXT in charts.strings(drawing)
        assert charts.bar_values(drawing) == []


def test_the_charts_go_into_a_pdf(tmp_path) -> None:
    for index, drawing in enumerate(all_charts()):
        out = tmp_path / f"chart{index}.pdf"
        renderPDF.drawToFile(drawing, str(out))
        assert out.read_bytes().startswith(b"%PDF")


def test_svg_has_no_clip_path_and_names_the_font_family() -> None:
    svg = charts.to_svg(all_charts()[0]).decode()
    assert "clip" not in svg.lower()
    assert "font-family: 'DejaVu Sans'" in svg
    assert "Objectif" in svg


def test_qt_paints_the_svg_neither_blank_nor_black(qapp) -> None:
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from app.ui.chart_view import load_chart_fonts

    load_chart_fonts()
    for drawing in all_charts():
        renderer = QSvgRenderer(QByteArray(charts.to_svg(drawing)))
        assert renderer.isValid()
        image = QImage(int(drawing.width), int(drawing.height), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
        painter.end()
        pixels = [
            image.pixelColor(x, y)
            for x in range(0, image.width(), 3)
            for y in range(0, image.height(), 3)
        ]
        dark = sum(p.lightness() < 40 for p in pixels) / len(pixels)
        white = sum(p.lightness() > 250 for p in pixels) / len(pixels)
        assert dark < 0.15, "painted black (the clip path?)"
        assert white < 0.97, "nothing painted"
        assert any(p.saturation() > 50 for p in pixels), "the coloured bars are missing"
