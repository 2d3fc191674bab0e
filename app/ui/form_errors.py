"""A form's error messages, the same way in every dialog: each message beside its field,
all of them in a summary at the top in the form's order (each a link to its field), and
the first field focused and scrolled into view after a failed save.

The dialog says where its fields are: ``order()`` the field names as they appear,
``place(name, message)`` shows (or, with None, clears) a message beside the field and
``widget_of(name)`` the widget to focus. Names the form does not know (a rule about the
whole record, e.g. the service's refusal: ``show_record``) come last in the summary, without
a link. A form whose fields are ``ValidatedField`` holders builds it with ``for_fields``."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QScrollArea, QWidget

from app.ui.widgets import ValidatedField, error_summary, summary_html, summary_item

RECORD = "__record__"  # the name of a message about the whole record, not one field


class FormErrors:
    def __init__(
        self,
        *,
        order: Callable[[], list[str]],
        place: Callable[[str, str | None], None],
        widget_of: Callable[[str], QWidget | None],
        scroll: Callable[[], QScrollArea | None] = lambda: None,
        keyboard_links: bool = False,
    ) -> None:
        self._order = order
        self._place = place
        self._widget_of = widget_of
        self._scroll = scroll
        self.messages: dict[str, str] = {}
        self.save_attempted = False  # the summary shows only after a save was tried
        self.summary, self.summary_label = error_summary(self.focus)
        if keyboard_links:  # the summary's links reachable with Tab, not only the mouse
            self.summary_label.setTextInteractionFlags(
                Qt.TextInteractionFlag.LinksAccessibleByMouse
                | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            )

    @classmethod
    def for_fields(
        cls, fields: dict[str, ValidatedField], *, keyboard_links: bool = True
    ) -> FormErrors:
        """For a form whose fields are ``ValidatedField`` holders, in the form's order (the
        dict's): each message under its field, the holder's field focused."""

        def place(name: str, message: str | None) -> None:
            if name in fields:
                fields[name].set_error(message)

        def widget_of(name: str) -> QWidget | None:
            holder = fields.get(name)
            return holder.field if holder is not None else None

        return cls(
            order=lambda: list(fields),
            place=place,
            widget_of=widget_of,
            keyboard_links=keyboard_links,
        )

    def set(self, name: str, message: str | None) -> None:
        """One field's message (None clears it), beside the field and in the summary."""
        if message:
            self.messages[name] = message
        else:
            self.messages.pop(name, None)
        self._place(name, message)
        self.refresh_summary()

    def forget(self, prefix: str) -> None:
        """Drop the messages of fields that are gone (e.g. a removed household row)."""
        for name in [n for n in self.messages if n.startswith(prefix)]:
            del self.messages[name]
        self.refresh_summary()

    def clear(self) -> None:
        for name in list(self.messages):
            self.set(name, None)
        self.save_attempted = False
        self.refresh_summary()

    def show(self, errors: dict[str, str]) -> None:
        """After a failed save: every message, the summary, the first field focused."""
        for name in list(self.messages):
            self.set(name, None)
        for name, message in errors.items():
            self.set(name, message)
        self.save_attempted = True
        self.refresh_summary()
        first = next((n for n in self._order() if n in errors), None)
        if first is not None:
            self.focus(first)

    def show_record(self, message: str) -> None:
        """After a refused save: the service's message about the whole record alone."""
        self.show({RECORD: message})

    def forget_record(self) -> None:
        """Drop the messages about the whole record (names the form does not know): the
        input changed, so what was said about the previous one is stale."""
        known = set(self._order())
        for name in [n for n in self.messages if n not in known]:
            self.set(name, None)

    def text(self) -> str:
        """Every message shown, in the summary's order, one a line (for tests and logs)."""
        return "\n".join(message for _name, message in self._in_order())

    def _in_order(self) -> list[tuple[str, str]]:
        rank = {name: n for n, name in enumerate(self._order())}
        return sorted(self.messages.items(), key=lambda item: rank.get(item[0], len(rank)))

    def refresh_summary(self) -> None:
        if not self.save_attempted or not self.messages:
            self.summary.setVisible(False)
            self.summary_label.clear()
            return
        known = set(self._order())
        items = [
            summary_item(name, message) if name in known else _record_item(message)
            for name, message in self._in_order()
        ]
        self.summary_label.setText(summary_html("".join(items)))
        self.summary.setVisible(True)

    def focus(self, name: str) -> None:
        widget = self._widget_of(name)
        if widget is None:
            return
        scroll = self._scroll()
        if scroll is not None:
            scroll.ensureWidgetVisible(widget, 40, 60)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        target = widget.focusProxy() or widget
        if isinstance(target, QLineEdit):
            target.selectAll()


def _record_item(message: str) -> str:
    """A message about the whole record: no link; its own line breaks kept."""
    return "<li>" + html.escape(message).replace("\n", "<br>") + "</li>"
