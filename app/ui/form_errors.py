"""A form's error messages, the same way in every dialog: each message beside its field,
all of them in a summary at the top in the form's order (each a link to its field), and
the first field focused and scrolled into view after a failed save.

The dialog says where its fields are: ``order()`` the field names as they appear,
``place(name, message)`` shows (or, with None, clears) a message beside the field and
``widget_of(name)`` the widget to focus. Names the form does not know (a rule about the
whole record) come last in the summary, without a link."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QScrollArea, QWidget

from app.ui.widgets import error_summary, summary_html, summary_item


class FormErrors:
    def __init__(
        self,
        *,
        order: Callable[[], list[str]],
        place: Callable[[str, str | None], None],
        widget_of: Callable[[str], QWidget | None],
        scroll: Callable[[], QScrollArea | None] = lambda: None,
    ) -> None:
        self._order = order
        self._place = place
        self._widget_of = widget_of
        self._scroll = scroll
        self.messages: dict[str, str] = {}
        self.save_attempted = False  # the summary shows only after a save was tried
        self.summary, self.summary_label = error_summary(self.focus)

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

    def refresh_summary(self) -> None:
        if not self.save_attempted or not self.messages:
            self.summary.setVisible(False)
            self.summary_label.clear()
            return
        order = self._order()
        rank = {name: n for n, name in enumerate(order)}
        items = [
            summary_item(name, message) if name in rank else f"<li>{html.escape(message)}</li>"
            for name, message in sorted(
                self.messages.items(), key=lambda item: rank.get(item[0], len(rank))
            )
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
