"""The decisions that must be motivated: refusing the Pack, inviting the person to present
observations before an early end, and the early end itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton

from app.services import workflow
from app.services.case_view import CaseDetail
from app.services.settings import load_settings
from app.services.text import format_date
from app.services.workflow import MIN_MOTIVATION, ExitReason
from app.ui import case_widgets, status
from app.ui.case_widgets import ERROR_NOTICE, INFO_NOTICE, OK_NOTICE, WARNING_NOTICE, notice
from app.ui.decision_frame import DecisionDialog
from app.ui.motivation_edit import MotivationEdit

EARLY_END_RULE = (
    "Sauf lorsque la personne le demande elle-même, la fin anticipée doit être "
    "précédée d'une invitation à présenter ses observations, et le délai laissé "
    "pour répondre doit être écoulé."
)


class MotivatedDecision(DecisionDialog):
    """A decision that cannot be confirmed before its motivation is long enough."""

    motivation: MotivationEdit

    def add_motivation(self, label: str, placeholder: str) -> MotivationEdit:
        self.motivation = MotivationEdit(placeholder)
        self.add_field(label, "motivation", self.motivation)
        self.motivation.changed.connect(self.update_state)
        return self.motivation

    def can_confirm(self) -> bool:
        return self.motivation.is_enough()


class RefusalDialog(MotivatedDecision):
    title = "Refuser le Pack sortie"
    confirm_text = "Refuser"
    dialog_width = 640

    @classmethod
    def intro_for(cls, detail: CaseDetail) -> str:
        return (
            "Un refus est une décision motivée : exposez les faits et les règles qui le "
            f"fondent ({MIN_MOTIVATION} caractères au moins). Le courrier de refus reprendra "
            "ce texte."
        )

    def _build_body(self) -> None:
        self.add_motivation(
            "Motivation *",
            "Exposez les faits et les règles qui fondent le refus : ce texte figurera "
            "dans le courrier.",
        )
        failed = self.detail.eligibility.failed
        self.insert_button = QPushButton("Reprendre les conditions non remplies")
        self.insert_button.setObjectName("insertFailedRules")
        self.insert_button.setAutoDefault(False)
        self.insert_button.setEnabled(bool(failed))
        self.insert_button.setToolTip(
            "Insère l'explication de chaque condition non remplie, à compléter."
            if failed
            else "Aucune condition n'est signalée comme non remplie."
        )
        self.insert_button.clicked.connect(self.insert_failed_rules)
        row = QHBoxLayout()
        row.addWidget(self.insert_button)
        row.addStretch(1)
        self.form.addRow("", row)

    def failed_rules_text(self) -> str:
        failed = self.detail.eligibility.failed
        lines = [f"– {r.title} : {r.explanation}" for r in failed]
        return "Le Pack sortie ne peut pas vous être accordé :\n" + "\n".join(lines)

    def insert_failed_rules(self) -> None:
        self.motivation.insert(self.failed_rules_text())

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        return self.service_call(workflow.refuse, self.motivation.text(), on=on)


class ObservationsDialog(MotivatedDecision):
    title = "Inviter à présenter des observations"
    confirm_text = "Décider l'invitation"
    date_label = "Date de la décision"
    dialog_width = 620

    intro_text = (
        "Avant de mettre fin au Pack avant terme (sauf à sa demande), la personne est "
        "invitée par courrier à présenter ses observations sur les motifs envisagés."
    )

    def _build_body(self) -> None:
        self.delay_days = 15
        ok, settings = status.attempt_db(self.parentWidget(), lambda: load_settings(self._db))
        if ok and settings is not None:
            self.delay_days = settings.observations_delay_days
        self.add_motivation(
            "Motifs envisagés *",
            "Les faits qui conduisent à envisager la fin du Pack (ce texte figurera dans "
            "le courrier).",
        )
        self.deadline_label = notice("", INFO_NOTICE)
        self.deadline_label.setObjectName("deadlineNotice")
        self.body.addWidget(self.deadline_label)
        self._show_deadline()

    def _show_deadline(self) -> None:
        self.deadline_label.setText(
            f"La personne disposera de {self.delay_days} jours pour présenter ses observations, "
            "comptés à partir de l'envoi du courrier : produisez-le ensuite (onglet "
            "Documents). La fin anticipée ne pourra être décidée qu'après ce délai."
        )

    def action(self, on: date) -> Callable[[], None]:
        return self.service_call(workflow.invite_observations, self.motivation.text(), on=on)


class EarlyEndDialog(MotivatedDecision):
    title = "Mettre fin avant terme"
    confirm_text = "Mettre fin au Pack"
    dialog_width = 660

    intro_text = (
        "La fin anticipée est une décision motivée, notifiée par courrier ; elle annule "
        "les échéances restantes."
    )

    def _build_body(self) -> None:
        self.reason = QComboBox()
        self.reason.setObjectName("reason")
        self.reason.addItem("Choisissez le motif…", None)
        for reason in ExitReason:
            self.reason.addItem(reason.label, reason.value)
        self.add_field("Motif de sortie *", "reason", self.reason)
        self.notice_label = notice()
        self.notice_label.setObjectName("noticeStatus")
        self.form.addRow("", self.notice_label)
        self.add_motivation(
            "Motivation *",
            "Les faits, les observations reçues et les règles qui fondent la décision.",
        )
        self.body.addWidget(
            case_widgets.muted(
                "Les échéances prévues ou suspendues seront annulées ; les échéances déjà "
                "mandatées ou payées restent acquises."
            )
        )
        self.reason.currentIndexChanged.connect(self._refresh_notice)
        assert self.on_field is not None
        self.on_field.textChanged.connect(lambda _t: self._refresh_notice())
        self._refresh_notice()

    def selected_reason(self) -> ExitReason | None:
        value = self.reason.currentData()
        return ExitReason(value) if value else None

    def _refresh_notice(self) -> None:
        text, style = self._notice()
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(style)
        self.update_state()

    def _notice(self) -> tuple[str, str]:
        """What the rule on observations says of this case at the date entered, and the
        notice's style."""
        reason = self.selected_reason()
        d = self.detail
        assert self.on_field is not None
        on = self.on_field.value() or self.today
        obstacle = workflow.observations_obstacle(d, on)
        if reason is None:
            return EARLY_END_RULE, INFO_NOTICE
        if not reason.needs_observations:
            text = "Fin à la demande de la personne : aucune invitation préalable n'est requise."
            return text, OK_NOTICE
        if d.observations_invited_on is None:
            text = (
                EARLY_END_RULE + "\nAucune invitation n'a été décidée pour ce dossier : "
                "utilisez d'abord « Inviter à présenter des observations »."
            )
            return text, ERROR_NOTICE
        if obstacle is not None:
            text = EARLY_END_RULE + "\n" + obstacle
            if d.observations_deadline is not None and d.observations_sent_on is not None:
                after = d.observations_deadline + timedelta(days=1)
                text += f" La fin anticipée est possible à partir du {format_date(after)}."
            return text, WARNING_NOTICE
        text = (
            "Invitation à présenter des observations envoyée le "
            f"{format_date(d.observations_sent_on)} ; le délai a pris fin le "
            f"{format_date(d.observations_deadline)}."
        )
        return text, OK_NOTICE

    def can_confirm(self) -> bool:
        return self.selected_reason() is not None and super().can_confirm()

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        reason = self.selected_reason()
        assert reason is not None
        motivation = self.motivation.text()
        return self.service_call(workflow.end_early, reason, motivation, on=on)
