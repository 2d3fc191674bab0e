"""A form's save, the same way in every dialog that shows its errors with ``FormErrors``:
the service call runs off the GUI thread (``form_calls.call_service``); bad input goes
beside the fields, another refusal in the form's summary (after offering to retry when the
base was busy), an unexpected fault in a message box. The form stays open on any failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from PySide6.QtWidgets import QWidget

from app.services.errors import UserFacingError, ValidationError
from app.ui.form_calls import call_service
from app.ui.form_errors import FormErrors


def retryable(exc: UserFacingError) -> bool:
    return exc.retryable


def _raise(exc: Exception) -> NoReturn:
    raise exc


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
    own: tuple[type[UserFacingError], ...] = (ValidationError, *passed_on)

    def refused(exc: UserFacingError) -> None:
        errors.show_record(exc.message)

    return call_service(
        parent,
        call,
        [
            (ValidationError, lambda exc: errors.show(exc.errors)),
            *((kind, _raise) for kind in passed_on),
            (UserFacingError, refused),
        ],
        retry_when=lambda exc: not isinstance(exc, own) and retry_when(exc),
        declined=refused,
    )
