"""One way to show a form's errors: beside the field, in a summary in the form's order
(a rule about the whole record last, without a link), the first field focused."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from app.ui.form_errors import FormErrors
from app.ui.widgets import ValidatedField


def test_messages_beside_fields_summary_in_form_order_and_first_focused(qtbot):
    form = QWidget()
    qtbot.addWidget(form)
    edits = {name: QLineEdit(form) for name in ("last_name", "first_name", "phone")}
    layout = QVBoxLayout(form)
    placed: dict[str, str | None] = {}
    errors = FormErrors(
        order=lambda: list(edits),
        place=lambda name, message: placed.__setitem__(name, message),
        widget_of=edits.get,
    )
    layout.addWidget(errors.summary)
    for edit in edits.values():
        layout.addWidget(edit)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    errors.set("phone", "Téléphone invalide.")  # while typing: beside the field only
    assert placed["phone"] == "Téléphone invalide." and errors.summary.isHidden()
    errors.show(
        {
            "whole": "Ce dossier existe déjà.",
            "phone": "Téléphone invalide.",
            "first_name": "Le prénom est obligatoire.",
        }
    )
    text = errors.summary_label.text()
    assert text.index("prénom") < text.index("Téléphone") < text.index("existe déjà")
    assert 'href="first_name"' in text and 'href="whole"' not in text
    assert not errors.summary.isHidden()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edits["first_name"])
    errors.clear()
    assert errors.summary.isHidden() and placed == {
        "phone": None,
        "whole": None,
        "first_name": None,
    }


def test_for_validated_fields_a_record_message_last_and_forgotten_alone(qtbot):
    form = QWidget()
    qtbot.addWidget(form)
    layout = QVBoxLayout(form)
    fields = {name: ValidatedField(QLineEdit()) for name in ("reason", "motivation")}
    errors = FormErrors.for_fields(fields)
    layout.addWidget(errors.summary)
    for holder in fields.values():
        layout.addWidget(holder)
    errors.show({"motivation": "Trop court.", "case": "Le dossier a changé."})
    assert fields["motivation"].error == "Trop court." and fields["reason"].error == ""
    assert errors.text() == "Trop court.\nLe dossier a changé."
    assert errors.summary_label.textInteractionFlags() & (
        Qt.TextInteractionFlag.LinksAccessibleByKeyboard
    )
    errors.forget_record()  # the input changed: what was said of the record is stale
    assert errors.text() == "Trop court." and not errors.summary.isHidden()
    errors.show_record("Seule une personne habilitée peut décider.\nDemandez-lui.")
    assert fields["motivation"].error == ""  # a new attempt: the old messages went
    assert "décider.<br>Demandez-lui." in errors.summary_label.text()
    errors.forget_record()
    assert errors.summary.isHidden() and errors.text() == ""
