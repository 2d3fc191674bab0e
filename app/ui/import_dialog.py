"""Import of beneficiaries from a CSV file: choose the file, optionally only check it, run
the import in a worker (progress, cancel), then show the report (counts, rejected lines).

The import itself is app.services.importer.import_file; this module only presents it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import clock
from app.services.actor import Actor
from app.services.errors import DatabaseUnavailable, UserFacingError
from app.services.storage import Database
from app.ui import dialogs, workers

log = logging.getLogger(__name__)

CSV_FILTER = "Fichiers CSV (*.csv *.txt)"
REPORT_FILTER = "Fichiers texte (*.txt)"
HINT_STYLE = "color: palette(placeholder-text);"
IMPORT_AGAIN = 2  # ImportReportDialog result: the user asked for the real import


class RejectedLine(Protocol):
    line_number: int
    reason: str


class ImportReport(Protocol):
    """What app.services.importer.import_file returns (only what is shown here)."""

    created: Any
    updated: Any
    unchanged: Any
    rejected: Sequence[RejectedLine]

    def as_text(self) -> str: ...


def _count(value: Any) -> int:
    """A count, whether the report holds numbers or lists of rows."""
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


# --- step 1: the file and the mode ----------------------------------------------------------
class ImportSetupDialog(QDialog):
    """Confirm the CSV file and the mode; "Contrôler seulement" (checked at first) checks the
    file without writing anything."""

    def __init__(self, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("importSetupDialog")
        self.setWindowTitle("Importer des bénéficiaires")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(10)

        intro = QLabel(
            "Importez une liste de bénéficiaires depuis un fichier CSV (séparateur « ; » ou "
            "« , », encodage UTF-8 ou Windows). Les bénéficiaires déjà connus sont mis à jour ; "
            "les lignes incorrectes sont écartées et listées dans le rapport."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        file_label = QLabel("&Fichier à importer")
        layout.addWidget(file_label)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(path)
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("Choisissez un fichier avec « Parcourir… »")
        self.path_edit.setAccessibleName("Fichier à importer")
        self.path_edit.textChanged.connect(self._update_buttons)
        file_label.setBuddy(self.path_edit)
        self.browse_button = QPushButton("Parcourir…")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)

        self.dry_run_check = QCheckBox("Contrôler seulement (aucun enregistrement)")
        self.dry_run_check.setObjectName("dryRunCheck")
        self.dry_run_check.setChecked(True)
        self.dry_run_check.toggled.connect(self._update_buttons)
        layout.addWidget(self.dry_run_check)
        dry_hint = QLabel(
            "Le rapport indique ce qui serait créé, mis à jour ou écarté, sans rien modifier "
            "dans la base ; vous pourrez ensuite lancer l'import depuis le rapport."
        )
        dry_hint.setWordWrap(True)
        dry_hint.setStyleSheet(HINT_STYLE)
        dry_hint.setContentsMargins(22, 0, 0, 0)
        layout.addWidget(dry_hint)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.start_button = QPushButton()
        self.start_button.setObjectName("startButton")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._start)
        cancel = QPushButton("Annuler")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.start_button)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)
        self._update_buttons()
        self.resize(560, self.sizeHint().height())

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    @property
    def dry_run(self) -> bool:
        return self.dry_run_check.isChecked()

    def browse(self) -> None:
        start = self.path_edit.text().strip() or str(Path.home())
        chosen = dialogs.ask_open_file(
            self, "Fichier de bénéficiaires à importer", CSV_FILTER, start
        )
        if chosen:
            self.path_edit.setText(chosen)
            self.start_button.setFocus()

    def _update_buttons(self) -> None:
        self.start_button.setText("Contrôler le fichier" if self.dry_run else "Importer")
        self.start_button.setEnabled(bool(self.path_edit.text().strip()))

    def _start(self) -> None:
        if not self.path.is_file():
            dialogs.show_warning(self, f"Le fichier « {self.path} » est introuvable.")
            self.path_edit.setFocus()
            return
        self.accept()


# --- step 2: the report ---------------------------------------------------------------------
class RejectedLinesModel(QAbstractTableModel):
    """The rejected lines of an import: Ligne, Motif (read-only)."""

    LINE, REASON = range(2)
    HEADERS = ("Ligne", "Motif")

    def __init__(self, rows: Sequence[RejectedLine] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = list(rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(row.line_number) if column == self.LINE else str(row.reason)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.LINE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


class _CountTile(QFrame):
    def __init__(self, label: str, value: int, *, alert: bool = False) -> None:
        super().__init__()
        self.setObjectName("countTile")
        color = "#b3261e" if alert and value else "palette(text)"
        self.setStyleSheet(
            "QFrame#countTile { border: 1px solid palette(mid); border-radius: 6px;"
            " background: palette(base); }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(0)
        self.value_label = QLabel(_number(value))
        font = QFont(self.value_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value_label.setFont(font)
        self.value_label.setStyleSheet(f"color: {color}; border: none;")
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption = QLabel(label)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        caption.setStyleSheet("border: none;")
        layout.addWidget(self.value_label)
        layout.addWidget(caption)


class ImportReportDialog(QDialog):
    """Counts at the top, rejected lines below; copy or save the full report."""

    def __init__(
        self,
        report: ImportReport,
        *,
        dry_run: bool = False,
        source: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importReportDialog")
        self.report = report
        self.dry_run = dry_run
        self._source = source
        self.setWindowTitle("Rapport de contrôle" if dry_run else "Rapport d'import")
        self.created = _count(report.created)
        self.updated = _count(report.updated)
        self.unchanged = _count(report.unchanged)
        self.rejected_lines = list(report.rejected or [])
        conflicts = list(getattr(report, "conflicts", None) or [])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(10)

        headline = QLabel(self._headline())
        headline.setObjectName("headline")
        headline.setWordWrap(True)
        font = QFont(headline.font())
        font.setBold(True)
        headline.setFont(font)
        layout.addWidget(headline)
        if source is not None:
            file_label = QLabel(f"Fichier : {source}")
            file_label.setStyleSheet(HINT_STYLE)
            file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(file_label)

        tiles = QHBoxLayout()
        tiles.setSpacing(8)
        verbs = ("À créer", "À mettre à jour") if dry_run else ("Créés", "Mis à jour")
        for label, value, alert in (
            (verbs[0], self.created, False),
            (verbs[1], self.updated, False),
            ("Inchangés", self.unchanged, False),
            ("Lignes rejetées", len(self.rejected_lines), True),
            *((("Identités à trancher", len(conflicts), True),) if conflicts else ()),
        ):
            tiles.addWidget(_CountTile(label, value, alert=alert), 1)
        layout.addLayout(tiles)

        self.model = RejectedLinesModel(self.rejected_lines, self)
        self.table = QTableView()
        self.table.setObjectName("rejectedTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName("Lignes rejetées")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(160)

        # The rejected lines first (what the user must correct), then everything the
        # importer noticed (ignored columns, lines to check...) in the full report.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reportTabs")
        rejected_page = QWidget()
        rejected_layout = QVBoxLayout(rejected_page)
        rejected_layout.setContentsMargins(8, 8, 8, 8)
        if self.rejected_lines:
            caption = QLabel(
                "Numéro de ligne dans le fichier et motif du rejet : corrigez ces lignes "
                + (
                    "dans le fichier avant de l'importer."
                    if dry_run
                    else "dans le fichier puis importez-le de nouveau."
                )
            )
            caption.setWordWrap(True)
            rejected_layout.addWidget(caption)
            rejected_layout.addWidget(self.table, 1)
        else:
            self.table.hide()
            none = QLabel("Aucune ligne rejetée.")
            none.setObjectName("noRejected")
            rejected_layout.addWidget(none)
            rejected_layout.addStretch(1)
        self.tabs.addTab(rejected_page, f"Lignes rejetées ({_number(len(self.rejected_lines))})")
        self.full_text = QPlainTextEdit(report.as_text())
        self.full_text.setObjectName("fullReport")
        self.full_text.setReadOnly(True)
        self.full_text.setAccessibleName("Rapport complet")
        self.tabs.addTab(self.full_text, "Rapport complet")
        layout.addWidget(self.tabs, 1)

        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.status.setStyleSheet(HINT_STYLE)
        self.status.setWordWrap(True)
        self.status.hide()  # shown once there is something to say (copied, saved)
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copier le rapport")
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_report)
        self.save_button = QPushButton("Enregistrer le rapport…")
        self.save_button.setObjectName("saveReportButton")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_report)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        self.import_button: QPushButton | None = None
        if dry_run:
            self.import_button = QPushButton("Importer ce fichier")
            self.import_button.setObjectName("importNowButton")
            self.import_button.setAutoDefault(False)
            self.import_button.setToolTip(
                "Lancer l'import réel de ce fichier (les lignes rejetées seront écartées)"
            )
            self.import_button.clicked.connect(lambda: self.done(IMPORT_AGAIN))
            buttons.addWidget(self.import_button)
        close = QPushButton("Fermer")
        close.setObjectName("closeButton")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(760, 560)

    def _headline(self) -> str:
        if self.dry_run:
            return "Contrôle terminé : aucune donnée n'a été enregistrée."
        if getattr(self.report, "conflicts", None):
            return (
                "Import terminé. Des numéros allocataires connus portent une autre identité : "
                "à trancher après ce rapport."
            )
        if self.rejected_lines:
            return (
                "Import terminé. Certaines lignes ont été écartées : corrigez-les puis réimportez."
            )
        return "Import terminé."

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report.as_text())
        self._say("Rapport copié : collez-le dans un courriel ou un document.")

    def save_report(self) -> None:
        stamp = clock.now().strftime("%Y-%m-%d-%H%M")
        folder = self._source.parent if self._source else Path.home()
        suggested = str(folder / f"rapport-import-{stamp}.txt")
        path = dialogs.ask_save_file(
            self, "Enregistrer le rapport d'import", REPORT_FILTER, suggested
        )
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".txt")
        try:
            target.write_text(self.report.as_text(), encoding="utf-8")
        except OSError as exc:
            dialogs.show_error(
                self,
                UserFacingError(
                    f"Impossible d'enregistrer le rapport dans « {target} ». Vérifiez que le "
                    "dossier existe et que vous avez le droit d'y écrire.",
                    detail=str(exc),
                ),
            )
            return
        self._say(f"Rapport enregistré : {target}")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()


# --- the whole flow -------------------------------------------------------------------------
def _run(
    parent: QWidget | None, db: Database, actor: Actor, path: Path, dry_run: bool
) -> ImportReport | None:
    """Run import_file in a worker; None (user told why) when it did not complete."""
    try:
        from app.services.importer import import_file
    except ImportError as exc:
        log.error("Importer unavailable: %s", exc)
        dialogs.show_warning(
            parent, "L'import de bénéficiaires n'est pas disponible dans cette version."
        )
        return None

    def job(progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> Any:
        return import_file(db, actor, path, dry_run=dry_run, progress=progress, cancelled=cancelled)

    label = "Contrôle du fichier en cours…" if dry_run else "Import des bénéficiaires en cours…"
    while True:
        try:
            return workers.run_with_progress(parent, label, job)
        except DatabaseUnavailable as exc:
            if dialogs.ask_retry(parent, exc.message):
                continue
            return None
        except workers.JobCancelled:
            dialogs.show_info(parent, "L'import a été annulé.")
            return None
        except Exception as exc:
            dialogs.show_error(parent, exc)
            return None


def run_import(parent: QWidget | None, db: Database, actor: Actor) -> ImportReport | None:
    """Choose a CSV file, import it (or only check it) and show the report; after a check,
    the report offers to import the file for real.

    Returns the report of the last run, or None when nothing was imported or checked.
    """
    chosen = dialogs.ask_open_file(parent, "Fichier de bénéficiaires à importer", CSV_FILTER)
    if not chosen:
        return None
    setup = ImportSetupDialog(parent, chosen)
    if setup.exec() != QDialog.DialogCode.Accepted:
        return None
    path, dry_run = setup.path, setup.dry_run
    while True:
        report = _run(parent, db, actor, path, dry_run)
        if report is None:
            return None
        log.info(
            "Import of %s (dry_run=%s): %s created, %s updated, %s rejected",
            path,
            dry_run,
            _count(report.created),
            _count(report.updated),
            len(report.rejected or []),
        )
        result = ImportReportDialog(report, dry_run=dry_run, source=path, parent=parent).exec()
        if result == IMPORT_AGAIN and dry_run:
            dry_run = False
            continue
        if not dry_run and getattr(report, "conflicts", None):
            from app.ui.identity_conflicts import decide_identity_conflicts

            decide_identity_conflicts(parent, db, actor, report)  # type: ignore[arg-type]
        return report
