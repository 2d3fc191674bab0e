"""What the parts of the main window share.

:class:`app.ui.main_window.MainWindow` is put together from parts, one module each: its
database actions (:mod:`app.ui.window_databases`), the screens it opens in tabs
(:mod:`app.ui.window_screens`) and the dialogs of its Documents and Administration menus
(:mod:`app.ui.window_dialogs`). :class:`WindowParts` declares the state they share, which
``MainWindow`` builds, and the few methods one part calls in another. At run time it is a
plain mixin; for the type checker, a ``QMainWindow``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow, QWidget

from app.config import Paths
from app.services.actor import Actor
from app.services.storage import Database

if TYPE_CHECKING:
    from app.ui.beneficiary_list import BeneficiaryList
    from app.ui.caseload_view import CaseloadView
    from app.ui.presence_label import PresenceLabel
    from app.ui.window_tabs import TabPage, WindowTabs

    _Base = QMainWindow
else:
    _Base = object

# (parent, location, *, create, shared, remember, paths) -> (database, actor), or None when
# it failed (the opener has already told the user).
Opener = Callable[..., tuple[Database, Actor] | None]


class WindowParts(_Base):
    """The main window's shared state (see module docstring)."""

    db: Database
    actor: Actor
    paths: Paths
    tabs: WindowTabs
    beneficiary_list: BeneficiaryList
    presence_label: PresenceLabel
    _opener: Opener | None
    _presence_wanted: bool
    _caseload_view: CaseloadView | None
    _caseload_page: TabPage

    if TYPE_CHECKING:  # implemented by MainWindow or another part

        def _install_database_view(self) -> None: ...

        def _update_actions(self) -> None: ...

        def current_content(self) -> QWidget | None: ...

        def tab_content(self, kind: str, object_id: uuid.UUID) -> QWidget | None: ...

        def current_beneficiary_id(self) -> uuid.UUID | None: ...

        def restore_backup(self) -> bool: ...
