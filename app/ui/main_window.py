"""The main window: menus, toolbar, the beneficiary list and the status bar.

It only presents and calls services. Opening another database goes through the opener
given by the composition root (:func:`app.ui.application.open_workspace`), the same code
path as at start-up; on failure the current database stays open.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QStyle, QToolBar, QVBoxLayout, QWidget

from app import APP_NAME, __version__
from app.config import Paths, app_paths
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.ui import dialogs, status
from app.ui.beneficiary_list import BeneficiaryList
from app.ui.workers import JobCancelled, run_with_progress

log = logging.getLogger(__name__)

# (parent, location, *, create, shared, remember) -> (database, actor), or None when it
# failed (the opener has already told the user).
Opener = Callable[..., tuple[Database, Actor] | None]

DATABASE_FILTER = "Bases Pack Sortie (*.sqlite *.db);;Tous les fichiers (*)"
_GEOMETRY_KEY = "main_window/geometry"


def window_settings(paths: Paths) -> QSettings:
    """Window layout of this workstation (not the database's settings)."""
    return QSettings(str(paths.config_dir / "fenetres.ini"), QSettings.Format.IniFormat)


class _PathLabel(QLabel):
    """A label that shortens a long path in the middle instead of widening the window."""

    def minimumSizeHint(self) -> QSize:
        return QSize(60, super().minimumSizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideMiddle, rect.width()
        )
        QPainter(self).drawText(rect, int(self.alignment()), text)


class MainWindow(QMainWindow):
    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        paths: Paths | None = None,
        opener: Opener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.paths = paths or app_paths()
        self._opener = opener
        self.beneficiary_list: BeneficiaryList

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_status_bar()
        self._install_database_view()
        self._restore_geometry()

    # --- construction ----------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | str | None = None,
        icon: tuple[QIcon.ThemeIcon, QStyle.StandardPixmap] | None = None,
        icon_text: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            theme, fallback = icon
            action.setIcon(QIcon.fromTheme(theme, self.style().standardIcon(fallback)))
        if icon_text:
            action.setIconText(icon_text)
        hint = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        label = icon_text or text.replace("&", "").split("\t")[0]
        action.setToolTip(f"{label} ({hint})" if hint else label)
        self.addAction(action)  # shortcuts work even when the toolbar is hidden
        return action

    def _create_actions(self) -> None:
        theme, std = QIcon.ThemeIcon, QStyle.StandardPixmap
        self.action_new_database = self._action("&Nouvelle base locale…", self.new_local_database)
        self.action_open_database = self._action("&Ouvrir une base…", self.open_database_file)
        self.action_demo = self._action("Ouvrir la base de &démonstration", self.open_demo_database)
        self.action_import = self._action(
            "&Importer des bénéficiaires…",
            self.import_beneficiaries,
            icon=(theme.DocumentOpen, std.SP_DialogOpenButton),
            icon_text="Importer…",
        )
        self.action_quit = self._action(
            "&Quitter", self.close, "Ctrl+Q", icon=(theme.ApplicationExit, std.SP_DialogCloseButton)
        )
        self.action_new_beneficiary = self._action(
            "&Nouveau bénéficiaire",
            self.new_beneficiary,
            "Ctrl+N",
            icon=(theme.DocumentNew, std.SP_FileIcon),
        )
        # Enter is handled by the list itself (it must not steal Enter from the search box
        # or the dialogs): the menu only shows it, after the tab.
        self.action_open_beneficiary = self._action(
            "&Ouvrir la fiche\tEntrée",
            self.open_selected,
            icon=(theme.DocumentProperties, std.SP_FileDialogDetailedView),
            icon_text="Ouvrir la fiche",
        )
        self.action_open_beneficiary.setToolTip("Ouvrir la fiche (Entrée)")
        self.action_search = self._action(
            "&Rechercher",
            self.focus_search,
            "Ctrl+F",
            icon=(theme.EditFind, std.SP_FileDialogContentsView),
        )
        self.action_about = self._action(
            "À &propos de Pack Sortie",
            self.show_about,
            icon=(theme.HelpAbout, std.SP_MessageBoxInformation),
        )

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&Fichier")
        file_menu.addActions(
            [self.action_new_database, self.action_open_database, self.action_demo]
        )
        file_menu.addSeparator()
        file_menu.addAction(self.action_import)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        people = bar.addMenu("&Bénéficiaires")
        people.addActions([self.action_new_beneficiary, self.action_open_beneficiary])
        people.addSeparator()
        people.addAction(self.action_search)
        bar.addMenu("&Aide").addAction(self.action_about)

    def _create_toolbar(self) -> None:
        toolbar = QToolBar("Barre d'outils", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.toggleViewAction().setEnabled(False)
        toolbar.addActions([self.action_new_beneficiary, self.action_open_beneficiary])
        toolbar.addSeparator()
        toolbar.addAction(self.action_import)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _create_status_bar(self) -> None:
        bar = self.statusBar()
        self.database_label = _PathLabel(self)
        self.user_label = QLabel(self)
        self.count_label = QLabel(self)
        bar.addWidget(self.database_label, 1)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.count_label)
        for label in (self.database_label, self.user_label, self.count_label):
            label.setContentsMargins(6, 0, 6, 0)

    def _install_database_view(self) -> None:
        """(Re)build what depends on the open database: the list, the title, the status."""
        self.beneficiary_list = BeneficiaryList(self.db, self)
        self.beneficiary_list.openRequested.connect(self.open_beneficiary)
        self.beneficiary_list.countChanged.connect(self._show_count)
        self.beneficiary_list.selectionChanged.connect(
            lambda selected: self.action_open_beneficiary.setEnabled(selected is not None)
        )
        container = QWidget(self)
        layout = QVBoxLayout(container)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addWidget(self.beneficiary_list)
        self.setCentralWidget(container)  # deletes the previous one

        demo = self.paths.demo_database
        self.setWindowTitle(f"{APP_NAME} — {status.database_name(self.db)}")
        self.database_label.setText(status.database_text(self.db, demo))
        self.database_label.setToolTip(self.db.location)
        self.user_label.setText(f"Utilisateur : {self.actor.display}")
        self.user_label.setToolTip(
            f"Session {self.actor.login} sur le poste {self.actor.workstation}"
        )
        self._show_count(self.beneficiary_list.model.total)
        writable = not self.db.read_only
        self.action_new_beneficiary.setEnabled(writable)
        self.action_import.setEnabled(writable)
        self.action_open_beneficiary.setEnabled(False)
        self.beneficiary_list.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_count(self, total: int) -> None:
        self.count_label.setText(status.count_text(total))

    # --- window state ----------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = window_settings(self.paths).value(_GEOMETRY_KEY)
        if not (isinstance(saved, QByteArray) and self.restoreGeometry(saved)):
            self.resize(1280, 760)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = window_settings(self.paths)
        settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
        settings.sync()
        super().closeEvent(event)

    # --- databases -------------------------------------------------------------------------

    def switch_database(
        self,
        location: str,
        *,
        create: bool = False,
        shared: bool | None = None,
        remember: bool = True,
    ) -> bool:
        """Open another database through the start-up path; keep the current one on failure."""
        opener = self._opener
        if opener is None:
            from app.ui.application import open_workspace

            opener = open_workspace
        opened = opener(
            self, location, create=create, shared=shared, remember=remember, paths=self.paths
        )
        if opened is None:
            return False
        old = self.db
        self.db, self.actor = opened
        self._install_database_view()
        if old is not self.db:
            old.dispose()
        log.info("Switched to database %s", self.db.location)
        return True

    def new_local_database(self) -> bool:
        start = str(self.paths.data_dir / "pack-sortie.sqlite")
        chosen = dialogs.ask_save_file(
            self, "Nouvelle base locale", "Bases Pack Sortie (*.sqlite)", start
        )
        if not chosen:
            return False
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".sqlite")
        if path.exists() and not dialogs.ask_yes_no(
            self,
            f"Le fichier « {path.name} » existe déjà.\n"
            "Voulez-vous l'ouvrir tel quel ? (il ne sera pas effacé)",
        ):
            return False
        return self.switch_database(str(path), create=True, shared=False)

    def open_database_file(self) -> bool:
        start = str(self.db.path.parent if self.db.path else self.paths.data_dir)
        chosen = dialogs.ask_open_file(self, "Ouvrir une base Pack Sortie", DATABASE_FILTER, start)
        return bool(chosen) and self.switch_database(chosen)

    def open_demo_database(self) -> bool:
        """The fictitious demonstration database (built on first use, not remembered)."""
        path = self.paths.demo_database
        if not path.exists() and not self._build_demo(path):
            return False
        return self.switch_database(str(path), shared=False, remember=False)

    def _build_demo(self, path: Path) -> bool:
        # Same size and seed as the first-run wizard's demonstration database.
        from app.services.demo import build_demo
        from app.ui.first_run_wizard import DEMO_BENEFICIARIES, DEMO_SEED

        if not dialogs.ask_yes_no(
            self,
            "La base de démonstration n'existe pas encore sur ce poste.\n"
            f"La préparer maintenant ? Elle contiendra {status.count_text(DEMO_BENEFICIARIES)}"
            " fictifs, pour découvrir l'application sans toucher aux vraies données.",
        ):
            return False

        def job(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> object:
            return build_demo(
                path,
                beneficiaries=DEMO_BENEFICIARIES,
                seed=DEMO_SEED,
                replace=True,
                progress=progress,
                cancelled=cancelled,
            )

        try:
            run_with_progress(
                self, "Préparation de la base de démonstration (bénéficiaires fictifs)…", job
            )
        except JobCancelled:
            dialogs.show_info(self, "La préparation de la base de démonstration a été annulée.")
            return False
        except UserFacingError as exc:
            dialogs.show_error(self, exc)
            return False
        return True

    def import_beneficiaries(self) -> None:
        from app.ui.import_dialog import run_import

        try:
            report = run_import(self, self.db, self.actor)
        except UserFacingError as exc:
            dialogs.show_error(self, exc)
            return
        if report is not None:
            self.beneficiary_list.refresh()

    # --- beneficiaries ---------------------------------------------------------------------

    def new_beneficiary(self) -> None:
        self._edit_beneficiary(None)

    def open_selected(self) -> None:
        selected = self.beneficiary_list.selected_id()
        if selected is not None:
            self.open_beneficiary(selected)

    def open_beneficiary(self, beneficiary_id: uuid.UUID) -> None:
        """Show one beneficiary (the single place to change when a case view replaces it)."""
        self._edit_beneficiary(beneficiary_id)

    def _edit_beneficiary(self, beneficiary_id: uuid.UUID | None) -> None:
        from app.ui.beneficiary_dialog import BeneficiaryDialog

        ok, dialog = status.attempt(
            self, lambda: BeneficiaryDialog(self.db, self.actor, beneficiary_id, self)
        )
        if not ok or dialog is None:
            return
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.beneficiary_list.refresh(select=dialog.saved_id or beneficiary_id)
        finally:
            dialog.deleteLater()

    def focus_search(self) -> None:
        self.beneficiary_list.focus_search()

    def show_about(self) -> None:
        actor = self.actor
        dialogs.show_info(
            self,
            f"{APP_NAME} {__version__}\n"
            "Suivi du Pack sortie RSA : accompagnement et aides financières "
            "à la reprise d'emploi.\n\n"
            f"Base de données : {self.db.location}\n"
            f"Mode : {status.mode_text(self.db, self.paths.demo_database)}\n"
            f"Utilisateur : {actor.display} (session {actor.login}, poste {actor.workstation})\n"
            f"Journaux : {self.paths.log_dir}",
            title=f"À propos de {APP_NAME}",
        )
