"""Administration › Conservation: the retention purge, its dry run first.

« Simuler la purge » lists who would be anonymised today and why (nothing changes); the
report can be saved; only then « Anonymiser… » does it, after a backup, in one transaction
(app.services.retention, administrators only). The purge refuses a list that changed since
the dry run shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services import retention
from app.services.actor import Actor
from app.services.retention import Candidate, PurgePlan
from app.services.settings import load_settings
from app.services.storage import Database
from app.services.text import format_date
from app.ui import dialogs, status
from app.ui.caseload_view import RowTable
from app.ui.widgets import RowListModel
from app.ui.workers import run_with_progress

INTRO = (
    "Les personnes sans contact (entretien, décision, échéance ou modification) depuis "
    "{years} an(s), sans dossier ni paiement en cours, sont anonymisées : noms, date de "
    "naissance (l'année reste), adresse, téléphone, courriel, n° allocataire, NIR, IBAN, foyer, "
    "employeur, comptes rendus et motivations sont effacés ; décisions, montants, dates, "
    "bureau et issue restent. Courriers archivés : {letters} (Paramètres). Simulez d'abord."
)


class CandidateModel(RowListModel):
    HEADERS = ("Personne", "N° allocataire", "Dossiers", "Dernier contact", "Dernier évènement")

    _rows: list[Candidate]

    TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole})

    def cells(self, c: Candidate) -> tuple[str, ...]:
        return (
            c.name,
            c.allocataire,
            ", ".join(c.cases),
            format_date(c.last_contact),
            retention.EVENT_LABELS[c.event],
        )


class RetentionTab(QWidget):
    def __init__(self, db: Database, actor: Actor, editable: bool) -> None:
        super().__init__()
        self.setObjectName("retentionTab")
        self._db = db
        self._actor = actor
        self._editable = editable
        self.plan: PurgePlan | None = None
        settings = load_settings(db)
        letters = retention.LETTER_POLICIES.get(settings.anonymised_letters, "conservés")
        self.intro = QLabel(INTRO.format(years=settings.retention_years, letters=letters))
        self.intro.setWordWrap(True)
        self.simulate_button = QPushButton("&Simuler la purge")
        self.simulate_button.setObjectName("simulatePurge")
        self.simulate_button.clicked.connect(self.simulate)
        self.report_button = QPushButton("Enregistrer le &rapport…")
        self.report_button.setObjectName("purgeReport")
        self.report_button.clicked.connect(self.save_report)
        self.purge_button = QPushButton("&Anonymiser…")
        self.purge_button.setObjectName("runPurge")
        self.purge_button.clicked.connect(self.run_purge)
        self.summary = QLabel("Aucune simulation pour l'instant.")
        self.summary.setObjectName("purgeSummary")
        self.summary.setWordWrap(True)
        self.model = CandidateModel(self)
        self.table = RowTable()
        self.table.setObjectName("purgeTable")
        self.table.setModel(self.model)
        for column, width in enumerate((220, 130, 220, 120)):
            self.table.setColumnWidth(column, width)
        buttons = QHBoxLayout()
        buttons.addWidget(self.simulate_button)
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        buttons.addWidget(self.purge_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        count = len(self.plan.candidates) if self.plan else 0
        self.report_button.setEnabled(self.plan is not None)
        self.purge_button.setEnabled(self._editable and count > 0)
        self.purge_button.setText(
            f"&Anonymiser ces {count} personne(s)…" if count else "&Anonymiser…"
        )

    def simulate(self) -> None:
        ok, plan = status.attempt(
            self,
            lambda: run_with_progress(
                self,
                "Simulation de la purge…",
                lambda _progress, _cancelled: retention.plan_purge(self._db, self._actor),
                cancellable=False,
            ),
        )
        if not ok or plan is None:
            return
        self.plan = plan
        self.model.set_rows(plan.candidates)
        self.summary.setText(
            f"{len(plan.candidates)} personne(s) à anonymiser (dernier contact avant le "
            f"{format_date(plan.cutoff)}) ; {plan.kept_open} personne(s) ancienne(s) gardée(s) : "
            f"dossier ou paiement en cours. {plan.letters_text} ({plan.documents} courrier(s))."
        )
        self._update_buttons()

    def save_report(self) -> None:
        if self.plan is None:
            return
        target = dialogs.ask_save_file(
            self, "Enregistrer le rapport de simulation", "Texte (*.txt)", "simulation-purge.txt"
        )
        if not target:
            return
        text = retention.report_text(self.plan, done=False)
        ok, path = status.attempt_db(self, lambda: retention.write_report(Path(target), text))
        if ok:
            dialogs.show_info(self, f"Rapport enregistré : {path}")

    def run_purge(self) -> None:
        if self.plan is None or not self.plan.candidates:
            return
        count = len(self.plan.candidates)
        question = (
            f"Anonymiser définitivement {count} personne(s) ? La base est d'abord sauvegardée ; "
            f"{self.plan.letters_text.lower()}. Cette opération ne se défait qu'en restaurant "
            "la sauvegarde."
        )
        if not dialogs.ask_yes_no(self, question):
            return

        def job(_progress: Any, _cancelled: Any) -> tuple[retention.PurgeResult, Path]:
            result = retention.purge(self._db, self._actor, expected=count)
            text = retention.report_text(result.plan, done=True, backup=result.backup)
            if result.deleted_files:
                text += "\nCourriers supprimés :\n" + "\n".join(result.deleted_files) + "\n"
            path = retention.write_report(retention.default_report_path(self._db, done=True), text)
            return result, path

        ok, done = status.attempt(
            self,
            lambda: run_with_progress(self, "Anonymisation…", job, cancellable=False),
        )
        if ok and done is not None:
            result, path = done
            dialogs.show_info(
                self,
                f"{len(result.plan.candidates)} personne(s) anonymisée(s). Sauvegarde : "
                f"{result.backup or 'aucune'}. Rapport : {path}",
            )
        self.simulate()
