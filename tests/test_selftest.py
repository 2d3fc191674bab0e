"""``self-test`` from source: every step passes; a broken step is reported and fails the run."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QLocale, QTranslator

from app import selftest
from app.cli import main


@pytest.fixture
def gui_state(qapp):
    """The self-test configures the (shared) QApplication as the real start-up does:
    French locale and translator. Put things back for the other tests."""
    locale = QLocale()
    name = qapp.applicationName()
    before = set(qapp.findChildren(QTranslator))
    yield qapp
    for translator in set(qapp.findChildren(QTranslator)) - before:
        qapp.removeTranslator(translator)
        translator.deleteLater()
    QLocale.setDefault(locale)
    qapp.setApplicationName(name)


def step_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("[")]


def test_self_test_passes_every_step(gui_state, capsys):
    assert main(["self-test"]) == 0

    out = capsys.readouterr().out
    lines = step_lines(out)
    assert len(lines) == len(selftest.STEPS)
    for step, line in zip(selftest.STEPS, lines, strict=True):
        assert line.startswith("[OK]"), line
        assert step.label in line
    assert "ÉCHEC" not in out
    assert f"tout est OK ({len(selftest.STEPS)} étapes)" in out


def test_self_test_touches_no_user_folder(gui_state, isolated_home, capsys):
    assert main(["self-test"]) == 0
    # Only the log file may be written to the usual place (PACK_SORTIE_HOME in tests).
    written = {p.relative_to(isolated_home).parts[0] for p in isolated_home.rglob("*")}
    assert written <= {"logs"}


def test_a_broken_step_fails_the_run_and_the_others_still_run(gui_state, monkeypatch, capsys):
    from app.services import beneficiary_search

    monkeypatch.setattr(beneficiary_search, "list_beneficiaries", lambda *args, **kwargs: [])

    assert main(["self-test"]) == 1

    out = capsys.readouterr().out
    lines = step_lines(out)
    failed = [line for line in lines if line.startswith("[ÉCHEC]")]
    assert len(failed) == 1
    assert "Recherche accentuée" in failed[0]
    assert "0 fiche(s)" in failed[0]
    assert lines[-2].startswith("[OK]")  # the main window was still built
    assert "1 étape(s) en ÉCHEC" in out


def test_a_blank_letter_preview_fails_its_step(gui_state, monkeypatch, capsys):
    from PySide6.QtGui import QColor, QImage

    from app.ui import pdf_preview

    def blank_page(_document, _page, size):
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        return image

    monkeypatch.setattr(pdf_preview, "render_page", blank_page)
    assert main(["self-test"]) == 1
    failed = [line for line in step_lines(capsys.readouterr().out) if "ÉCHEC" in line]
    assert len(failed) == 1
    assert "Aperçu du courrier" in failed[0] and "blanche" in failed[0]


def test_an_exception_in_a_step_is_reported_not_raised(capsys):
    def boom(ctx):
        raise RuntimeError("disque plein")

    steps = [selftest.Step("Étape cassée / broken step", boom)]

    assert selftest.run_self_test(steps=steps) == 1

    out = capsys.readouterr().out
    assert "[ÉCHEC] Étape cassée / broken step  RuntimeError : disque plein" in out


def test_missing_gui_module_is_reported_clearly(monkeypatch, capsys):
    import app.ui

    monkeypatch.setitem(sys.modules, "app.ui.application", None)  # import now fails
    monkeypatch.delattr(app.ui, "application", raising=False)
    steps = [s for s in selftest.STEPS if s.run is selftest.step_qt]

    assert selftest.run_self_test(steps=steps) == 1

    out = capsys.readouterr().out
    assert "module app.ui.application absent" in out


def test_dependent_steps_say_why_they_cannot_run(capsys):
    steps = [s for s in selftest.STEPS if s.run is selftest.step_search]

    assert selftest.run_self_test(steps=steps) == 1

    assert "l'étape qui fournit « beneficiary_id » a échoué" in capsys.readouterr().out
