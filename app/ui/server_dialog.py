"""The département server: the connection form (first-run wizard, Fichier menu, a refused
login at start-up) and the dialog said when the server cannot be reached.

:class:`ServerForm` asks host, port, base, user and password, with « Mémoriser le mot de
passe » and « Tester la connexion » (run off the GUI thread: the form stays usable).
:class:`ServerConnectionDialog` wraps it; :func:`ask_server_connection` is what the Fichier
menu calls. :func:`ask_after_failure` is the start-up's « Réessayer / Ouvrir une base
locale… / Quitter » question. Both are module functions, so tests can replace them.
"""

from __future__ import annotations

import logging
from enum import StrEnum

import shiboken6
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.config import Paths, WorkstationConfig, save_config
from app.services import server_connection
from app.services.errors import LoginRefused, UserFacingError
from app.services.server_connection import DEFAULT_PORT, ServerProfile
from app.ui import dialogs, workers

log = logging.getLogger(__name__)

HINT_STYLE = "color: palette(placeholder-text);"
OK_STYLE = "color: #1b6e20;"
ERROR_STYLE = "color: #b3261e;"
NO_KEYRING = (
    "Ce poste n'a pas de coffre-fort sécurisé : le mot de passe vous sera demandé à "
    "chaque ouverture."
)


class ServerForm(QWidget):
    """Host, port, base, user, password, « Mémoriser » and « Tester la connexion »."""

    def __init__(self, profile: ServerProfile | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("serverForm")
        self.host = self._line("serverHost", "Serveur", "Par exemple srv-pack.departement.fr")
        self.port = QSpinBox()
        self.port.setObjectName("serverPort")
        self.port.setAccessibleName("Port")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setGroupSeparatorShown(False)
        self.database = self._line("serverDatabase", "Base", "Par exemple pack_sortie")
        self.user = self._line("serverUser", "Identifiant", "Votre identifiant sur le serveur")
        self.password = self._line("serverPassword", "Mot de passe", "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Mémoriser le mot de passe")
        self.remember.setObjectName("serverRemember")
        if server_connection.keyring_available():
            self.remember.setToolTip(
                "Gardé dans le coffre-fort sécurisé de Windows (ou de ce poste), jamais dans "
                "un fichier."
            )
        else:
            self.remember.setEnabled(False)
            self.remember.setToolTip(NO_KEYRING)
        self.test_button = QPushButton("Tester la connexion")
        self.test_button.setObjectName("serverTest")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel()
        self.result.setObjectName("serverResult")
        self.result.setWordWrap(True)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("Serveur :"), 0, 0)
        grid.addWidget(self.host, 0, 1)
        grid.addWidget(QLabel("Port :"), 0, 2)
        grid.addWidget(self.port, 0, 3)
        grid.addWidget(QLabel("Base :"), 1, 0)
        grid.addWidget(self.database, 1, 1, 1, 3)
        grid.addWidget(QLabel("Identifiant :"), 2, 0)
        grid.addWidget(self.user, 2, 1, 1, 3)
        grid.addWidget(QLabel("Mot de passe :"), 3, 0)
        grid.addWidget(self.password, 3, 1)
        grid.addWidget(self.remember, 3, 2, 1, 2)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        grid.addLayout(test_row, 4, 0, 1, 4)
        grid.addWidget(self.result, 5, 0, 1, 4)
        self.result.hide()
        grid.setColumnStretch(1, 1)
        for first, second in zip(self.fields(), self.fields()[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self._tester = workers.Background(self)
        self._tester.finished.connect(self._tested)
        self._tester.failed.connect(self._tested)
        if profile is not None:
            self.set_profile(profile)

    def _line(self, name: str, label: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setAccessibleName(label)
        line.setPlaceholderText(placeholder)
        line.textEdited.connect(lambda _text: self.show_result(""))
        return line

    def fields(self) -> list[QWidget]:
        return [
            self.host,
            self.port,
            self.database,
            self.user,
            self.password,
            self.remember,
            self.test_button,
        ]

    # --- values --------------------------------------------------------------------------
    def set_profile(self, profile: ServerProfile) -> None:
        self.host.setText(profile.host)
        self.port.setValue(profile.port)
        self.database.setText(profile.database)
        self.user.setText(profile.user)
        remembered = server_connection.known_password(profile) or ""
        self.password.setText(remembered)
        self.remember.setChecked(bool(remembered) and self.remember.isEnabled())

    def profile(self) -> ServerProfile:
        return ServerProfile(
            host=self.host.text().strip(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            port=self.port.value(),
        )

    def first_problem(self) -> str:
        """The first thing to fill in (its field focused), or ""."""
        found = server_connection.problems(self.profile())
        widgets = {"host": self.host, "port": self.port, "database": self.database}
        for field, message in found.items():
            widgets.get(field, self.user).setFocus()
            return message
        return ""

    def show_result(self, text: str, *, ok: bool = False, style: str = "") -> None:
        """The test's (or the check's) outcome under the form; "" hides it."""
        self.result.setText(text)
        self.result.setStyleSheet(style or (OK_STYLE if ok else ERROR_STYLE))
        self.result.setVisible(bool(text))

    # --- « Tester la connexion » ---------------------------------------------------------
    def test_connection(self) -> None:
        if problem := self.first_problem():
            self.show_result(problem)
            return
        profile, password = self.profile(), self.password.text()
        self.test_button.setEnabled(False)
        self.show_result(f"Connexion à {profile.where}…", style=HINT_STYLE)
        self._tester.start(lambda: server_connection.check(profile, password))

    def _tested(self, outcome: object) -> None:
        if not shiboken6.isValid(self):
            return
        self.test_button.setEnabled(True)
        if isinstance(outcome, UserFacingError):
            self.show_result(outcome.message)
        elif isinstance(outcome, BaseException):
            log.error("Connection test failed", exc_info=outcome)
            self.show_result("Le test de connexion a échoué (détail dans le journal).")
        else:
            self.show_result(str(outcome), ok=True)

    def wait(self) -> None:
        """Block until a running test has ended (tests); its result comes by the loop."""
        self._tester.wait()

    # --- accepting -----------------------------------------------------------------------
    def verify(self, parent: QWidget | None) -> bool:
        """Check the form and the connection (progress shown meanwhile); keep the password
        for the session (and in the keyring when asked). False, the user told why, else."""
        if problem := self.first_problem():
            dialogs.show_warning(parent, problem)
            return False
        profile, password = self.profile(), self.password.text()
        try:
            workers.run_with_progress(
                parent,
                f"Connexion au serveur du Département ({profile.where})…",
                lambda _progress, _cancelled: server_connection.check(profile, password),
                cancellable=False,
            )
        except UserFacingError as exc:
            self.show_result(exc.message)
            dialogs.show_warning(parent, exc.message)
            return False
        except Exception as exc:
            dialogs.show_error(parent, exc)
            return False
        if not server_connection.keep_password(
            profile, password, remember=self.remember.isChecked()
        ):
            dialogs.show_info(parent, "Le mot de passe n'a pas été mémorisé. " + NO_KEYRING)
        return True


class ServerConnectionDialog(QDialog):
    """« Serveur du Département » on its own: after ``exec()`` Accepted, ``profile`` is the
    base to open (its password kept for the session, or remembered)."""

    def __init__(
        self,
        profile: ServerProfile | None = None,
        parent: QWidget | None = None,
        *,
        reason: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("serverConnectionDialog")
        self.setWindowTitle("Serveur du Département")
        self.profile: ServerProfile | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(10)
        intro = QLabel(
            reason
            or "La base commune du Département, sur son serveur : demandez ces informations "
            "à votre administrateur."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = ServerForm(profile)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox()
        self.connect_button = buttons.addButton(
            "Se connecter", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setObjectName("serverConnect")
        self.connect_button.setDefault(True)
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        (self.form.password if profile else self.form.host).setFocus()

    def confirm(self) -> None:
        if self.form.verify(self):
            self.profile = self.form.profile()
            self.accept()


def ask_server_connection(
    parent: QWidget | None,
    config: WorkstationConfig,
    paths: Paths | None = None,
    *,
    reason: str = "",
) -> ServerProfile | None:
    """The connection dialog, filled with the profile this workstation remembers; the
    profile chosen (its connection tested, its password kept), or None when cancelled.
    The profile is remembered in ``config`` (saved), never its password."""
    dialog = ServerConnectionDialog(ServerProfile.from_config(config.server), parent, reason=reason)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.profile is None:
            return None
        profile = dialog.profile
    finally:
        dialog.form.password.clear()
        dialog.deleteLater()
    remember_profile(config, profile, paths)
    return profile


def remember_profile(
    config: WorkstationConfig, profile: ServerProfile, paths: Paths | None = None
) -> None:
    """Keep the profile in the workstation config (not the password); saved when possible."""
    config.server = profile.as_config()
    try:
        save_config(config, paths)
    except OSError as exc:
        log.warning("Workstation config not saved: %s", exc)


class FailureChoice(StrEnum):
    RETRY = "retry"
    LOCAL = "local"
    QUIT = "quit"


def failure_box(parent: QWidget | None, error: UserFacingError) -> QMessageBox:
    """The start-up's box when the server base cannot be opened (not shown yet)."""
    box = QMessageBox(QMessageBox.Icon.Warning, dialogs.TITLE, error.message, parent=parent)
    box.setObjectName("serverFailureBox")
    box.setStyleSheet(
        "QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel {min-width: 460px;}"
    )
    box.setInformativeText(
        "« Réessayer » vous redemande le mot de passe ; vous pouvez aussi travailler sur une "
        "base locale en attendant, ou quitter."
        if isinstance(error, LoginRefused)
        else "Vous pouvez réessayer, travailler sur une base locale en attendant, ou quitter."
    )
    retry = box.addButton("Réessayer", QMessageBox.ButtonRole.AcceptRole)
    retry.setObjectName(FailureChoice.RETRY.value)
    local = box.addButton("Ouvrir une base locale…", QMessageBox.ButtonRole.ActionRole)
    local.setObjectName(FailureChoice.LOCAL.value)
    quit_button = box.addButton("Quitter", QMessageBox.ButtonRole.RejectRole)
    quit_button.setObjectName(FailureChoice.QUIT.value)
    box.setDefaultButton(retry)
    box.setEscapeButton(quit_button)
    return box


def ask_after_failure(parent: QWidget | None, error: UserFacingError) -> FailureChoice:
    """« Réessayer », « Ouvrir une base locale… » or « Quitter »."""
    box = failure_box(parent, error)
    try:
        box.exec()
        clicked = box.clickedButton()
        name = clicked.objectName() if clicked is not None else ""
        return FailureChoice(name) if name in set(FailureChoice) else FailureChoice.QUIT
    finally:
        box.deleteLater()
