"""The main window's Fichier menu: open another base (new, existing, the demonstration
one), import beneficiaries, and the red band shown while the base is damaged.

Opening another base goes through the opener given by the composition root
(:func:`app.ui.workspace.open_workspace`), the same code path as at start-up; on failure
the current base stays open.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.services.errors import UserFacingError
from app.ui import dialogs, status
from app.ui.window_parts import WindowParts

log = logging.getLogger(__name__)

DATABASE_FILTER = "Bases Pack Sortie (*.sqlite *.db);;Tous les fichiers (*)"


class DatabaseActions(WindowParts):
    """The main window's part that changes which base is open (see module docstring)."""

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

    def open_server_database(self) -> bool:
        """« Serveur du département… »: the connection dialog (tested, password kept), then
        the server's base through the start-up path."""
        from app.config import load_config
        from app.ui.server_dialog import ask_server_connection

        profile = ask_server_connection(self, load_config(self.paths), self.paths)
        return profile is not None and self.switch_database(profile.location)

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
