"""First start on a workstation: choose the database to work on.

Four choices: create a local database, open a shared one (network drive), connect to the
département's server (:class:`app.ui.server_dialog.ServerForm`, its connection tested before
the wizard closes), or discover the application with a demonstration database (built here,
in a worker, with a progress dialog). The wizard does not open the database: the caller
does, with ``location`` and ``shared``, or ``server`` (a profile, its password kept).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QMouseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Paths
from app.services.server_connection import ServerProfile
from app.services.storage import is_network_path
from app.ui import dialogs, workers
from app.ui.server_dialog import ServerForm

log = logging.getLogger(__name__)

CREATE, OPEN, SERVER, DEMO = "create", "open", "server", "demo"
DEMO_BENEFICIARIES = 30_000
DEMO_SEED = 2017
DATABASE_FILTER = "Base Pack Sortie (*.sqlite *.sqlite3 *.db);;Tous les fichiers (*)"
HINT_STYLE = "color: palette(placeholder-text);"
CARD_STYLE = """
QFrame#choiceCard {
    border: 1px solid palette(mid);
    border-radius: 6px;
    background: palette(base);
}
QFrame#choiceCard[selected="true"] {
    border: 2px solid palette(highlight);
}
"""


class _Choice(QFrame):
    """One choice: a radio button, a one-line explanation and its own inputs."""

    def __init__(self, title: str, explanation: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("choiceCard")
        self.radio = QRadioButton(title)
        font = QFont(self.radio.font())
        font.setBold(True)
        self.radio.setFont(font)
        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        self.explanation.setStyleSheet(HINT_STYLE)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(24, 0, 0, 0)
        self.body.setSpacing(6)
        self.body.addWidget(self.explanation)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addWidget(self.radio)
        layout.addLayout(self.body)
        self.inputs: list[QWidget] = []

    def add_inputs(self, *widgets: QWidget) -> None:
        row = QHBoxLayout()
        row.setSpacing(6)
        for widget in widgets:
            row.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
            self.inputs.append(widget)
        self.body.addLayout(row)

    def add_widget(self, widget: QWidget) -> None:
        self.body.addWidget(widget)
        self.inputs.append(widget)

    def set_selected(self, selected: bool) -> None:
        for widget in self.inputs:
            widget.setEnabled(selected)
        self.setProperty("selected", selected)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # Clicking anywhere on the card chooses it.
        self.radio.setChecked(True)
        super().mousePressEvent(event)


class FirstRunWizard(QDialog):
    """Shown when no database is configured on this workstation.

    After ``exec()`` returns Accepted: ``choice`` is "create", "open", "server" or "demo";
    ``location`` the database file; ``shared`` whether it lives on a shared drive; ``server``
    the département server's profile (None for a file).
    """

    def __init__(self, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Bienvenue dans Pack Sortie")
        self._paths = paths
        self.choice: str = CREATE
        self.location: Path = paths.default_database
        self.shared: bool = False
        self.server: ServerProfile | None = None
        self.setStyleSheet(CARD_STYLE)
        self._build()
        self._on_choice_changed()
        self.resize(640, self.sizeHint().height())

    # --- building ------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.setSpacing(10)

        title = QLabel("Bienvenue dans Pack Sortie")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        intro = QLabel(
            "Aucune base de données n'est encore configurée sur ce poste. "
            "Choisissez comment commencer :"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        # 1. Local database.
        self.create_card = _Choice(
            "Créer une base locale sur ce poste",
            "Les données restent sur cet ordinateur : pour un usage seul ou pour un essai.",
        )
        self.create_path = QLineEdit(str(self._paths.default_database))
        self.create_path.setObjectName("createPath")
        self.create_path.setAccessibleName("Emplacement de la nouvelle base")
        self.create_path.textChanged.connect(self._update_create_note)
        self.create_browse = QPushButton("Changer…")
        self.create_browse.setAutoDefault(False)
        self.create_browse.clicked.connect(self._browse_create)
        self.create_card.add_inputs(self.create_path, self.create_browse)
        self.create_note = QLabel()
        self.create_note.setWordWrap(True)
        self.create_note.setStyleSheet(HINT_STYLE)
        self.create_card.add_widget(self.create_note)
        layout.addWidget(self.create_card)

        # 2. Shared database.
        self.open_card = _Choice(
            "Ouvrir une base partagée (lecteur réseau)",
            "La base commune de votre service, sur un dossier partagé : demandez son "
            "emplacement à votre administrateur.",
        )
        self.open_path = QLineEdit()
        self.open_path.setObjectName("openPath")
        self.open_path.setPlaceholderText("Par exemple S:\\PackSortie\\pack-sortie.sqlite")
        self.open_path.setAccessibleName("Fichier de la base partagée")
        self.open_path.editingFinished.connect(self._detect_shared)
        self.open_browse = QPushButton("Parcourir…")
        self.open_browse.setAutoDefault(False)
        self.open_browse.clicked.connect(self._browse_open)
        self.open_card.add_inputs(self.open_path, self.open_browse)
        self.shared_check = QCheckBox("Base partagée entre plusieurs postes")
        self.shared_check.setObjectName("sharedCheck")
        self.shared_check.setToolTip(
            "Cochée, l'application attend plus longtemps qu'un autre poste libère la base "
            "et écrit plus prudemment sur le réseau."
        )
        self.shared_check.setChecked(True)
        self.open_card.add_widget(self.shared_check)
        layout.addWidget(self.open_card)

        # 3. The département's server.
        self.server_card = _Choice(
            "Serveur du département",
            "La base commune du Département, sur son serveur PostgreSQL : demandez ces "
            "informations à votre administrateur.",
        )
        self.server_form = ServerForm()
        self.server_card.add_widget(self.server_form)
        layout.addWidget(self.server_card)

        # 4. Demonstration.
        self.demo_card = _Choice(
            "Découvrir l'application avec la base de démonstration",
            f"{DEMO_BENEFICIARIES:,} bénéficiaires fictifs".replace(",", "\u202f")
            + " pour se former sans risque ; sa préparation prend quelques instants.",
        )
        layout.addWidget(self.demo_card)

        self._group = QButtonGroup(self)
        for card in self._cards().values():
            self._group.addButton(card.radio)
        self.create_card.radio.setChecked(True)
        self._group.buttonToggled.connect(self._on_choice_changed)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.continue_button = QPushButton("Continuer")
        self.continue_button.setObjectName("continueButton")
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self.confirm)
        self.quit_button = QPushButton("Quitter")
        self.quit_button.setObjectName("quitButton")
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)

        chain = [
            self.create_card.radio,
            self.create_path,
            self.create_browse,
            self.open_card.radio,
            self.open_path,
            self.open_browse,
            self.shared_check,
            self.server_card.radio,
            *self.server_form.fields(),
            self.demo_card.radio,
            self.continue_button,
            self.quit_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._update_create_note()

    # --- state ---------------------------------------------------------------------------
    def _cards(self) -> dict[str, _Choice]:
        return {
            CREATE: self.create_card,
            OPEN: self.open_card,
            SERVER: self.server_card,
            DEMO: self.demo_card,
        }

    def selected_choice(self) -> str:
        return next((c for c, card in self._cards().items() if card.radio.isChecked()), CREATE)

    def select(self, choice: str) -> None:
        """Select a choice programmatically (also used by tests)."""
        self._cards()[choice].radio.setChecked(True)

    def _on_choice_changed(self, *_args: object) -> None:
        current = self.selected_choice()
        for choice, card in self._cards().items():
            card.set_selected(current == choice)
        if self.server_form.isHidden() == (current == SERVER):  # shown only when chosen
            self.server_form.setVisible(current == SERVER)
            QTimer.singleShot(0, self, self._fit_height)  # once the layout has settled
        self.continue_button.setText(
            "Préparer la démonstration" if current == DEMO else "Continuer"
        )

    def _fit_height(self) -> None:
        if (layout := self.layout()) is not None:
            layout.activate()
        self.resize(self.width(), self.sizeHint().height())

    def _update_create_note(self) -> None:
        text = self.create_path.text().strip()
        if text and Path(text).expanduser().exists():
            self.create_note.setText(
                "Une base existe déjà à cet emplacement : elle sera ouverte telle quelle."
            )
        else:
            self.create_note.setText("Le dossier sera créé si nécessaire.")

    def _browse_create(self) -> None:
        path = dialogs.ask_save_file(
            self, "Emplacement de la nouvelle base", DATABASE_FILTER, self.create_path.text()
        )
        if path:
            if not Path(path).suffix:
                path += ".sqlite"
            self.create_path.setText(path)

    def _browse_open(self) -> None:
        start = self.open_path.text().strip() or str(Path.home())
        path = dialogs.ask_open_file(self, "Ouvrir une base Pack Sortie", DATABASE_FILTER, start)
        if path:
            self.open_path.setText(path)
            self._detect_shared()

    def _detect_shared(self) -> None:
        text = self.open_path.text().strip()
        if text and is_network_path(Path(text)):
            self.shared_check.setChecked(True)

    # --- confirm -------------------------------------------------------------------------
    def confirm(self) -> None:
        """Continuer: check the choice's input; build the demo; accept."""
        choice = self.selected_choice()
        if choice == CREATE:
            text = self.create_path.text().strip()
            if not text:
                dialogs.show_warning(self, "Indiquez l'emplacement de la nouvelle base.")
                self.create_path.setFocus()
                return
            location, shared = Path(text).expanduser(), False
            if location.is_dir():
                dialogs.show_warning(
                    self,
                    f"« {location} » est un dossier : indiquez le nom du fichier de la base, "
                    "par exemple pack-sortie.sqlite.",
                )
                self.create_path.setFocus()
                return
        elif choice == OPEN:
            text = self.open_path.text().strip()
            if not text:
                dialogs.show_warning(
                    self, "Choisissez le fichier de la base partagée avec « Parcourir… »."
                )
                self.open_path.setFocus()
                return
            location = Path(text).expanduser()
            if not location.is_file():
                dialogs.show_warning(
                    self,
                    f"Le fichier « {location} » est introuvable. Vérifiez que le lecteur "
                    "réseau est connecté, ou demandez l'emplacement exact à votre administrateur.",
                )
                self.open_path.setFocus()
                return
            shared = self.shared_check.isChecked()
        elif choice == SERVER:
            if not self.server_form.verify(self):  # tested, password kept; else told why
                return
            self.choice, self.server = choice, self.server_form.profile()
            log.info("First run: server %s", self.server.location)
            self.accept()
            return
        else:
            location, shared = self._paths.demo_database, False
            if not self._build_demo(location):
                return
        self.choice, self.location, self.shared = choice, location, shared
        log.info("First run: %s %s (shared=%s)", choice, location, shared)
        self.accept()

    def _build_demo(self, location: Path) -> bool:
        return build_demo_database(self, location)


def build_demo_database(parent: QWidget | None, location: Path) -> bool:
    """Build the demonstration database with a progress dialog (wizard and « Fichier »
    menu alike); False, the user told why, when it was cancelled or failed."""
    from app.services.demo import build_demo

    def job(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> object:
        return build_demo(
            location,
            beneficiaries=DEMO_BENEFICIARIES,
            seed=DEMO_SEED,
            replace=True,
            progress=progress,
            cancelled=cancelled,
        )

    try:
        workers.run_with_progress(
            parent, "Préparation de la base de démonstration (bénéficiaires fictifs)…", job
        )
    except workers.JobCancelled:
        dialogs.show_info(parent, "La préparation de la base de démonstration a été annulée.")
        return False
    except Exception as exc:
        dialogs.show_error(parent, exc)
        return False
    return True
