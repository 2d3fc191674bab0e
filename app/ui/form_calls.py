"""A form's load or save through a service, the same way in every record dialog.

The call runs off the GUI thread (:func:`app.ui.db_wait.run_db`, so it must not touch
widgets); an unavailable database offers « Réessayer »; an error the form knows how to show
(bad input beside the fields, an edit conflict, a refusal) goes to the form; anything else
is shown in a message box, never raised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QWidget

from app.services.errors import DatabaseUnavailable
from app.ui import db_wait, dialogs

# (error class, what the form does with such an error), the first matching class wins.
Handlers = Sequence[tuple[type[Exception], Callable[[Any], None]]]


def call_service[T](
    owner: QWidget | None, action: Callable[[], T], handlers: Handlers = ()
) -> tuple[bool, T | None]:
    """``(True, result)``, or ``(False, None)`` once the user was told why (or gave up)."""
    while True:
        try:
            return True, db_wait.run_db(owner, action)
        except DatabaseUnavailable as exc:
            if dialogs.ask_retry(owner, exc.message):
                continue
            return False, None
        except Exception as exc:
            handler = next((h for kind, h in handlers if isinstance(exc, kind)), None)
            if handler is None:
                dialogs.show_error(owner, exc)
            else:
                handler(exc)
            return False, None
