"""The follow-up's course once the Pack is granted: starting it, suspending and resuming
it, and closing the case at the end of the six months."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLineEdit, QRadioButton, QWidget

from app.services import workflow
from app.services.case_view import CaseDetail
from app.services.text import format_date
from app.ui import case_widgets
from app.ui.decision_frame import DecisionDialog


class StartDialog(DecisionDialog):
    title = "Démarrer le suivi"
    confirm_text = "Démarrer le suivi"
    date_label = "Début du suivi"

    @classmethod
    def intro_for(cls, detail: CaseDetail) -> str:
        return (
            f"L'emploi commence le {format_date(detail.job_start)} : le suivi de six mois démarre."
        )

    def action(self, on: date) -> Callable[[], None]:
        return self.service_call(workflow.start_follow_up, on=on)


class ResumeDialog(DecisionDialog):
    title = "Reprendre le suivi"
    confirm_text = "Reprendre"
    date_label = None

    intro_text = (
        "Reprendre le suivi : les échéances suspendues redeviennent prévues et seront "
        "payées au prochain lot."
    )

    def action(self, on: date) -> Callable[[], None]:
        return self.service_call(workflow.resume, on=on)


class SuspensionDialog(DecisionDialog):
    title = "Suspendre le suivi"
    confirm_text = "Suspendre"
    date_label = "Suspendu à partir du"

    intro_text = "Suspendre le dossier met les paiements en attente sans y mettre fin."

    def _build_body(self) -> None:
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("Par exemple : congé sans solde, arrêt de l'activité…")
        self.add_field("Motif *", "reason", self.reason)
        self.reason.textChanged.connect(lambda _t: self.update_state())
        self.body.addWidget(
            case_widgets.muted(
                "Les échéances prévues sont mises en attente jusqu'à la reprise du suivi."
            )
        )

    def can_confirm(self) -> bool:
        return bool(self.reason.text().strip())

    def action(self, on: date) -> Callable[[], None]:
        return self.service_call(workflow.suspend, self.reason.text(), on=on)


class CompletionDialog(DecisionDialog):
    title = "Clore le dossier"
    confirm_text = "Clore le dossier"
    date_label = "Date de fin"

    @classmethod
    def intro_for(cls, detail: CaseDetail) -> str:
        return (
            f"Fin du dispositif : les six mois de suivi s'achèvent le "
            f"{format_date(detail.six_month_end)}. Indiquez la situation de la personne à la "
            "sortie."
        )

    def _build_body(self) -> None:
        self.employed = QRadioButton("Toujours en emploi")
        self.employed.setObjectName("employedYes")
        self.not_employed = QRadioButton("N'est plus en emploi")
        self.not_employed.setObjectName("employedNo")
        self._group = QButtonGroup(self)
        self._group.addButton(self.employed)
        self._group.addButton(self.not_employed)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.employed)
        row.addWidget(self.not_employed)
        row.addStretch(1)
        self.add_field("Situation à la sortie *", "employed", box)
        self._group.buttonToggled.connect(lambda *_a: self.update_state())

    def can_confirm(self) -> bool:
        return self.employed.isChecked() or self.not_employed.isChecked()

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        return self.service_call(workflow.complete, self.employed.isChecked(), on=on)
