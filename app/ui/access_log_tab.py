"""Administration › Journal des accès: who opened, changed, exported, printed, imported or
purged whose data, filtered by person, user and period, and exported as CSV.

Reads through app.services.access_log (administrators only); the newest entries first, at
most ``SEARCH_LIMIT`` shown (the CSV export has them all)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import access_log
from app.services.access_log import SEARCH_LIMIT, AccessEntry, AccessFilter
from app.services.actor import Actor
from app.services.errors import UserFacingError
from app.services.storage import Database
from app.services.text import format_date
from app.ui import db_wait, dialogs, status
from app.ui.caseload_view import RowTable
from app.ui.date_field import DateField
from app.ui.widgets import ErrorLabel, RowListModel

ANY_USER = "Tous les utilisateurs"


class AccessLogModel(RowListModel):
    HEADERS = ("Date", "Utilisateur", "Poste", "Action", "Personne", "Dossier", "Détails")

    _rows: list[AccessEntry]

    TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole})

    def cells(self, e: AccessEntry) -> tuple[str, ...]:
        at = e.local_at
        return (
            f"{format_date(at.date())} {at:%H:%M}",
            e.who,
            e.workstation,
            e.action_label,
            e.person,
            e.case_reference,
            e.details_text,
        )


class AccessLogTab(QWidget):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("accessLogTab")
        self._db = db
        self._actor = actor
        self.person = QLineEdit()
        self.person.setObjectName("accessPerson")
        self.person.setPlaceholderText("Nom, n° allocataire ou référence du dossier")
        self.person.returnPressed.connect(self.refresh)
        self.user = QComboBox()
        self.user.setObjectName("accessUser")
        self.user.setEditable(True)
        self.since = DateField()
        self.since.setObjectName("accessSince")
        self.until = DateField()
        self.until.setObjectName("accessUntil")
        self.search_button = QPushButton("&Rechercher")
        self.search_button.setObjectName("accessSearch")
        self.search_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("E&xporter en CSV…")
        self.export_button.setObjectName("accessExport")
        self.export_button.clicked.connect(self.export)
        self.error = ErrorLabel()
        self.count = QLabel()
        self.count.setObjectName("accessCount")
        self.model = AccessLogModel(self)
        self.table = RowTable()
        self.table.setObjectName("accessTable")
        self.table.setModel(self.model)
        for column, width in enumerate((125, 190, 100, 170, 170, 130)):
            self.table.setColumnWidth(column, width)

        filters = QHBoxLayout()
        for label, widget in (
            ("Personne", self.person),
            ("Utilisateur", self.user),
            ("Du", self.since),
            ("au", self.until),
        ):
            caption = QLabel(f"{label} :")
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget, 2 if widget is self.person else 0)
        filters.addWidget(self.search_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._fill_users()
        self.refresh()

    def _fill_users(self) -> None:
        ok, found = status.attempt_db(self, lambda: access_log.logins(self._db))
        self.user.clear()
        self.user.addItem(ANY_USER)
        self.user.addItems(found or [])

    def current_filter(self) -> AccessFilter | None:
        """The filter of the fields, or None when a date is wrong (said beside them)."""
        for field, name in ((self.since, "début"), (self.until, "fin")):
            if problem := field.error():
                self.error.set_message(f"Date de {name} : {problem}")
                return None
        user = self.user.currentText().strip()
        return AccessFilter(
            person=self.person.text().strip(),
            user="" if user == ANY_USER else user,
            since=self.since.value(),
            until=self.until.value(),
        )

    def refresh(self) -> None:
        flt = self.current_filter()
        if flt is None:
            return
        self.error.set_message("")
        try:
            entries = db_wait.run_db(self, lambda: access_log.search(self._db, self._actor, flt))
        except UserFacingError as exc:
            self.error.set_message(str(exc))
            return
        self.model.set_rows(entries)
        shown = len(entries)
        self.count.setText(
            f"{shown} entrée(s)"
            + (
                f" (les {SEARCH_LIMIT} plus récentes ; l'export CSV les contient toutes)"
                if shown >= SEARCH_LIMIT
                else ""
            )
        )

    def export(self) -> None:
        flt = self.current_filter()
        if flt is None:
            return
        target = dialogs.ask_save_file(
            self, "Exporter le journal des accès", "CSV (*.csv)", "journal-des-acces.csv"
        )
        if not target:
            return
        ok, count = status.attempt_db(
            self, lambda: access_log.export_csv(self._db, self._actor, flt, Path(target))
        )
        if ok:
            dialogs.show_info(self, f"{count} entrée(s) exportée(s) dans {target}.")
            self.refresh()
