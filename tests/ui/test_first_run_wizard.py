"""First start: create a local database, open a shared one, or build the demonstration."""

from __future__ import annotations

import importlib
import sys
import types

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.config import app_paths
from app.services.errors import UserFacingError
from app.ui.first_run_wizard import FirstRunWizard


@pytest.fixture
def paths():
    return app_paths()  # inside the test's own home (PACK_SORTIE_HOME)


@pytest.fixture
def wizard(qtbot, paths) -> FirstRunWizard:
    dialog = FirstRunWizard(paths)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def demo_calls(monkeypatch) -> list[dict]:
    """Replace app.services.demo.build_demo (whether or not that module exists yet)."""
    calls: list[dict] = []

    def fake_build_demo(path, **kwargs):
        calls.append({"path": path, **kwargs})
        # progress is not called here: workers.run_with_progress runs its progress slot in
        # the worker thread (crash); see the report to the lead.
        assert callable(kwargs["progress"])
        assert kwargs["cancelled"]() is False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        return path

    try:
        module = importlib.import_module("app.services.demo")
    except ImportError:
        module = types.ModuleType("app.services.demo")
        monkeypatch.setitem(sys.modules, "app.services.demo", module)
    monkeypatch.setattr(module, "build_demo", fake_build_demo, raising=False)
    return calls


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_three_choices_create_is_the_default(qtbot, wizard, paths, fake_dialogs, shoot):
    assert wizard.windowTitle() == "Bienvenue dans Pack Sortie"
    titles = [c.radio.text() for c in (wizard.create_card, wizard.open_card, wizard.demo_card)]
    assert titles == [
        "Créer une base locale sur ce poste",
        "Ouvrir une base partagée (lecteur réseau)",
        "Découvrir l'application avec la base de démonstration",
    ]
    for card in (wizard.create_card, wizard.open_card, wizard.demo_card):
        assert card.explanation.text()
    assert wizard.create_card.radio.isChecked()
    assert wizard.create_path.text() == str(paths.default_database)
    assert not wizard.open_path.isEnabled()  # only the chosen card's inputs are active
    shoot(wizard, "first_run_wizard")

    click(qtbot, wizard.continue_button)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert (wizard.choice, wizard.location, wizard.shared) == (
        "create",
        paths.default_database,
        False,
    )
    assert fake_dialogs.warnings == []


def test_create_elsewhere(qtbot, wizard, tmp_path, fake_dialogs):
    fake_dialogs.save_file = str(tmp_path / "autre" / "ma-base")
    click(qtbot, wizard.create_browse)
    assert wizard.create_path.text() == str(tmp_path / "autre" / "ma-base.sqlite")
    click(qtbot, wizard.continue_button)
    assert wizard.choice == "create"
    assert wizard.location == tmp_path / "autre" / "ma-base.sqlite"


def test_create_refuses_an_empty_path_or_a_folder(qtbot, wizard, tmp_path, fake_dialogs):
    wizard.create_path.clear()
    click(qtbot, wizard.continue_button)
    assert fake_dialogs.warnings == ["Indiquez l'emplacement de la nouvelle base."]
    wizard.create_path.setText(str(tmp_path))
    click(qtbot, wizard.continue_button)
    assert "est un dossier" in fake_dialogs.warnings[1]
    assert wizard.isVisible() and wizard.result() != QDialog.DialogCode.Accepted


def test_create_says_when_a_database_already_exists(wizard, tmp_path):
    existing = tmp_path / "base.sqlite"
    existing.write_bytes(b"")
    wizard.create_path.setText(str(existing))
    assert "existe déjà" in wizard.create_note.text()


def test_open_a_shared_database(qtbot, wizard, tmp_path, fake_dialogs, shoot):
    shared = tmp_path / "partage" / "pack-sortie.sqlite"
    shared.parent.mkdir()
    shared.write_bytes(b"")
    click(qtbot, wizard.open_card.radio)
    assert wizard.open_path.isEnabled() and not wizard.create_path.isEnabled()
    fake_dialogs.open_file = str(shared)
    click(qtbot, wizard.open_browse)
    assert wizard.open_path.text() == str(shared)
    assert wizard.shared_check.isChecked()
    shoot(wizard, "first_run_wizard_open")

    click(qtbot, wizard.continue_button)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert (wizard.choice, wizard.location, wizard.shared) == ("open", shared, True)


def test_open_not_shared_when_unchecked(qtbot, wizard, tmp_path):
    local = tmp_path / "copie.sqlite"
    local.write_bytes(b"")
    wizard.select("open")
    wizard.open_path.setText(str(local))
    wizard.shared_check.setChecked(False)
    click(qtbot, wizard.continue_button)
    assert (wizard.choice, wizard.shared) == ("open", False)


def test_open_needs_an_existing_file(qtbot, wizard, tmp_path, fake_dialogs):
    wizard.select("open")
    click(qtbot, wizard.continue_button)
    assert "Parcourir" in fake_dialogs.warnings[0]
    wizard.open_path.setText(str(tmp_path / "absent.sqlite"))
    click(qtbot, wizard.continue_button)
    assert "introuvable" in fake_dialogs.warnings[1]
    assert wizard.isVisible() and wizard.result() != QDialog.DialogCode.Accepted


def test_demo_is_built_then_chosen(qtbot, wizard, paths, demo_calls, fake_dialogs, shoot):
    wizard.select("demo")
    assert wizard.continue_button.text() == "Préparer la démonstration"
    shoot(wizard, "first_run_wizard_demo")
    click(qtbot, wizard.continue_button)

    assert len(demo_calls) == 1
    call = demo_calls[0]
    assert call["path"] == paths.demo_database
    assert (call["beneficiaries"], call["seed"], call["replace"]) == (30_000, 2017, True)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert (wizard.choice, wizard.location, wizard.shared) == ("demo", paths.demo_database, False)
    assert fake_dialogs.errors == []


def test_demo_error_keeps_the_wizard_open(qtbot, wizard, monkeypatch, demo_calls, fake_dialogs):
    failure = UserFacingError("Construction de la base de démonstration annulée.")

    def failing(path, **kwargs):
        raise failure

    monkeypatch.setattr(sys.modules["app.services.demo"], "build_demo", failing)
    wizard.select("demo")
    click(qtbot, wizard.continue_button)
    assert fake_dialogs.errors == [failure]
    assert wizard.isVisible()
    assert wizard.result() != QDialog.DialogCode.Accepted
    # The user can still choose something else.
    wizard.select("create")
    click(qtbot, wizard.continue_button)
    assert wizard.choice == "create"


def test_quit(qtbot, wizard):
    click(qtbot, wizard.quit_button)
    assert wizard.result() == QDialog.DialogCode.Rejected


def test_enter_continues(qtbot, wizard):
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard)
    wizard.create_card.radio.setFocus()
    qtbot.keyClick(wizard.create_card.radio, Qt.Key.Key_Return)
    assert wizard.result() == QDialog.DialogCode.Accepted
