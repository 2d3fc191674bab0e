"""A form's load or save through a service, the same way in every record dialog.

The call runs off the GUI thread (:func:`app.ui.db_wait.run_db`, so it must not touch
widgets); an unavailable database offers « Réessayer »; an error the form knows how to show
(bad input beside the fields, an edit conflict, a refusal) goes to the form; anything else
is shown in a message box, never raised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QWidget

from app.services.errors import DatabaseUnavailable, UserFacingError
from app.ui import db_wait, dialogs

# (error class, what the form does with such an error), the first matching class wins.
Handlers = Sequence[tuple[type[Exception], Callable[[Any], None]]]


def unavailable(exc: UserFacingError) -> bool:
    return isinstance(exc, DatabaseUnavailable)


def call_service[T](
    owner: QWidget | None,
    action: Callable[[], T],
    handlers: Handlers = (),
    *,
    retry_when: Callable[[UserFacingError], bool] = unavailable,
    declined: Callable[[UserFacingError], None] | None = None,
) -> tuple[bool, T | None]:
    """``(True, result)``, or ``(False, None)`` once the user was told why (or gave up).

    An error ``retry_when`` accepts offers « Réessayer »; declined, ``declined`` shows it
    (by default nothing more is said). A handler may raise the error on to the caller."""
    while True:
        try:
            return True, db_wait.run_db(owner, action)
        except UserFacingError as exc:
            if retry_when(exc):
                if dialogs.ask_retry(owner, exc.message):
                    continue
                if declined is not None:
                    declined(exc)
                return False, None
            _handle(owner, exc, handlers)
        except Exception as exc:
            _handle(owner, exc, handlers)
        return False, None


def _handle(owner: QWidget | None, exc: Exception, handlers: Handlers) -> None:
    handler = next((h for kind, h in handlers if isinstance(exc, kind)), None)
    if handler is None:
        dialogs.show_error(owner, exc)
    else:
        handler(exc)
