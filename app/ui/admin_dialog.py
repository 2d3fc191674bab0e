"""Administration: one tab a module — the département's settings (``settings_tab``), the
yearly envelopes (``envelopes_tab``), the scale (``scale_tab``), the letter templates, the
users, the access log and the retention purge; their shared pieces are in ``admin_forms``.

Each tab is saved on its own through its service (settings.save_settings,
envelope.set_envelope, scale.add_scale_version, users.save_user); the services check the
rights and the values, their French messages are shown beside the form. Past scale
versions are read-only: a change of the scale is a new version from today or a later date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import clock
from app.services import envelope as envelope_service
from app.services import scale as scale_service
from app.services import settings as settings_service
from app.services.actor import Actor
from app.services.envelope import EnvelopeStatus
from app.services.scale import ScaleRules
from app.services.settings import OfficeSettings
from app.services.storage import Database
from app.ui import dialogs, status
from app.ui.access_log_tab import AccessLogTab
from app.ui.admin_forms import (
    NOT_ADMIN_NOTE,
    NOTE_STYLE,
    READ_ONLY_NOTE,
    WARNING_STYLE,
    note_label,
)
from app.ui.envelopes_tab import EnvelopesTab
from app.ui.letter_templates_tab import LetterTemplatesTab
from app.ui.retention_tab import RetentionTab
from app.ui.scale_tab import ScaleTab
from app.ui.settings_tab import SettingsTab
from app.ui.users_tab import UsersTab
from app.ui.widgets import (
    INVALID_STYLE,
    fit_to_screen,
)


@dataclass
class _Initial:
    settings: OfficeSettings
    envelopes: list[EnvelopeStatus]
    scales: list[ScaleRules]


class AdminDialog(QDialog):
    """Administration of the database's settings. ``loaded`` is False when they could not be
    read (the user was told) and ``exec()`` then returns Rejected at once."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("adminDialog")
        self.setWindowTitle("Paramètres — Pack Sortie")
        self._db = db
        self._actor = actor
        today = today or clock.today()
        self.editable = actor.is_admin and not db.read_only

        ok, initial = status.attempt_db(parent, self._fetch)
        self.loaded = ok and initial is not None
        if initial is None:
            initial = _Initial(OfficeSettings(), [], [])

        self.setStyleSheet(INVALID_STYLE + NOTE_STYLE + WARNING_STYLE)
        self.settings_tab = SettingsTab(db, actor, initial.settings, self.editable)
        self.envelopes_tab = EnvelopesTab(db, actor, initial.envelopes, self.editable, today)
        self.scale_tab = ScaleTab(db, actor, initial.scales, self.editable, today)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.settings_tab, "&Département et courriers")
        self.tabs.addTab(self.envelopes_tab, "En&veloppes")
        self.tabs.addTab(self.scale_tab, "&Barème")
        self.templates_tab = LetterTemplatesTab(
            db, actor, initial.settings.letter_templates, self.editable
        )
        self.tabs.addTab(self.templates_tab, "&Modèles de courriers")
        self.users_tab = UsersTab(db, actor, self.editable)
        self.tabs.addTab(self.users_tab, "&Utilisateurs")
        if actor.is_admin:  # personal data: the access log and the purge are the admin's
            self.access_log_tab = AccessLogTab(db, actor)
            self.tabs.addTab(self.access_log_tab, "&Journal des accès")
            self.retention_tab = RetentionTab(db, actor, self.editable)
            self.tabs.addTab(self.retention_tab, "&Conservation")

        layout = QVBoxLayout(self)
        if not self.editable:
            notice = note_label(READ_ONLY_NOTE if db.read_only else NOT_ADMIN_NOTE, "warning")
            layout.addWidget(notice)
        layout.addWidget(self.tabs, 1)
        self.close_button = QPushButton("Fermer")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        fit_to_screen(self, 1080, 720)

    def _fetch(self) -> _Initial:
        return _Initial(
            settings_service.load_settings(self._db),
            envelope_service.envelopes_overview(self._db),
            scale_service.list_scales(self._db),
        )

    def exec(self) -> int:
        if not self.loaded:
            return int(QDialog.DialogCode.Rejected)
        return super().exec()

    def reject(self) -> None:
        for tab in (self.settings_tab, self.templates_tab):
            if tab.is_dirty() and not dialogs.ask_yes_no(
                self,
                "Des modifications n'ont pas été enregistrées.\nFermer sans enregistrer ?",
            ):
                self.tabs.setCurrentWidget(tab)
                return
        super().reject()
