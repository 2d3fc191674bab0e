"""« Modèles de courriers »: the editable text of each letter kind, with its placeholders.

The mandatory mentions are printed outside these texts (app.services.letter_pdf), so an
administrator can rephrase a letter but never remove its legal content.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import DocumentKind
from app.services import settings as settings_service
from app.services.actor import Actor
from app.services.letter_text import DEFAULT_TEMPLATES, PLACEHOLDERS, unknown_placeholders
from app.services.storage import Database
from app.ui.status import attempt_inline

MANDATORY_NOTE = (
    "Les mentions obligatoires (en-tête, références, motifs de la décision, base légale, "
    "signataire et qualité, mention de signature électronique, voies et délais de recours) "
    "sont ajoutées automatiquement autour de ce texte : elles ne peuvent pas être supprimées."
)


class LetterTemplatesTab(QWidget):
    def __init__(
        self, db: Database, actor: Actor, templates: dict[str, str], editable: bool
    ) -> None:
        super().__init__()
        self._db, self._actor = db, actor
        self._saved = dict(templates)
        self._edited = dict(templates)
        self.kind = QComboBox()
        for value in DEFAULT_TEMPLATES:
            self.kind.addItem(DocumentKind(value).label, value)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(not editable)
        self.text.setTabChangesFocus(True)
        self.placeholders = QListWidget()
        for name, meaning in PLACEHOLDERS.items():
            item = QListWidgetItem(f"{{{name}}} — {meaning}")
            item.setData(256, name)
            self.placeholders.addItem(item)
        self.placeholders.setToolTip("Double-cliquez pour insérer à l'emplacement du curseur.")
        self.placeholders.itemDoubleClicked.connect(self._insert)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b3261e;")
        self.reset_button = QPushButton("Rétablir le texte d'origine")
        self.reset_button.setEnabled(editable)
        self.reset_button.clicked.connect(self.reset_current)
        self.save_button = QPushButton("&Enregistrer les modèles")
        self.save_button.setEnabled(editable)
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        note = QLabel(MANDATORY_NOTE)
        note.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(QLabel("Courrier :"))
        left.addWidget(self.kind)
        left.addWidget(self.text, 1)
        left.addWidget(self.warning)
        right = QVBoxLayout()
        right.addWidget(QLabel("Champs disponibles :"))
        right.addWidget(self.placeholders, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.saved_label)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)

        self.kind.currentIndexChanged.connect(self._show_kind)
        self.text.textChanged.connect(self._remember)
        self._show_kind()

    def current_kind(self) -> str:
        return str(self.kind.currentData())

    def _show_kind(self) -> None:
        kind = self.current_kind()
        self.text.blockSignals(True)
        self.text.setPlainText(self._edited.get(kind) or DEFAULT_TEMPLATES[kind])
        self.text.blockSignals(False)
        self._check()

    def _remember(self) -> None:
        kind, value = self.current_kind(), self.text.toPlainText()
        if value.strip() == DEFAULT_TEMPLATES[kind].strip():
            self._edited.pop(kind, None)
        else:
            self._edited[kind] = value
        self.saved_label.clear()
        self._check()

    def _check(self) -> None:
        unknown = unknown_placeholders(self.text.toPlainText())
        self.warning.setText(
            "Champs inconnus, imprimés tels quels : " + ", ".join(f"{{{u}}}" for u in unknown)
            if unknown
            else ""
        )

    def _insert(self, item: QListWidgetItem) -> None:
        self.text.insertPlainText(f"{{{item.data(256)}}}")
        self.text.setFocus()

    def reset_current(self) -> None:
        self.text.setPlainText(DEFAULT_TEMPLATES[self.current_kind()])

    def is_dirty(self) -> bool:
        return self._edited != self._saved

    def save(self) -> bool:
        blank = [DocumentKind(k).label for k, v in self._edited.items() if not v.strip()]
        if blank:
            self.warning.setText("Un modèle ne peut pas être vide : " + ", ".join(blank))
            return False
        templates = dict(self._edited)

        def store() -> None:
            current = settings_service.load_settings(self._db)
            current.letter_templates = templates
            settings_service.save_settings(self._db, self._actor, current)

        ok, _, errors = attempt_inline(self, store)
        if not ok:
            self.warning.setText("\n".join(errors.values()) if errors else "")
            return False
        self._saved = templates
        self.saved_label.setText("Modèles enregistrés.")
        return True
