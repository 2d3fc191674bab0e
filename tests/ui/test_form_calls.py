"""form_calls.call_service: a busy base offers Réessayer, the form's own errors go to the
form, anything else is shown, never raised."""

from __future__ import annotations

import pytest

from app.services.errors import (
    ConflictError,
    DatabaseUnavailable,
    NotAllowed,
    UserFacingError,
    ValidationError,
)
from app.ui.form_calls import call_service


def test_the_result_comes_back(fake_dialogs):
    assert call_service(None, lambda: 42) == (True, 42)


def test_a_busy_base_is_retried_while_the_user_asks(fake_dialogs):
    attempts: list[int] = []

    def busy_once() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise DatabaseUnavailable("La base de données est occupée.")
        return "ok"

    fake_dialogs.retry_answers = [True]
    assert call_service(None, busy_once) == (True, "ok")
    assert fake_dialogs.retries == ["La base de données est occupée."]

    attempts.clear()
    assert call_service(None, busy_once) == (False, None)  # « Annuler »: given up
    assert len(attempts) == 1


@pytest.mark.parametrize(
    ("error", "handled"),
    [
        (ValidationError({"name": "Le nom est obligatoire."}), "invalid"),
        (ConflictError("Modifié sur un autre poste."), "conflict"),  # the first match wins
        (NotAllowed("Pas pour vous."), "refused"),
        (RuntimeError("boom"), None),
    ],
)
def test_errors_go_to_the_first_matching_handler_or_are_shown(fake_dialogs, error, handled):
    seen: list[tuple[str, Exception]] = []

    def fail() -> None:
        raise error

    handlers = [
        (ValidationError, lambda exc: seen.append(("invalid", exc))),
        (ConflictError, lambda exc: seen.append(("conflict", exc))),
        (UserFacingError, lambda exc: seen.append(("refused", exc))),
    ]
    assert call_service(None, fail, handlers) == (False, None)
    if handled is None:
        assert seen == [] and fake_dialogs.errors == [error]
    else:
        assert seen == [(handled, error)] and fake_dialogs.errors == []
