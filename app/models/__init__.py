"""ORM schema. Import from here: ``from app.models import Beneficiary``.

The mapped classes are loaded on first access (PEP 562 ``__getattr__``), all together so
that every mapper is registered: ``app.models.enums`` (codes and French labels) can then be
imported without loading SQLAlchemy, which the main window's start-up does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.models.access import AccessLog
    from app.models.base import Base
    from app.models.cases import AidLine, Case, Decision, Instalment, Meeting, ThirdParty
    from app.models.people import Beneficiary, HouseholdMember, Institution, Office, User
    from app.models.records import (
        AuditEvent,
        Counter,
        Document,
        ImportRun,
        ImportUndo,
        PaymentBatch,
        Setting,
        StationPresence,
    )
    from app.models.rules import Envelope, ScaleComponent, ScaleVersion

_MODULES = ("access", "base", "cases", "people", "records", "rules")

__all__ = [
    "AccessLog",
    "AidLine",
    "AuditEvent",
    "Base",
    "Beneficiary",
    "Case",
    "Counter",
    "Decision",
    "Document",
    "Envelope",
    "HouseholdMember",
    "ImportRun",
    "ImportUndo",
    "Instalment",
    "Institution",
    "Meeting",
    "Office",
    "PaymentBatch",
    "ScaleComponent",
    "ScaleVersion",
    "Setting",
    "StationPresence",
    "ThirdParty",
    "User",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for module_name in _MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        globals().update((n, getattr(module, n)) for n in __all__ if n in vars(module))
    return globals()[name]
