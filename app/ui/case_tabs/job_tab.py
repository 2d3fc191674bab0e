"""The « Emploi » tab of a case: the employer, the job, its dates, the exit and the
invitation to observations, as label : value pairs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.models.enums import ContractType
from app.services.case_view import CaseDetail
from app.services.text import format_date
from app.services.workflow import describe_notice
from app.ui.case_texts import exit_text
from app.ui.case_widgets import key_value_grid, value_label

FIELDS = [
    ("employer_name", "Employeur"),
    ("employer_address", "Adresse de l'employeur"),
    ("job_title", "Poste"),
    ("contract_type", "Type de contrat"),
    ("weekly_hours", "Durée hebdomadaire"),
    ("request_date", "Date de la demande"),
    ("job_start", "Début de l'emploi"),
    ("trial_end", "Fin de la période d'essai"),
    ("contract_end", "Fin du contrat"),
    ("six_month_end", "Fin des six mois"),
    ("exit", "Sortie"),
    ("observations", "Invitation (observations)"),
]


class JobTab(QWidget):
    """The job's facts; ``job_values`` holds the value label of each field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.job_values: dict[str, QLabel] = {}
        pairs: list[tuple[str, QWidget]] = []
        for key, label in FIELDS:
            widget = value_label(name=f"job_{key}")
            self.job_values[key] = widget
            pairs.append((label, widget))
        layout.addLayout(key_value_grid(pairs, columns=2))
        layout.addStretch(1)

    def show_case(self, d: CaseDetail) -> None:
        exit_ = f"{format_date(d.end_date)} — {exit_text(d)}" if d.end_date else ""
        notice = describe_notice(d)
        values = {
            "employer_name": d.employer_name,
            "employer_address": d.employer_address,
            "job_title": d.job_title,
            "contract_type": d.contract_type,
            "weekly_hours": d.weekly_hours,
            "request_date": format_date(d.request_date),
            "job_start": format_date(d.job_start),
            "trial_end": format_date(d.trial_end),
            "contract_end": format_date(d.contract_end)
            or ("Sans fin (CDI)" if d.contract_type == ContractType.CDI.label else ""),
            "six_month_end": format_date(d.six_month_end),
            "exit": exit_,
            "observations": notice[:1].upper() + notice[1:],
        }
        for key, widget in self.job_values.items():
            widget.setText(values.get(key) or "—")
