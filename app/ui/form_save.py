"""A form's save, the same way in every dialog that shows its errors with ``FormErrors``:
the service call runs off the GUI thread (``db_wait.run_db``); bad input goes beside the
fields, another refusal in the form's summary (after offering to retry when the base was
busy), an unexpected fault in a message box. The form stays open on any failure."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from app.services.errors import UserFacingError, ValidationError
from app.ui import db_wait, dialogs
from app.ui.form_errors import FormErrors


def retryable(exc: UserFacingError) -> bool:
    return exc.retryable


def save_from_form[T](
    parent: QWidget,
    errors: FormErrors,
    call: Callable[[], T],
    *,
    retry_when: Callable[[UserFacingError], bool] = retryable,
    passed_on: tuple[type[UserFacingError], ...] = (),
) -> tuple[bool, T | None]:
    """``(True, result)`` once ``call`` (which must not touch widgets) succeeded, else
    ``(False, None)`` with the reason shown. Errors of the ``passed_on`` types are raised
    for the caller to handle (an edit conflict)."""
    while True:
        try:
            return True, db_wait.run_db(parent, call)
        except ValidationError as exc:
            errors.show(exc.errors)
        except passed_on:
            raise
        except UserFacingError as exc:
            if retry_when(exc) and dialogs.ask_retry(parent, exc.message):
                continue
            errors.show_record(exc.message)
        except Exception as exc:
            dialogs.show_error(parent, exc)
        return False, None
