"""The département's server in the GUI: the wizard's fourth choice, the connection dialog of
the Fichier menu, and the start-up when the server is silent or refuses the login."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton

from app.config import WorkstationConfig, app_paths, load_config, save_config
from app.services import server_connection
from app.services.errors import LoginRefused, ServerUnreachable
from app.services.secrets import SERVICE_NAME
from app.services.server_connection import ServerProfile
from app.services.storage import StorageMode
from app.ui import application, server_dialog, server_startup, workspace
from app.ui.first_run_wizard import FirstRunWizard
from app.ui.server_dialog import FailureChoice, ServerConnectionDialog

SECRET = "Mot-de-passe-du-serveur"


@pytest.fixture
def silent_profile() -> ServerProfile:
    """A server that does not answer: a closed port on this machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return ServerProfile("127.0.0.1", "pack_sortie", "cmartin", port)


@pytest.fixture
def wizard(qtbot) -> FirstRunWizard:
    dialog = FirstRunWizard(app_paths())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fill(form: server_dialog.ServerForm, profile: ServerProfile, password: str = SECRET) -> None:
    form.host.setText(profile.host)
    form.port.setValue(profile.port)
    form.database.setText(profile.database)
    form.user.setText(profile.user)
    form.password.setText(password)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_wizard_offers_the_server_tests_it_and_returns_its_profile(
    qtbot, wizard, server, memory_keyring, fake_dialogs, shoot
):
    assert wizard.server_card.radio.text() == "Serveur du département"
    assert wizard.server_form.isHidden()  # shown only when chosen
    click(qtbot, wizard.server_card.radio)
    assert wizard.server_form.isVisible() and wizard.server_form.host.isEnabled()
    assert not wizard.create_path.isEnabled()
    fill(wizard.server_form, server)
    wizard.server_form.remember.setChecked(True)

    click(qtbot, wizard.server_form.test_button)
    qtbot.waitUntil(lambda: wizard.server_form.test_button.isEnabled())
    wizard.server_form.wait()
    qtbot.waitUntil(lambda: "réussie" in wizard.server_form.result.text())
    assert wizard.server_form.result.text() == (
        f"Connexion réussie à la base « {server.database} » sur {server.where} : elle est à jour."
    )
    assert memory_keyring.entries == {}  # a test remembers nothing
    shoot(wizard, "first_run_wizard_server")

    click(qtbot, wizard.continue_button)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert (wizard.choice, wizard.server) == ("server", server)
    assert memory_keyring.entries == {(SERVICE_NAME, server.key): SECRET}
    assert fake_dialogs.warnings == [] and fake_dialogs.errors == []


def test_the_wizard_keeps_a_failed_server_choice_open_and_says_why(
    qtbot, wizard, server, fake_dialogs
):
    wizard.select("server")
    click(qtbot, wizard.continue_button)
    assert fake_dialogs.warnings == ["Indiquez le nom ou l'adresse du serveur."]
    assert wizard.server_form.host.hasFocus()
    absent = ServerProfile(server.host, "base_absente", server.user, server.port)
    fill(wizard.server_form, absent)
    click(qtbot, wizard.continue_button)
    assert fake_dialogs.warnings[1].startswith("La base « base_absente » n'existe pas")
    assert wizard.server_form.result.text() == fake_dialogs.warnings[1]
    assert wizard.isVisible() and wizard.result() != QDialog.DialogCode.Accepted
    assert server_connection.known_password(absent) is None


def test_the_test_button_tells_a_silent_server_in_the_form(qtbot, wizard, silent_profile):
    wizard.select("server")
    fill(wizard.server_form, silent_profile)
    click(qtbot, wizard.server_form.test_button)
    wizard.server_form.wait()
    qtbot.waitUntil(lambda: "ne répond pas" in wizard.server_form.result.text())
    assert f"({silent_profile.where})" in wizard.server_form.result.text()


def test_the_menu_dialog_is_filled_from_the_config_and_remembers_the_profile(
    qtbot, server, memory_keyring, fake_dialogs
):
    config = WorkstationConfig(server=server.as_config())

    seen = []

    def answer() -> None:
        dialog = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, ServerConnectionDialog)
        )
        seen.append((dialog.form.host.text(), dialog.focusWidget() is dialog.form.password))
        dialog.form.password.setText(SECRET)
        dialog.connect_button.click()

    QTimer.singleShot(0, answer)
    assert server_dialog.ask_server_connection(None, config) == server
    assert seen == [(server.host, True)]  # filled in, the password to type
    assert load_config().server == server.as_config()
    assert memory_keyring.entries == {}  # not asked to remember: this session only
    assert server_connection.known_password(server) == SECRET
    assert SECRET not in app_paths().config_file.read_text(encoding="utf-8")
    # What the main window then does with it: the usual opening, through the server.
    opened = workspace.open_workspace(None, server.location, remember=True)
    assert opened is not None and opened[0].mode is StorageMode.SERVER
    assert load_config().database == server.location
    opened[0].dispose()


def test_the_menu_path_tells_a_silent_server_in_french(silent_profile, fake_dialogs):
    assert workspace.open_workspace(None, silent_profile.location, remember=False) is None
    assert fake_dialogs.retries[0].startswith(
        f"Le serveur du Département ({silent_profile.where}) ne répond pas"
    )


def test_the_failure_box_offers_retry_local_or_quit(qtbot, shoot):
    box = server_dialog.failure_box(None, ServerUnreachable("srv-pack.essonne.fr:5432"))
    qtbot.addWidget(box)
    box.show()
    texts = [b.text() for b in box.buttons()]
    assert sorted(texts) == ["Ouvrir une base locale…", "Quitter", "Réessayer"]
    assert box.defaultButton().text() == "Réessayer"
    assert box.text().startswith("Le serveur du Département (srv-pack.essonne.fr:5432)")
    shoot(box, "server_failure")

    for name in ("local", "quit", "retry"):

        def press(name: str = name) -> None:
            modal = QApplication.activeModalWidget()
            assert isinstance(modal, QMessageBox)
            modal.findChild(QPushButton, name).click()

        QTimer.singleShot(0, press)
        assert server_dialog.ask_after_failure(None, LoginRefused()) is FailureChoice(name)


@pytest.fixture
def failures(monkeypatch) -> list[tuple[str, list[FailureChoice]]]:
    """The start-up's failure question, answered from a list (``answers``)."""
    asked: list = []
    answers: list[FailureChoice] = []
    asked.append(("answers", answers))

    def ask(_parent, error):
        asked.append(error.message)
        return answers.pop(0)

    monkeypatch.setattr(server_dialog, "ask_after_failure", ask)
    return asked


def remember_server(profile: ServerProfile) -> None:
    config = WorkstationConfig(server=profile.as_config())
    config.remember(profile.location, None)
    save_config(config)


def test_a_silent_server_at_start_up_offers_retry_then_quit(
    silent_profile, failures, memory_keyring, fake_dialogs
):
    remember_server(silent_profile)
    memory_keyring.set_password(SERVICE_NAME, silent_profile.key, SECRET)
    failures[0][1].extend([FailureChoice.RETRY, FailureChoice.QUIT])
    assert application.open_at_startup(None, app_paths()) is None
    messages = failures[1:]
    assert len(messages) == 2
    assert messages[0].startswith(
        f"Le serveur du Département ({silent_profile.where}) ne répond pas"
    )
    assert fake_dialogs.errors == []  # never the « erreur inattendue » box


def test_open_a_local_base_instead_shows_the_wizard(
    monkeypatch, silent_profile, failures, memory_keyring, tmp_path
):
    remember_server(silent_profile)
    memory_keyring.set_password(SERVICE_NAME, silent_profile.key, SECRET)
    failures[0][1].append(FailureChoice.LOCAL)
    local = tmp_path / "local" / "pack-sortie.sqlite"
    monkeypatch.setattr(
        application, "choose_with_wizard", lambda paths, parent=None: (str(local), False)
    )
    opened = application.open_at_startup(None, app_paths())
    assert opened is not None and opened[0].path == local
    opened[0].dispose()
    assert load_config().database == str(local)


def test_the_remembered_server_opens_at_start_up_with_the_keyring_password(
    server, memory_keyring, failures
):
    remember_server(server)
    memory_keyring.set_password(SERVICE_NAME, server.key, SECRET)
    opened = application.open_at_startup(None, app_paths())
    assert opened is not None
    db, actor = opened
    assert db.mode is StorageMode.SERVER and db.location == server.location
    assert actor.is_admin and failures[1:] == []
    db.dispose()


def test_a_refused_login_asks_the_password_again_on_retry(monkeypatch, server, failures):
    stranger = ServerProfile(server.host, server.database, "inconnu", server.port)
    remember_server(stranger)
    server_connection.keep_password(stranger, SECRET, remember=False)
    asked = []

    def ask_server_connection(_parent, config, _paths=None, *, reason=""):
        asked.append((ServerProfile.from_config(config.server), reason))
        server_connection.keep_password(server, SECRET, remember=False)
        return server  # the right account, typed this time

    monkeypatch.setattr(server_dialog, "ask_server_connection", ask_server_connection)
    failures[0][1].append(FailureChoice.RETRY)
    opened = application.open_at_startup(None, app_paths())

    assert failures[1:] == [
        "Connexion refusée par le serveur : identifiant ou mot de passe incorrect."
    ]
    assert asked == [(stranger, asked[0][1])] and "« inconnu »" in asked[0][1]
    assert opened is not None and opened[0].location == server.location
    assert ServerProfile.from_config(load_config().server) == server
    opened[0].dispose()


def test_no_password_known_asks_it_first(monkeypatch, server, failures):
    remember_server(server)
    asked = []
    monkeypatch.setattr(
        server_dialog, "ask_server_connection", lambda *a, **k: asked.append(k) or None
    )
    failures[0][1].append(FailureChoice.QUIT)
    assert application.open_at_startup(None, app_paths()) is None
    assert asked[0]["reason"].startswith("Saisissez le mot de passe de « postgres »")
    assert failures[1:] == [server_startup.NO_PASSWORD]
