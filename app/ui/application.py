"""The GUI composition root: Qt application, error hook, database, user, main window.

Start-up order: QApplication (French locale and Qt's French translations) → excepthook →
database (``--db``, else the one this workstation remembers, else the first-run wizard) →
the acting user → the main window, shown → then, once the event loop runs, the case states
brought up to date (granted cases whose job has started are "en cours") and the other
screens preloaded. Switching database from the menu goes through
:func:`app.ui.workspace.open_workspace`, which brings the states up to date before the new
database is shown.

What runs before the window shows is kept free of SQLAlchemy (the list reads through
``Database.rows``): the ORM loads after the first paint, while the user reads the list.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from types import TracebackType

import shiboken6
from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app import APP_NAME, ORG_NAME, __version__
from app.config import Paths, app_paths, load_config
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.ui import dialogs
from app.ui.main_window import MainWindow
from app.ui.widgets import after_first_paint
from app.ui.workspace import open_workspace, refresh_case_states

log = logging.getLogger(__name__)

_showing_error = False


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A bug in a slot is logged and shown; the application keeps running."""
    global _showing_error
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    if _showing_error or QApplication.instance() is None:
        log.error("Unexpected error", exc_info=(exc_type, exc, tb))
        return
    _showing_error = True
    try:
        dialogs.show_error(QApplication.activeWindow(), exc)  # logs it with its traceback
    except Exception:
        log.exception("Could not show the error %r", exc)
    finally:
        _showing_error = False


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    install_translations(app)
    return app


def install_translations(app: QApplication) -> QTranslator | None:
    """Qt's own French texts (Oui/Non, Annuler, the file dialogs); None when absent."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.French), "qtbase", "_", folder):
        app.installTranslator(translator)
        return translator
    log.info("Qt French translations not found in %s", folder)
    return None


def choose_with_wizard(paths: Paths, parent: QWidget | None = None) -> tuple[str, bool] | None:
    """The first-run wizard: (location, shared), or None if the user closed it. The
    département's server is its URL without password (the wizard kept the password)."""
    from app.ui.first_run_wizard import FirstRunWizard

    wizard = FirstRunWizard(paths, parent)
    try:
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return None
        server = getattr(wizard, "server", None)
        if server is not None:
            return server.location, False
        return str(wizard.location), bool(wizard.shared)
    finally:
        wizard.deleteLater()


def open_at_startup(
    db_location: str | None, paths: Paths, parent: QWidget | None = None
) -> tuple[Database, Actor] | None:
    """``--db``, else the remembered database, else the wizard; None when the user quits.

    A known database is never created anew (a disconnected share must not give an empty
    database); after a failure the user may pick another database or quit. A server that
    is silent or refuses the login: :mod:`app.ui.server_startup` offers to retry.
    """
    config = load_config(paths)
    location: str | None = db_location or config.database or None
    shared = config.shared if location and location == config.database else None
    create = False
    while True:
        if location is None:
            chosen = choose_with_wizard(paths, parent)
            if chosen is None:
                return None
            location, shared = chosen
            create = True
        if "://" in location and not location.startswith("file:"):  # the département's server
            from app.ui.server_startup import open_server_at_startup

            outcome = open_server_at_startup(parent, location, paths)
            if isinstance(outcome, tuple):
                return outcome
            if outcome == "quit":
                return None
            location, shared = None, None  # « Ouvrir une base locale… »: the wizard
            continue
        opened = open_workspace(
            parent, location, create=create, shared=shared, paths=paths, refresh_states=False
        )
        if opened is not None:
            return opened
        if not dialogs.ask_yes_no(
            parent,
            f"La base de données « {location} » n'a pas pu être ouverte.\n\n"
            "Voulez-vous choisir une autre base de données ?\n"
            "(Non : Pack Sortie se ferme.)",
        ):
            return None
        location, shared = None, None


def build_main_window(db: Database, actor: Actor, paths: Paths | None = None) -> MainWindow:
    return MainWindow(db, actor, paths=paths or app_paths(), opener=open_workspace)


def start(db_location: str | None, paths: Paths | None = None) -> MainWindow | None:
    """Everything between the QApplication and its event loop; None when the user quit."""
    paths = paths or app_paths()
    opened = open_at_startup(db_location, paths)
    if opened is None:
        log.info("No database opened: quitting")
        return None
    window = build_main_window(*opened, paths=paths)
    window.show()
    after_first_paint(window, lambda: bring_up_to_date(window))
    return window


# Loaded in a background thread once the list is painted, so that the window answers
# while they load (≈ 0.4 s, mostly SQLAlchemy and the mapped classes): no Qt class in them.
PRELOADED_SERVICES = ("app.services.workflow", "app.services.case_view")
# Screens a référent opens first: imported next, on the GUI thread, not on the first click.
PRELOADED_SCREENS = ("app.ui.beneficiary_file", "app.ui.case_view")
_POLL_MS = 15


def bring_up_to_date(window: MainWindow) -> None:
    """The start-up work that can wait for the window: the ORM and the services load in a
    thread; then the case states are brought up to date (the list is read again if some
    moved) and the usual screens imported."""
    log.info("Main window painted (%d beneficiaries listed)", window.beneficiary_list.model.total)
    loader = threading.Thread(target=_import_all, args=(PRELOADED_SERVICES,), daemon=True)
    loader.start()

    def when_loaded() -> None:
        if loader.is_alive():
            QTimer.singleShot(_POLL_MS, window, when_loaded)
            return
        window.offer_demo_rebuild()  # a demo that time overtook: today's, if the user wants
        start_daily_backup(window.db)
        window.start_presence()
        moved = refresh_case_states(window, window.db, window.actor)
        if not shiboken6.isValid(window):
            return  # closed while the states were brought up to date
        if moved:
            window.beneficiary_list.refresh()
        QTimer.singleShot(0, window, preload_screens)

    QTimer.singleShot(_POLL_MS, window, when_loaded)


def start_daily_backup(db: Database) -> threading.Thread | None:
    """Today's automatic copy of the base, in the background (the first opening of the
    day on any station makes it). Not on a read-only or damaged base."""
    if db.path is None or db.read_only or db.damage:
        return None
    path = db.path

    def run() -> None:
        from app.services.backups import daily_backup

        try:
            daily_backup(path)
        except UserFacingError as exc:
            log.warning("Daily backup not made: %s %s", exc, exc.detail)
        except Exception:
            log.exception("Daily backup of %s failed", path)

    thread = threading.Thread(target=run, name="daily-backup", daemon=True)
    thread.start()
    return thread


def preload_screens() -> None:
    _import_all(PRELOADED_SCREENS)
    log.info("Start-up complete: services and screens loaded")


def _import_all(modules: tuple[str, ...]) -> None:
    """Import ahead of need; a failure only means the module loads (and fails) on use."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:
            log.exception("Preloading %s failed", module)


def run_gui(db_location: str | None) -> int:
    app = create_application()
    sys.excepthook = excepthook
    window = start(db_location)
    if window is None:
        return 0
    try:
        return app.exec()
    finally:
        window.db.dispose()
