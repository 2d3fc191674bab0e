"""Who is acting: the OS login of this workstation mapped to a user of the database."""

from __future__ import annotations

import getpass
import socket
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.services.storage import Database

if TYPE_CHECKING:
    from app.models import User

# Plain SQL, so that finding who is acting does not wait for the ORM (start-up time).
_USER_BY_LOGIN = (
    "SELECT id, first_name, last_name, capacity, is_validator, is_finance, is_admin, "
    "institution_id, office_id FROM app_user WHERE os_login = :login AND active = :yes"
)


def os_login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers), no USERNAME
        return "inconnu"


@dataclass(frozen=True)
class Actor:
    login: str
    workstation: str
    user_id: uuid.UUID | None = None
    name: str = ""
    capacity: str = ""
    is_validator: bool = False
    is_finance: bool = False
    is_admin: bool = False
    institution_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None

    @property
    def display(self) -> str:
        return self.name or self.login

    @classmethod
    def system(cls, what: str = "systeme") -> Actor:
        return cls(login=what, workstation=socket.gethostname())


def actor_from_user(user: User, workstation: str | None = None) -> Actor:
    return Actor(
        login=user.os_login or "",
        workstation=workstation or socket.gethostname(),
        user_id=user.id,
        name=user.full_name,
        capacity=user.capacity,
        is_validator=user.is_validator,
        is_finance=user.is_finance,
        is_admin=user.is_admin,
        institution_id=user.institution_id,
        office_id=user.office_id,
    )


def current_actor(db: Database, login: str | None = None) -> Actor:
    """The user matching this OS login; on a database without users, the first one to open
    it is registered as its administrator (so a new office can start working)."""
    login = login or os_login()
    found = db.rows(_USER_BY_LOGIN, {"login": login, "yes": True})
    if found:
        user_id, first, last, capacity, validator, finance, admin, institution, office = found[0]
        return Actor(
            login=login,
            workstation=socket.gethostname(),
            user_id=uuid.UUID(str(user_id)),
            name=f"{first} {last}".strip(),
            capacity=capacity,
            is_validator=bool(validator),
            is_finance=bool(finance),
            is_admin=bool(admin),
            institution_id=uuid.UUID(str(institution)) if institution else None,
            office_id=uuid.UUID(str(office)) if office else None,
        )
    has_users = bool(db.rows("SELECT 1 FROM app_user LIMIT 1"))
    if has_users or db.read_only:
        return Actor(login=login, workstation=socket.gethostname())
    from app.models import User

    with db.write() as s:
        user = User(
            first_name=login,
            last_name="",
            os_login=login,
            capacity="Administrateur",
            is_validator=True,
            is_admin=True,
            created_by=login,
            updated_by=login,
        )
        s.add(user)
        s.flush()
        return actor_from_user(user)
