"""The request's way to the grant: submitting it to validation, then granting it with the
schedule month by month and each year's envelope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QVBoxLayout, QWidget

from app.models.enums import Component
from app.services import workflow
from app.services.case_view import CaseDetail
from app.services.cases import GrantPreview, grant_preview
from app.services.eligibility import RuleStatus
from app.services.errors import UserFacingError
from app.services.text import format_cents
from app.ui import db_wait
from app.ui.case_widgets import (
    ERROR_NOTICE,
    OK_NOTICE,
    RIGHT,
    WARNING_NOTICE,
    Column,
    RecordTableModel,
    make_table,
    month_label,
    notice,
    section_title,
)
from app.ui.decision_frame import DecisionDialog, eligibility_notice
from app.ui.motivation_edit import MotivationEdit
from app.ui.widgets import ERROR_COLOR

OVER_COLOUR = QColor(ERROR_COLOR)

Row = dict[str, Any]


def _asked(detail: CaseDetail) -> int:
    return sum(a.total_cents for a in detail.aids)


def submit_intro(detail: CaseDetail) -> str:
    return (
        "Soumettre la demande à validation ? Le dossier ne pourra plus être modifié ; "
        f"une personne habilitée décidera de l'attribution ({format_cents(_asked(detail))} "
        "demandés)."
    )


class SubmitDialog(DecisionDialog):
    title = "Soumettre à validation"
    confirm_text = "Soumettre"
    date_label = "Date de soumission"

    @classmethod
    def intro_for(cls, detail: CaseDetail) -> str:
        return submit_intro(detail)

    def _build_body(self) -> None:
        label = eligibility_notice(
            self.detail, "Le valideur devra motiver un refus si rien ne change."
        )
        if label is not None:
            self.body.addWidget(label)

    def action(self, on: date) -> Callable[[], None]:
        return self.service_call(workflow.submit, on=on)


def schedule_rows(preview: GrantPreview) -> tuple[list[Component], list[Row]]:
    """The components paid, and a row a month (cents by component, its total), then the
    total row."""
    components = [c for c in Component if any(i.component is c for i in preview.schedule)]
    months = sorted({i.due_month for i in preview.schedule})
    rows: list[Row] = []
    for month in months:
        row: Row = {"label": month_label(month), "total": 0, "bold": False}
        for c in components:
            cents = sum(
                i.amount_cents
                for i in preview.schedule
                if i.due_month == month and i.component is c
            )
            row[c.value] = cents
            row["total"] += cents
        rows.append(row)
    total_row: Row = {"label": "Total", "bold": True}
    for c in components:
        total_row[c.value] = sum(r[c.value] for r in rows)
    total_row["total"] = sum(r["total"] for r in rows)
    rows.append(total_row)
    return components, rows


def schedule_columns(components: list[Component]) -> list[Column]:
    def amount(key: str) -> Callable[[Row], str]:
        return lambda r: format_cents(r[key]) if r[key] else "—"

    columns = [Column("Mois", lambda r: r["label"], bold=lambda r: r["bold"])]
    columns += [
        Column(c.label, amount(c.value), RIGHT, bold=lambda r: r["bold"]) for c in components
    ]
    columns.append(Column("Total", amount("total"), RIGHT, bold=lambda r: True))
    return columns


def envelope_rows(preview: GrantPreview) -> tuple[list[Row], list[str]]:
    """A row a year (voted, committed, this case's need, what remains after), and what
    stops the grant (an envelope not voted or too short), in French."""
    envelopes: list[Row] = []
    problems: list[str] = []
    for env in preview.envelopes:
        need = preview.needs.get(env.year, 0)
        short = env.amount_cents is None or need > env.remaining_cents
        envelopes.append(
            {
                "year": env.year,
                "amount": format_cents(env.amount_cents)
                if env.amount_cents is not None
                else "Non votée",
                "committed": format_cents(env.committed_cents),
                "need": format_cents(need),
                "after": format_cents(env.remaining_cents - need)
                if env.amount_cents is not None
                else "—",
                "short": short,
            }
        )
        if env.amount_cents is None:
            problems.append(
                f"Aucune enveloppe n'est votée pour {env.year} : un administrateur doit "
                "la saisir dans les paramètres."
            )
        elif short:
            problems.append(
                f"L'enveloppe {env.year} ne suffit pas : il reste "
                f"{format_cents(max(env.remaining_cents, 0))} pour {format_cents(need)} "
                "demandés."
            )
    return envelopes, problems


ENVELOPE_COLUMNS = [
    Column("Année", lambda e: str(e["year"])),
    Column("Enveloppe votée", lambda e: e["amount"], RIGHT),
    Column("Déjà engagé", lambda e: e["committed"], RIGHT),
    Column("Ce dossier", lambda e: e["need"], RIGHT),
    Column(
        "Reste après décision",
        lambda e: e["after"],
        RIGHT,
        colour=lambda e: OVER_COLOUR if e["short"] else None,
        bold=lambda e: e["short"],
    ),
]


class GrantDialog(DecisionDialog):
    """The schedule month by month, each year's envelope, then the grant."""

    title = "Accorder le Pack sortie"
    confirm_text = "Accorder"
    dialog_width = 720

    intro_text = (
        "Vérifiez l'échéancier et l'enveloppe de chaque année avant d'accorder. La "
        "décision sera numérotée et datée ; le courrier d'attribution reprendra cet "
        "échéancier."
    )

    def _build_body(self) -> None:
        self.preview: GrantPreview | None = None
        label = eligibility_notice(  # rules to check: under « Attestation du valideur »
            self.detail, "Le Pack ne peut pas être accordé : motivez un refus.", to_check=False
        )
        if label is not None:
            self.body.addWidget(label)
        self.body.addWidget(section_title("Échéancier"))
        self.schedule_model = RecordTableModel([])
        self.schedule_table = make_table(self.schedule_model, stretch=0, name="scheduleTable")
        self.body.addWidget(self.schedule_table, 1)
        self.body.addWidget(section_title("Enveloppes annuelles"))
        self.envelope_model = RecordTableModel(ENVELOPE_COLUMNS)
        self.envelope_table = make_table(self.envelope_model, stretch=0, name="envelopeTable")
        self.body.addWidget(self.envelope_table)
        self.fit_label = notice()
        self.fit_label.setObjectName("fitNotice")
        self.body.addWidget(self.fit_label)
        self.body.addWidget(self._build_statement())
        assert self.on_field is not None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.refresh_preview)
        self.on_field.textChanged.connect(lambda _text: self._timer.start())
        self.refresh_preview()

    def _build_statement(self) -> QWidget:
        """The validator's statement, asked only when facts remain to check."""
        self.statement_box = QWidget()
        box = QVBoxLayout(self.statement_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(section_title("Attestation du valideur"))
        self.checks_label = notice("", WARNING_NOTICE)
        self.checks_label.setObjectName("checksNotice")
        box.addWidget(self.checks_label)
        self.statement = MotivationEdit(
            "Ce que vous avez vérifié et pourquoi le Pack est accordé malgré tout (pièces "
            "vues, date de l'échange avec la CAF…). Ce texte est conservé avec la décision.",
            lines=4,
        )
        self.statement.setObjectName("statement")
        self.statement.setAccessibleName("Attestation du valideur")
        self.statement.changed.connect(self.update_state)
        box.addWidget(self.statement)
        self.statement_box.hide()
        return self.statement_box

    def done(self, result: int) -> None:
        self._timer.stop()  # a closed dialog asks for no more previews
        super().done(result)

    def refresh_preview(self) -> None:
        assert self.on_field is not None
        on = self.on_field.value()
        if on is None:
            return
        try:
            preview = db_wait.run_db(self, lambda: grant_preview(self._db, self._case_id, on))
        except UserFacingError as exc:
            self.preview = None
            self.fit_label.setText(exc.message)
            self.fit_label.setStyleSheet(ERROR_NOTICE)
            self.update_state()
            return
        self.preview = preview
        self._show_preview(preview)
        self.update_state()

    def _show_preview(self, preview: GrantPreview) -> None:
        components, rows = schedule_rows(preview)
        old_model = self.schedule_model
        self.schedule_model = RecordTableModel(schedule_columns(components), self)
        self.schedule_model.set_rows(rows, ids=[None] * len(rows))
        self.schedule_table.setModel(self.schedule_model)
        old_model.deleteLater()
        header_view = self.schedule_table.horizontalHeader()
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        rows_height = self.schedule_table.verticalHeader().defaultSectionSize() * len(rows)
        self.schedule_table.setFixedHeight(
            min(rows_height + header_view.sizeHint().height() + 4, 320)
        )

        envelopes, problems = envelope_rows(preview)
        self.envelope_model.set_rows(envelopes, ids=[e["year"] for e in envelopes])
        rows_height = self.envelope_table.verticalHeader().defaultSectionSize() * len(envelopes)
        header = self.envelope_table.horizontalHeader().sizeHint().height()
        self.envelope_table.setFixedHeight(rows_height + header + 4)
        if preview.fits:
            self.fit_label.setText(
                f"Le Pack ({format_cents(rows[-1]['total'])}) tient dans l'enveloppe de "
                + ("chaque année concernée." if len(envelopes) > 1 else f"{envelopes[0]['year']}.")
            )
            self.fit_label.setStyleSheet(OK_NOTICE)
        else:
            self.fit_label.setText(
                "\n".join(problems) + "\nLe Pack ne peut pas être accordé en l'état."
            )
            self.fit_label.setStyleSheet(ERROR_NOTICE)

        checks = preview.checks
        self.statement_box.setVisible(checks.needs_statement)
        if checks.needs_statement:
            self.checks_label.setText(checks.request())
        elif checks.earlier_years and preview.fits:
            self.fit_label.setText(
                self.fit_label.text() + "\nVersement en rappel : " + " ".join(checks.charges())
            )
            self.fit_label.setStyleSheet(WARNING_NOTICE)

    def can_confirm(self) -> bool:
        return (
            self.preview is not None
            and self.preview.fits
            and self.detail.eligibility.status is not RuleStatus.FAILED
            and (not self.preview.checks.needs_statement or self.statement.is_enough())
        )

    def action(self, on: date) -> Callable[[], workflow.DecisionInfo]:
        needed = self.preview is not None and self.preview.checks.needs_statement
        statement = self.statement.text() if needed else ""
        return self.service_call(workflow.grant, on=on, statement=statement)
