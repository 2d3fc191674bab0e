"""The Fichier menu's « Sauvegarder maintenant » and « Restaurer une sauvegarde… »."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.services import backups
from app.services.presence import refuse_if_others
from app.services.storage import Database
from app.ui import dialogs, status

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

BACKUP_FILTER = "Sauvegardes Pack Sortie (*.sqlite);;Tous les fichiers (*)"
CHOICES_SHOWN = 6


def backup_now(window: MainWindow) -> Path | None:
    """A manual copy of the open base; its place is shown. None when it failed."""
    db: Database = window.db
    if db.path is None:
        return None

    def copy() -> Path:
        return backups.make_backup(db.path, backups.BackupKind.MANUAL)  # type: ignore[arg-type]

    ok, target = status.attempt_db(window, copy)
    if ok and target is not None:
        dialogs.show_info(window, f"Sauvegarde enregistrée :\n{target}")
    return target


def restore_from_backup(window: MainWindow) -> bool:
    """Choose a backup, confirm, replace the base's content, reopen it. True when done."""
    db = window.db
    if db.path is None:
        return False
    path = db.path
    token = window.presence_label.token  # others are told first, before any choice
    ok, _ = status.attempt_db(window, lambda: refuse_if_others(path, "La restauration", token))
    if not ok:
        return False
    found = backups.list_backups(path)[:CHOICES_SHOWN]
    labels = [b.label for b in found] + ["Autre fichier…"]
    index = dialogs.ask_choice(
        window,
        "Quelle sauvegarde voulez-vous restaurer ? (les plus récentes d'abord)"
        if found
        else "Aucune sauvegarde n'a été trouvée à côté de la base : choisissez un fichier.",
        labels,
    )
    if index is None or index < 0:  # cancelled
        return False
    if index < len(found):
        source, when = found[index].path, found[index].label
    else:
        chosen = dialogs.ask_open_file(
            window, "Restaurer une sauvegarde", BACKUP_FILTER, str(backups.backup_folder(path))
        )
        if not chosen:
            return False
        source, when = Path(chosen), Path(chosen).name
    if not dialogs.ask_yes_no(
        window,
        f"Le contenu de « {path.name} » va être remplacé par la sauvegarde :\n{when}\n\n"
        "Tout ce qui a été enregistré depuis sera retiré de la base (une copie de la base "
        "actuelle est gardée dans le dossier des sauvegardes). Les autres postes doivent "
        "avoir fermé Pack Sortie.\n\nRestaurer ?",
    ):
        return False
    window.presence_label.detach()  # this station leaves the base it is about to replace
    db.dispose()  # our own connections closed before the file changes

    def restore() -> Path:
        return backups.restore_backup(path, source, token=token)

    ok, safety = status.attempt_db(window, restore)
    reopened = window.switch_database(str(path))
    if ok and safety is not None:
        log.info("Restored %s from %s", path, source)
        dialogs.show_info(
            window,
            f"La base a été restaurée.\nCopie de la base d'avant la restauration :\n{safety}",
        )
    return bool(ok and reopened)
