"""The main window: menus, toolbar, the tabs and the status bar.

The central widget is a tab widget (:mod:`app.ui.window_tabs`): two permanent tabs,
« Bénéficiaires » (the list) and « À faire » (the caseload), then one closable tab per
opened beneficiary file or case (opening the same one again shows its tab), and the
« Tableau de bord » (the evaluation's figures and charts) in a closable tab of its own. It
only presents and calls services. The window is put together from parts, one module each
(:mod:`app.ui.window_parts` lists them): changing the open base
(:mod:`app.ui.window_databases`), the screens in its tabs (:mod:`app.ui.window_screens`),
its menus' dialogs (:mod:`app.ui.window_dialogs`); this module builds the actions, menus
and status bar and holds what depends on the open base.

Start-up time: the window imports only what the list needs. The other screens (file,
case, « À faire », « Tableau de bord ») are imported when first opened; they need the ORM,
the list does not (and only the dashboard needs QtSvg and ReportLab's graphics).
"""

from __future__ import annotations

import uuid
from functools import partial

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QStyle, QVBoxLayout, QWidget

from app import APP_NAME
from app.config import Paths, app_paths
from app.services.actor import Actor
from app.services.storage import Database
from app.services.visibility import scope_of
from app.ui import status
from app.ui.beneficiary_list import BeneficiaryList
from app.ui.presence_label import PresenceLabel
from app.ui.window_databases import DATABASE_FILTER, DatabaseActions
from app.ui.window_dialogs import DialogActions
from app.ui.window_menus import PathLabel, fill_menu_bar, make_action, make_toolbar
from app.ui.window_parts import Opener
from app.ui.window_screens import ScreenActions
from app.ui.window_tabs import (
    BENEFICIARY,
    CASE,
    CASELOAD_TAB,
    DASHBOARD,
    DASHBOARD_KEY,
    LIST_TAB,
    TabKey,
    TabPage,
    WindowTabs,
)

__all__ = [
    "BENEFICIARY",
    "CASE",
    "CASELOAD_TAB",
    "DASHBOARD",
    "DASHBOARD_KEY",
    "DATABASE_FILTER",
    "LIST_TAB",
    "MainWindow",
    "Opener",
    "TabKey",
    "window_settings",
]

_GEOMETRY_KEY = "main_window/geometry"


def window_settings(paths: Paths) -> QSettings:
    """Window layout of this workstation (not the database's settings)."""
    return QSettings(str(paths.config_dir / "fenetres.ini"), QSettings.Format.IniFormat)


class MainWindow(DatabaseActions, ScreenActions, DialogActions, QMainWindow):
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
        self._caseload_view = None

        self._create_actions()
        self._create_menus()
        self._create_status_bar()
        self._install_database_view()
        self._restore_geometry()

    # --- construction ----------------------------------------------------------------------

    def _create_actions(self) -> None:
        theme, std = QIcon.ThemeIcon, QStyle.StandardPixmap
        action = partial(make_action, self)
        self.action_new_database = action("&Nouvelle base locale…", self.new_local_database)
        self.action_open_database = action("&Ouvrir une base…", self.open_database_file)
        self.action_server = action("&Serveur du département…", self.open_server_database)
        self.action_demo = action("Ouvrir la base de &démonstration", self.open_demo_database)
        self.action_import = action(
            "&Importer des bénéficiaires…",
            self.import_beneficiaries,
            icon=(theme.DocumentOpen, std.SP_DialogOpenButton),
            icon_text="Importer…",
        )
        self.action_quit = action(
            "&Quitter", self.close, "Ctrl+Q", icon=(theme.ApplicationExit, std.SP_DialogCloseButton)
        )
        self.action_new_beneficiary = action(
            "&Nouveau bénéficiaire",
            self.new_beneficiary,
            "Ctrl+N",
            icon=(theme.DocumentNew, std.SP_FileIcon),
        )
        # Enter is handled by the list itself (it must not steal Enter from the search box
        # or the dialogs): the menu only shows it, after the tab.
        self.action_open_beneficiary = action(
            "&Ouvrir la fiche\tEntrée",
            self.open_selected,
            icon=(theme.DocumentProperties, std.SP_FileDialogDetailedView),
            icon_text="Ouvrir la fiche",
        )
        self.action_open_beneficiary.setToolTip("Ouvrir la fiche (Entrée)")
        self.action_search = action(
            "&Rechercher",
            self.focus_search,
            "Ctrl+F",
            icon=(theme.EditFind, std.SP_FileDialogContentsView),
        )
        self.action_close_tab = action("&Fermer l'onglet", self.close_current_tab, "Ctrl+W")
        self.action_new_case = action(
            "Nouveau &dossier pour le bénéficiaire sélectionné…",
            self.new_case_for_selected,
            "Ctrl+Shift+N",
            icon=(theme.ListAdd, std.SP_FileDialogNewFolder),
            icon_text="Nouveau dossier",
        )
        self.action_caseload = action(
            "&À faire",
            self.show_caseload,
            "Ctrl+T",
            icon=(theme.MailMarkImportant, std.SP_FileDialogListView),
        )
        self.action_dashboard = action(
            "&Tableau de bord",
            self.show_dashboard,
            "Ctrl+D",
            icon=(theme.DocumentPrintPreview, std.SP_FileDialogInfoView),
        )
        self.action_letters_batch = action(
            "&Courriers à produire aujourd'hui…", self.show_letters_batch
        )
        self.action_verify_pdf = action("&Vérifier un PDF signé…", self.verify_signed_pdf)
        self.action_signer_setup = action("Certificat de &signature…", self.configure_signer)
        self.action_settings = action("&Paramètres…", self.show_settings)
        self.action_payments = action("P&aiements…", self.show_payments)
        self.action_backup = action("&Sauvegarder maintenant", self.backup_now)
        self.action_restore = action("&Restaurer une sauvegarde…", self.restore_backup)
        self.action_about = action(
            "À &propos de Pack Sortie",
            self.show_about,
            icon=(theme.HelpAbout, std.SP_MessageBoxInformation),
        )

    def _create_menus(self) -> None:
        fill_menu_bar(
            self.menuBar(),
            [
                (
                    "&Fichier",
                    [
                        [
                            self.action_new_database,
                            self.action_open_database,
                            self.action_server,
                            self.action_demo,
                        ],
                        [self.action_backup, self.action_restore],
                        [self.action_import],
                        [self.action_close_tab, self.action_quit],
                    ],
                ),
                (
                    "&Bénéficiaires",
                    [
                        [self.action_new_beneficiary, self.action_open_beneficiary],
                        [self.action_search],
                    ],
                ),
                (
                    "Do&ssiers",
                    [[self.action_new_case, self.action_caseload], [self.action_dashboard]],
                ),
                (
                    "Docu&ments",
                    [
                        [self.action_letters_batch, self.action_verify_pdf],
                        [self.action_signer_setup],
                    ],
                ),
                ("Admi&nistration", [[self.action_payments, self.action_settings]]),
                ("&Aide", [[self.action_about]]),
            ],
        )
        self.toolbar = make_toolbar(
            self,
            [
                [self.action_new_beneficiary, self.action_open_beneficiary],
                [self.action_new_case, self.action_caseload, self.action_dashboard],
                [self.action_import],
            ],
        )
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _create_status_bar(self) -> None:
        bar = self.statusBar()
        self.database_label = PathLabel(self)
        self.user_label = QLabel(self)
        self.count_label = QLabel(self)
        self.presence_label = PresenceLabel(self)
        self._presence_wanted = False
        bar.addWidget(self.database_label, 1)
        bar.addPermanentWidget(self.presence_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.count_label)
        labels = (self.database_label, self.presence_label, self.user_label, self.count_label)
        for label in labels:
            label.setContentsMargins(6, 0, 6, 0)

    def _install_database_view(self) -> None:
        """(Re)build what depends on the open database: the tabs, the title, the status."""
        self.beneficiary_list = BeneficiaryList(self.db, self, scope=scope_of(self.actor))
        self.beneficiary_list.openRequested.connect(self.open_beneficiary)
        self.beneficiary_list.countChanged.connect(self._show_count)
        self.beneficiary_list.selectionChanged.connect(lambda _selected: self._update_actions())
        self._caseload_view = None
        self._caseload_page = TabPage(QWidget(), None)

        tabs = WindowTabs(self, TabPage(self.beneficiary_list, None), self._caseload_page)
        tabs.tabCloseRequested.connect(self.close_tab)
        tabs.currentChanged.connect(self._on_tab_changed)
        self.tabs = tabs
        self.damage_banner = self._damage_banner()
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.damage_banner)
        column.addWidget(tabs, 1)
        self.setCentralWidget(central)  # deletes the previous one, with its tabs

        demo = self.paths.demo_database
        self.setWindowTitle(f"{APP_NAME} — {status.database_name(self.db)}")
        self.database_label.setText(status.database_text(self.db, demo))
        self.database_label.setToolTip(self.db.location)
        self.user_label.setText(f"Utilisateur : {self.actor.display}")
        self.user_label.setToolTip(
            f"Session {self.actor.login} sur le poste {self.actor.workstation}"
        )
        self._show_count(self.beneficiary_list.model.total)
        self._enable_actions()
        self.beneficiary_list.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enable_actions(self) -> None:
        """What the open base (read-only, on a file, damaged) and the user's roles allow."""
        writable = not self.db.read_only
        self.action_new_beneficiary.setEnabled(writable)
        self.action_import.setEnabled(writable)
        self.action_settings.setEnabled(self.actor.is_admin)
        self.action_payments.setEnabled(self.actor.is_admin or self.actor.is_finance)
        on_file = self.db.path is not None
        self.action_backup.setEnabled(on_file and not self.db.damage)
        self.action_restore.setEnabled(on_file and self.actor.is_admin)
        self.action_restore.setToolTip(
            "Remplacer la base par une sauvegarde"
            if self.actor.is_admin
            else "Réservé aux administrateurs"
        )
        self.action_settings.setToolTip(
            "Paramètres du département, enveloppes et barème"
            if self.actor.is_admin
            else "Réservé aux administrateurs"
        )
        self._update_actions()

    def _on_tab_changed(self, index: int) -> None:
        if index == CASELOAD_TAB:
            self.caseload_view  # noqa: B018 - builds the screen on its first showing
        self._update_actions()

    def _show_count(self, total: int) -> None:
        self.count_label.setText(status.count_text(total))

    def _update_actions(self) -> None:
        """What the actions can do depends on the current tab and the list's selection."""
        on_list = self.tabs.currentIndex() == LIST_TAB
        self.action_open_beneficiary.setEnabled(
            on_list and self.beneficiary_list.selected_id() is not None
        )
        self.action_close_tab.setEnabled(self.tabs.currentIndex() > CASELOAD_TAB)
        self.action_new_case.setEnabled(
            not self.db.read_only and self.current_beneficiary_id() is not None
        )

    # --- tabs ------------------------------------------------------------------------------

    def current_content(self) -> QWidget | None:
        page = self.tabs.current_page()
        return page.content if page is not None else None

    def tab_content(self, kind: str, object_id: uuid.UUID) -> QWidget | None:
        """The open beneficiary file or case view of this id, if it has a tab."""
        return self.tabs.content((kind, object_id))

    def current_beneficiary_id(self) -> uuid.UUID | None:
        """The person the « Nouveau dossier » action is for: the open file's, the open
        case's, or the one selected in the list."""
        page = self.tabs.current_page()
        if page is None or page.key is None:
            if self.tabs.currentIndex() == LIST_TAB:
                return self.beneficiary_list.selected_id()
            return None
        if page.key[0] == BENEFICIARY:
            return page.key[1]
        detail = getattr(page.content, "detail", None)
        return getattr(detail, "beneficiary_id", None)

    def close_tab(self, index: int) -> bool:
        """Close a beneficiary or case tab (the two permanent tabs stay)."""
        if not self.tabs.close_page(index):
            return False
        self._update_actions()
        return True

    def close_current_tab(self) -> bool:
        return self.close_tab(self.tabs.currentIndex())

    # --- backups ---------------------------------------------------------------------------

    def backup_now(self) -> bool:
        from app.ui.backup_actions import backup_now

        return backup_now(self) is not None

    def restore_backup(self) -> bool:
        from app.ui.backup_actions import restore_from_backup

        return restore_from_backup(self)

    # --- window state ----------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = window_settings(self.paths).value(_GEOMETRY_KEY)
        if not (isinstance(saved, QByteArray) and self.restoreGeometry(saved)):
            self.resize(1280, 760)

    def start_presence(self) -> None:
        """Say this station has the base open, and show who else has (kept on switching)."""
        self._presence_wanted = True
        self.presence_label.attach(self.db, self.actor)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.presence_label.detach()
        settings = window_settings(self.paths)
        settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
        settings.sync()
        super().closeEvent(event)
