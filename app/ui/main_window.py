"""The main window: menus, toolbar, the tabs and the status bar.

The central widget is a tab widget: two permanent tabs, « Bénéficiaires » (the list) and
« À faire » (the caseload), then one closable tab per opened beneficiary file or case
(opening the same one again shows its tab), and the « Tableau de bord » (the evaluation's
figures and charts) in a closable tab of its own. It only presents and calls services. Opening
another database goes through the opener given by the composition root
(:func:`app.ui.workspace.open_workspace`), the same code path as at start-up; on failure
the current database stays open.

Start-up time: the window imports only what the list needs. The other screens (file,
case, « À faire », « Tableau de bord ») are imported when first opened; they need the ORM,
the list does not (and only the dashboard needs QtSvg and ReportLab's graphics).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStyle,
    QTabBar,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.config import Paths, app_paths
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.visibility import scope_of
from app.ui import dialogs, status
from app.ui.beneficiary_list import BeneficiaryList
from app.ui.presence_label import PresenceLabel

if TYPE_CHECKING:
    from app.ui.caseload_view import CaseloadView

log = logging.getLogger(__name__)

# (parent, location, *, create, shared, remember) -> (database, actor), or None when it
# failed (the opener has already told the user).
Opener = Callable[..., tuple[Database, Actor] | None]

DATABASE_FILTER = "Bases Pack Sortie (*.sqlite *.db);;Tous les fichiers (*)"
_GEOMETRY_KEY = "main_window/geometry"
LIST_TAB, CASELOAD_TAB = 0, 1  # the permanent tabs; every later tab can be closed
BENEFICIARY, CASE, DASHBOARD = "beneficiary", "case", "dashboard"
TabKey = tuple[str, uuid.UUID]
DASHBOARD_KEY: TabKey = (DASHBOARD, uuid.UUID(int=0))  # one dashboard per window


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


class _TabBar(QTabBar):
    """Tabs tall enough for a capital accent (« À faire ») even without a close button:
    the permanent tabs would otherwise be shorter than the others and clip it."""

    def tabSizeHint(self, index: int) -> QSize:
        size = super().tabSizeHint(index)
        return QSize(size.width(), max(size.height(), self.fontMetrics().height() + 14))


class _TabPage(QWidget):
    """One tab: the screen it shows (``content``) with the window's margins around it."""

    def __init__(
        self,
        content: QWidget,
        key: TabKey | None,
        parent: QWidget | None = None,
        *,
        margins: bool = True,
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.key = key
        layout = QVBoxLayout(self)
        if margins:
            layout.setContentsMargins(12, 10, 12, 6)
        else:  # the screen scrolls and keeps its own margins: its scroll bar at the edge
            layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(content)
        self.setFocusProxy(content)

    def set_content(self, content: QWidget) -> None:
        """Show ``content`` instead of the current one (a screen built on first use)."""
        old, self.content = self.content, content
        self.layout().replaceWidget(old, content)
        old.deleteLater()
        self.setFocusProxy(content)


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
        self._caseload_view: CaseloadView | None = None
        self._caseload_page: _TabPage
        self.tabs: QTabWidget
        self._pages: dict[TabKey, _TabPage] = {}

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
        self.action_close_tab = self._action("&Fermer l'onglet", self.close_current_tab, "Ctrl+W")
        self.action_new_case = self._action(
            "Nouveau &dossier pour le bénéficiaire sélectionné…",
            self.new_case_for_selected,
            "Ctrl+Shift+N",
            icon=(theme.ListAdd, std.SP_FileDialogNewFolder),
            icon_text="Nouveau dossier",
        )
        self.action_caseload = self._action(
            "&À faire",
            self.show_caseload,
            "Ctrl+T",
            icon=(theme.MailMarkImportant, std.SP_FileDialogListView),
        )
        self.action_dashboard = self._action(
            "&Tableau de bord",
            self.show_dashboard,
            "Ctrl+D",
            icon=(theme.DocumentPrintPreview, std.SP_FileDialogInfoView),
        )
        self.action_letters_batch = self._action(
            "&Courriers à produire aujourd'hui…", self.show_letters_batch
        )
        self.action_verify_pdf = self._action("&Vérifier un PDF signé…", self.verify_signed_pdf)
        self.action_signer_setup = self._action("Certificat de &signature…", self.configure_signer)
        self.action_settings = self._action("&Paramètres…", self.show_settings)
        self.action_payments = self._action("P&aiements…", self.show_payments)
        self.action_backup = self._action("&Sauvegarder maintenant", self.backup_now)
        self.action_restore = self._action("&Restaurer une sauvegarde…", self.restore_backup)
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
        file_menu.addActions([self.action_backup, self.action_restore])
        file_menu.addSeparator()
        file_menu.addAction(self.action_import)
        file_menu.addSeparator()
        file_menu.addAction(self.action_close_tab)
        file_menu.addAction(self.action_quit)
        people = bar.addMenu("&Bénéficiaires")
        people.addActions([self.action_new_beneficiary, self.action_open_beneficiary])
        people.addSeparator()
        people.addAction(self.action_search)
        cases = bar.addMenu("Do&ssiers")
        cases.addActions([self.action_new_case, self.action_caseload])
        cases.addSeparator()
        cases.addAction(self.action_dashboard)
        docs = bar.addMenu("Docu&ments")
        docs.addActions([self.action_letters_batch, self.action_verify_pdf])
        docs.addSeparator()
        docs.addAction(self.action_signer_setup)
        admin = bar.addMenu("Admi&nistration")
        admin.addActions([self.action_payments, self.action_settings])
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
        toolbar.addActions([self.action_new_case, self.action_caseload, self.action_dashboard])
        toolbar.addSeparator()
        toolbar.addAction(self.action_import)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _create_status_bar(self) -> None:
        bar = self.statusBar()
        self.database_label = _PathLabel(self)
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
        self._pages = {}
        self.beneficiary_list = BeneficiaryList(self.db, self, scope=scope_of(self.actor))
        self.beneficiary_list.openRequested.connect(self.open_beneficiary)
        self.beneficiary_list.countChanged.connect(self._show_count)
        self.beneficiary_list.selectionChanged.connect(lambda _selected: self._update_actions())
        self._caseload_view = None
        self._caseload_page = _TabPage(QWidget(), None)

        tabs = QTabWidget(self)
        tabs.setTabBar(_TabBar(tabs))
        tabs.setObjectName("mainTabs")
        tabs.setDocumentMode(True)
        tabs.setTabsClosable(True)
        tabs.setElideMode(Qt.TextElideMode.ElideRight)
        tabs.setUsesScrollButtons(True)
        tabs.addTab(_TabPage(self.beneficiary_list, None), "Bénéficiaires")
        tabs.addTab(self._caseload_page, "À faire")
        tabs.setTabToolTip(LIST_TAB, "Rechercher un bénéficiaire (Ctrl+F)")
        tabs.setTabToolTip(CASELOAD_TAB, "Ce qui est à faire sur les dossiers suivis (Ctrl+T)")
        bar = tabs.tabBar()
        for index in (LIST_TAB, CASELOAD_TAB):  # permanent: no close button
            for side in (QTabBar.ButtonPosition.RightSide, QTabBar.ButtonPosition.LeftSide):
                if bar.tabButton(index, side) is not None:
                    bar.setTabButton(index, side, None)
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
        self.beneficiary_list.search.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def caseload_view(self) -> CaseloadView:
        """The « À faire » screen, built when first shown."""
        if self._caseload_view is None:
            from app.ui.caseload_view import CaseloadView

            view = CaseloadView(self.db, self.actor, self)
            view.openCaseRequested.connect(self.open_case)
            self._caseload_page.set_content(view)
            self._caseload_view = view
        return self._caseload_view

    def _refresh_caseload(self) -> None:
        """After a change: the « À faire » screen reloads, if it was ever shown; the
        dashboard, if open, reads its figures again (now if shown, else when next shown)."""
        if self._caseload_view is not None:
            self._caseload_view.refresh()
        dashboard = self._pages.get(DASHBOARD_KEY)
        if dashboard is not None:
            dashboard.content.mark_stale()  # type: ignore[attr-defined]

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

    def _page_at(self, index: int) -> _TabPage | None:
        page = self.tabs.widget(index)
        return page if isinstance(page, _TabPage) else None

    def current_content(self) -> QWidget | None:
        page = self._page_at(self.tabs.currentIndex())
        return page.content if page is not None else None

    def tab_content(self, kind: str, object_id: uuid.UUID) -> QWidget | None:
        """The open beneficiary file or case view of this id, if it has a tab."""
        page = self._pages.get((kind, object_id))
        return page.content if page is not None else None

    def current_beneficiary_id(self) -> uuid.UUID | None:
        """The person the « Nouveau dossier » action is for: the open file's, the open
        case's, or the one selected in the list."""
        page = self._page_at(self.tabs.currentIndex())
        if page is None or page.key is None:
            if self.tabs.currentIndex() == LIST_TAB:
                return self.beneficiary_list.selected_id()
            return None
        if page.key[0] == BENEFICIARY:
            return page.key[1]
        detail = getattr(page.content, "detail", None)
        return getattr(detail, "beneficiary_id", None)

    def _show_tab(self, key: TabKey) -> bool:
        page = self._pages.get(key)
        if page is None:
            return False
        self.tabs.setCurrentWidget(page)
        page.content.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _add_tab(self, key: TabKey, content: QWidget, title: str, tooltip: str) -> None:
        page = _TabPage(content, key, margins=key[0] != CASE)
        self._pages[key] = page
        index = self.tabs.addTab(page, title)
        self.tabs.setTabToolTip(index, tooltip)
        self.tabs.setCurrentIndex(index)
        content.setFocus(Qt.FocusReason.OtherFocusReason)

    def _retitle(self, key: TabKey, title: str, tooltip: str) -> None:
        page = self._pages.get(key)
        if page is not None and title:
            index = self.tabs.indexOf(page)
            self.tabs.setTabText(index, title)
            self.tabs.setTabToolTip(index, tooltip)

    def close_tab(self, index: int) -> bool:
        """Close a beneficiary or case tab (the two permanent tabs stay)."""
        page = self._page_at(index)
        if index <= CASELOAD_TAB or page is None:
            return False
        may_close = getattr(page.content, "maybe_close", None)
        if callable(may_close) and not may_close():
            return False
        if page.key is not None:
            self._pages.pop(page.key, None)
        self.tabs.removeTab(index)
        page.deleteLater()
        self._update_actions()
        return True

    def close_current_tab(self) -> bool:
        return self.close_tab(self.tabs.currentIndex())

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

    # --- databases -------------------------------------------------------------------------

    def _damage_banner(self) -> QWidget:
        """A red band above the tabs while the base is damaged (then read-only)."""
        banner = QWidget(self)
        banner.setObjectName("damageBanner")
        banner.setStyleSheet("#damageBanner { background: #b3261e; } QLabel { color: white; }")
        row = QHBoxLayout(banner)
        row.setContentsMargins(12, 6, 12, 6)
        text = QLabel(
            "<b>Base endommagée : ouverte en lecture seule.</b> Rien ne peut y être "
            "enregistré. Restaurez la dernière sauvegarde ou contactez votre administrateur.",
            banner,
        )
        text.setWordWrap(True)
        text.setToolTip(self.db.damage)
        row.addWidget(text, 1)
        button = QPushButton("Restaurer une sauvegarde…", banner)
        button.setEnabled(self.actor.is_admin)
        button.clicked.connect(lambda _checked=False: self.restore_backup())
        row.addWidget(button)
        banner.setVisible(bool(self.db.damage))
        return banner

    def backup_now(self) -> bool:
        from app.ui.backup_actions import backup_now

        return backup_now(self) is not None

    def restore_backup(self) -> bool:
        from app.ui.backup_actions import restore_from_backup

        return restore_from_backup(self)

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
            from app.ui.workspace import open_workspace

            opener = open_workspace
        opened = opener(
            self, location, create=create, shared=shared, remember=remember, paths=self.paths
        )
        if opened is None:
            return False
        old = self.db
        self.presence_label.detach()
        self.db, self.actor = opened
        self._install_database_view()
        if self._presence_wanted:
            self.presence_label.attach(self.db, self.actor)
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
        if not self.switch_database(str(path), shared=False, remember=False):
            return False
        self.offer_demo_rebuild()
        return True

    def offer_demo_rebuild(self) -> bool:
        """A demonstration database that time has overtaken (its cases stopped at the day it
        was built): offer to build it again as of today. True when it was rebuilt."""
        path = self.paths.demo_database
        if self.db.path != path:
            return False
        from app.services.demo_day import demo_is_stale
        from app.services.text import format_date

        try:
            day = demo_is_stale(self.db)
        except UserFacingError as exc:
            log.warning("Could not read the demo's day: %s", exc)
            return False
        if day is None or not dialogs.ask_yes_no(
            self,
            f"La base de démonstration a été préparée au {format_date(day)} : ses dossiers "
            "s'arrêtent à cette date, et tout ce qui suivait paraît en retard aujourd'hui.\n"
            "La préparer à nouveau à la date d'aujourd'hui ? (données fictives ; ce que vous "
            "y avez saisi sera remplacé)",
        ):
            return False
        from app.ui.first_run_wizard import build_demo_database

        self.db.dispose()  # the file is replaced: no connection may keep it open
        if not build_demo_database(self, path):
            return False
        return self.switch_database(str(path), shared=False, remember=False)

    def _build_demo(self, path: Path) -> bool:
        # Same size and seed as the first-run wizard's demonstration database.
        from app.ui.first_run_wizard import DEMO_BENEFICIARIES, build_demo_database

        if not dialogs.ask_yes_no(
            self,
            "La base de démonstration n'existe pas encore sur ce poste.\n"
            f"La préparer maintenant ? Elle contiendra {status.count_text(DEMO_BENEFICIARIES)}"
            " fictifs, pour découvrir l'application sans toucher aux vraies données.",
        ):
            return False
        return build_demo_database(self, path)

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

    def open_selected(self) -> None:
        selected = self.beneficiary_list.selected_id()
        if selected is not None:
            self.open_beneficiary(selected)

    def open_beneficiary(self, beneficiary_id: uuid.UUID) -> None:
        """Show one beneficiary's file in its tab (the tab already open, if any)."""
        key = (BENEFICIARY, beneficiary_id)
        if self._show_tab(key):
            return
        from app.ui.beneficiary_file import BeneficiaryFile

        file = BeneficiaryFile(self.db, self.actor, beneficiary_id, self)
        if not file.loaded:  # the user has been told why
            file.deleteLater()
            return
        file.openCaseRequested.connect(self.open_case)
        file.changed.connect(self._on_beneficiary_changed)
        self._add_tab(key, file, file.title, f"Fiche de {file.name_label.text()}")

    def new_beneficiary(self) -> None:
        """The form for a new person; once saved, the list shows it selected."""
        from app.ui.beneficiary_file import run_beneficiary_dialog

        saved = run_beneficiary_dialog(self, self.db, self.actor, None)
        if saved is not None:
            self.tabs.setCurrentIndex(LIST_TAB)
            self.beneficiary_list.refresh(select=saved)

    def _on_beneficiary_changed(self, beneficiary_id: uuid.UUID) -> None:
        """A file was edited, or a case created from it: the lists and its tab follow."""
        from app.ui.beneficiary_file import BeneficiaryFile

        self.beneficiary_list.refresh()
        self._refresh_caseload()
        file = self.tab_content(BENEFICIARY, beneficiary_id)
        if isinstance(file, BeneficiaryFile):
            self._retitle(
                (BENEFICIARY, beneficiary_id), file.title, f"Fiche de {file.name_label.text()}"
            )
        for key, page in list(self._pages.items()):
            detail = getattr(page.content, "detail", None)
            if key[0] == CASE and getattr(detail, "beneficiary_id", None) == beneficiary_id:
                page.content.reload()  # type: ignore[attr-defined]

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(LIST_TAB)
        self.beneficiary_list.focus_search()

    # --- cases -----------------------------------------------------------------------------

    def open_case(self, case_id: uuid.UUID) -> None:
        """Show one case in its tab (the tab already open, if any)."""
        key = (CASE, case_id)
        if self._show_tab(key):
            return
        from app.ui.case_view import CaseView

        ok, view = status.attempt(self, lambda: CaseView(self.db, self.actor, case_id, self))
        if not ok or view is None:
            return
        if not getattr(view, "loaded", True):  # the user has been told why
            view.deleteLater()
            return
        view.changed.connect(self._on_case_changed)
        view.openBeneficiaryRequested.connect(self.open_beneficiary)
        self._add_tab(key, view, *self._case_tab_texts(view))

    @staticmethod
    def _case_tab_texts(view: QWidget) -> tuple[str, str]:
        """The tab shows the case reference; its tooltip the view's full title."""
        title = str(getattr(view, "title", ""))
        reference = getattr(getattr(view, "detail", None), "reference", "") or title
        return reference, f"Dossier {title}" if not title.startswith("Dossier") else title

    def _on_case_changed(self, case_id: uuid.UUID) -> None:
        """A case changed (saved, decided, meeting added…): refresh what shows it."""
        from app.ui.beneficiary_file import BeneficiaryFile

        view = self.tab_content(CASE, case_id)
        person: uuid.UUID | None = None
        if view is not None:
            self._retitle((CASE, case_id), *self._case_tab_texts(view))
            person = getattr(getattr(view, "detail", None), "beneficiary_id", None)
        self.beneficiary_list.refresh()  # keeps the selection and the place in the list
        self._refresh_caseload()
        for key, page in list(self._pages.items()):
            if key[0] == BENEFICIARY and (person is None or key[1] == person):
                content = page.content
                if isinstance(content, BeneficiaryFile):
                    content.reload_cases()
        self._update_actions()

    def new_case_for_selected(self) -> None:
        """The case editor for the person of the current tab (or selected in the list)."""
        beneficiary_id = self.current_beneficiary_id()
        if beneficiary_id is None or self.db.read_only:
            return
        from app.ui.beneficiary_file import BeneficiaryFile, run_case_editor

        content = self.current_content()
        if isinstance(content, BeneficiaryFile):
            content.new_case()  # refreshes itself, then asks to open the new case
            return
        case_id = run_case_editor(self, self.db, self.actor, beneficiary_id)
        if case_id is None:
            return
        self._on_beneficiary_changed(beneficiary_id)
        file = self.tab_content(BENEFICIARY, beneficiary_id)
        if isinstance(file, BeneficiaryFile):
            file.reload_cases()
        self.open_case(case_id)

    def show_caseload(self) -> None:
        fresh = self._caseload_view is None  # then built (and loaded) by the tab change
        self.tabs.setCurrentIndex(CASELOAD_TAB)
        if not fresh:
            self.caseload_view.refresh()
        self.caseload_view.focus_list()

    def show_dashboard(self) -> QWidget:
        """The « Tableau de bord » tab, built on first use (its figures load in a worker)."""
        if self._show_tab(DASHBOARD_KEY):
            return self._pages[DASHBOARD_KEY].content
        from app.ui.dashboard_tab import DashboardTab

        view = DashboardTab(self.db, self.actor, self)
        view.openCaseRequested.connect(self.open_case)
        self._add_tab(DASHBOARD_KEY, view, "Tableau de bord", "Les chiffres du Pack sortie RSA")
        return view

    # --- documents -------------------------------------------------------------------------

    @property
    def signer_session(self):
        """This window's signing certificate, opened once per session (on first use)."""
        session = self.__dict__.get("_signer_session")
        if session is None:
            from app.ui.signer_setup import SignerSession

            session = self.__dict__["_signer_session"] = SignerSession(self.paths)
        return session

    def show_payments(self) -> None:
        from app.ui import case_widgets
        from app.ui.payments_dialog import PaymentsDialog

        dialog = PaymentsDialog(self.db, self.actor, self)
        try:
            case_widgets.exec_dialog(dialog)
        finally:
            dialog.deleteLater()

    def show_letters_batch(self) -> None:
        from app.ui import case_widgets
        from app.ui.letters_batch import LettersBatchDialog

        dialog = LettersBatchDialog(self.db, self.actor, self.signer_session, self)
        try:
            case_widgets.exec_dialog(dialog)
        finally:
            dialog.deleteLater()
        if dialog.batch_result is not None and dialog.batch_result.produced:
            for key, page in list(self._pages.items()):
                if key[0] == CASE:
                    page.content.reload()  # type: ignore[attr-defined]

    def verify_signed_pdf(self) -> None:
        from app.ui.verify_dialog import verify_file

        verify_file(self, self.db)

    def configure_signer(self) -> None:
        self.signer_session.configure(self)

    # --- administration --------------------------------------------------------------------

    def show_settings(self) -> None:
        if not self.actor.is_admin:
            return
        from app.ui.admin_dialog import AdminDialog

        dialog = AdminDialog(self.db, self.actor, self)
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()

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
