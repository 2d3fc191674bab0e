"""Who may read which beneficiary: read access per institution (domain.md §5).

Administrators, validators (they decide for the whole département) and finance (they pay
every pack) read every file. A référent reads the files of their own institution (any of
its offices), those they follow wherever they are, and those no office has taken yet (a
fresh import, to be assigned). A référent with no institution recorded reads every file:
the office has not set its institutions up, and hiding the colleagues' files would stop
the work; the administration screen says so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.services.actor import Actor
from app.services.errors import NotAllowed


@dataclass(frozen=True)
class ReadScope:
    user_id: uuid.UUID | None
    institution_id: uuid.UUID


def scope_of(actor: Actor) -> ReadScope | None:
    """None when the actor reads every file."""
    if actor.is_admin or actor.is_validator or actor.is_finance or actor.institution_id is None:
        return None
    return ReadScope(actor.user_id, actor.institution_id)


def scope_sql(scope: ReadScope, id_param: Any) -> tuple[str, dict[str, Any]]:
    """The WHERE condition on ``beneficiary`` for a scope, and its parameters
    (``id_param`` turns a UUID into the driver's form)."""
    condition = (
        "(beneficiary.office_id IS NULL OR beneficiary.referent_id = :scope_user OR EXISTS "
        "(SELECT 1 FROM office AS scope_office WHERE scope_office.id = beneficiary.office_id "
        "AND scope_office.institution_id = :scope_institution))"
    )
    user = id_param(scope.user_id) if scope.user_id else ""
    return condition, {"scope_user": user, "scope_institution": id_param(scope.institution_id)}


def may_read(
    actor: Actor, office_institution: uuid.UUID | None, office_id: Any, referent_id: Any
) -> bool:
    scope = scope_of(actor)
    if scope is None or office_id is None:
        return True
    return referent_id == scope.user_id or office_institution == scope.institution_id


def require_read(actor: Actor, beneficiary: Any) -> None:
    """Refuse a file of another institution (``beneficiary``: the ORM object)."""
    office = beneficiary.office
    institution = office.institution_id if office else None
    if not may_read(actor, institution, beneficiary.office_id, beneficiary.referent_id):
        raise NotAllowed(
            f"Ce dossier est suivi par un autre organisme ({office.name if office else '?'}) : "
            "vous n'y avez pas accès. Demandez à un valideur ou à l'administrateur."
        )
