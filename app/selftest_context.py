"""What the self-test's steps share: the :class:`SelfTestContext` they read and fill, the
:class:`Step` they are and the :class:`StepFailed` they raise (see :mod:`app.selftest`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Paths, app_paths


class StepFailed(Exception):
    """A step's check did not hold; the message (French) is printed on its line."""


@dataclass
class SelfTestContext:
    """What the steps share: the temporary folder and what earlier steps produced."""

    workdir: Path
    db: Any = None  # app.services.storage.Database, once created
    actor: Any = None  # app.services.actor.Actor
    beneficiary_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    letter_path: Path | None = None  # the signed letter, once produced
    qt_app: Any = None  # the QApplication, once the GUI step created or found it
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def database_path(self) -> Path:
        return self.workdir / "data" / "auto-test.sqlite"

    @property
    def paths(self) -> Paths:
        return app_paths()  # under workdir: PACK_SORTIE_HOME is set while the test runs

    def need(self, name: str) -> Any:
        """An earlier step's product, or a clear failure if that step failed."""
        value = getattr(self, name)
        if value is None:
            raise StepFailed(f"non exécutable : l'étape qui fournit « {name} » a échoué")
        return value


@dataclass(frozen=True)
class Step:
    label: str  # "Français / English", shown on the step's line
    run: Callable[[SelfTestContext], str]


@dataclass(frozen=True)
class StepResult:
    step: Step
    passed: bool
    detail: str
