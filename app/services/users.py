"""The people who use the base: their roles, institution and office (administration screen).

Roles (domain.md §5): référent (own caseload), validator (decides and signs), finance
(payment batches), administrator (settings, users, scale). Only an administrator changes
users; the last active administrator cannot lose that role or be made inactive. A user is
never deleted (the audit trail names them): made inactive, their login no longer maps.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from app.models import Institution, Office, User
from app.services import audit, validation
from app.services.actor import Actor
from app.services.errors import ConflictError, NotAllowed, ValidationError
from app.services.storage import Database

ROLE_LABELS = {
    "is_referent": "Référent",
    "is_validator": "Valideur",
    "is_finance": "Finances",
    "is_admin": "Administrateur",
}


@dataclass
class UserInput:
    first_name: str = ""
    last_name: str = ""
    os_login: str = ""
    capacity: str = ""
    email: str = ""
    phone: str = ""
    institution_id: uuid.UUID | None = None
    office_id: uuid.UUID | None = None
    is_referent: bool = True
    is_validator: bool = False
    is_finance: bool = False
    is_admin: bool = False
    active: bool = True
    id: uuid.UUID | None = None
    version_id: int | None = None


@dataclass(frozen=True)
class UserRow:
    data: UserInput
    institution: str
    office: str

    @property
    def name(self) -> str:
        return f"{self.data.last_name.upper()} {self.data.first_name}".strip()

    @property
    def roles(self) -> str:
        return ", ".join(label for key, label in ROLE_LABELS.items() if getattr(self.data, key))


def require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise NotAllowed(f"Seul un administrateur peut {what}.")


def list_users(db: Database) -> list[UserRow]:
    """Every user, active ones first, by name."""
    with db.read() as s:
        rows = s.execute(
            select(User, Institution.name, Office.name)
            .outerjoin(Institution, Institution.id == User.institution_id)
            .outerjoin(Office, Office.id == User.office_id)
            .order_by(User.active.desc(), User.last_name, User.first_name)
        ).all()
        return [UserRow(_input_of(u), inst or "", office or "") for u, inst, office in rows]


def _input_of(u: User) -> UserInput:
    return UserInput(
        first_name=u.first_name,
        last_name=u.last_name,
        os_login=u.os_login or "",
        capacity=u.capacity,
        email=u.email,
        phone=u.phone,
        institution_id=u.institution_id,
        office_id=u.office_id,
        is_referent=u.is_referent,
        is_validator=u.is_validator,
        is_finance=u.is_finance,
        is_admin=u.is_admin,
        active=u.active,
        id=u.id,
        version_id=u.version_id,
    )


def user_errors(data: UserInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, label, limit in (
        ("first_name", "Prénom", validation.NAME_MAX),
        ("last_name", "Nom", validation.NAME_MAX),
        ("os_login", "Identifiant de session", 120),
        ("capacity", "Qualité", validation.LABEL_MAX),
        ("email", "E-mail", validation.EMAIL_MAX),
        ("phone", "Téléphone", validation.PHONE_MAX),
    ):
        if msg := validation.text_error(getattr(data, name), label, limit):
            errors[name] = msg
    if not data.last_name.strip():
        errors.setdefault("last_name", "Le nom est obligatoire.")
    if not data.os_login.strip():
        errors.setdefault(
            "os_login",
            "L'identifiant de session Windows est obligatoire : c'est lui qui reconnaît "
            "l'utilisateur à l'ouverture.",
        )
    elif any(c.isspace() for c in data.os_login.strip()):
        errors.setdefault("os_login", "L'identifiant de session ne contient pas d'espace.")
    if data.email and (msg := validation.email_error(data.email)):
        errors.setdefault("email", msg)
    if data.capacity == "" and (data.is_validator or data.is_referent):
        errors["capacity"] = (
            "La qualité est obligatoire (elle figure sous la signature des courriers, "
            "CRPA L212-1), par exemple « Assistante sociale »."
        )
    if not any(getattr(data, key) for key in ROLE_LABELS):
        errors["roles"] = "Cochez au moins un rôle."
    return errors


def _login_taken(s: Session, data: UserInput) -> str:
    clash = s.scalar(
        select(User.id).where(
            func.lower(User.os_login) == data.os_login.lower(),
            User.id != data.id if data.id else true(),
        )
    )
    return (
        f"L'identifiant « {data.os_login} » est déjà celui d'un autre utilisateur." if clash else ""
    )


def save_user(db: Database, actor: Actor, data: UserInput) -> uuid.UUID:
    """Create or update a user (administrators only; one transaction, audited)."""
    require_admin(actor, "ajouter ou modifier un utilisateur")
    data.os_login = data.os_login.strip()
    for name in ("first_name", "last_name", "capacity", "email", "phone"):
        setattr(data, name, " ".join(getattr(data, name).split()))
    errors = user_errors(data)
    with db.read() as s:  # told with the other mistakes; checked again when writing
        if data.os_login and (taken := _login_taken(s, data)):
            errors.setdefault("os_login", taken)
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        if taken := _login_taken(s, data):
            raise ValidationError({"os_login": taken})
        if data.office_id is not None:
            office = s.get(Office, data.office_id)
            if office is None:
                raise ValidationError({"office_id": "Ce bureau n'existe plus."})
            if data.institution_id is None:
                data.institution_id = office.institution_id
            elif office.institution_id != data.institution_id:
                raise ValidationError(
                    {"office_id": "Ce bureau n'appartient pas à l'institution choisie."}
                )
        if data.id is None:
            user = User(created_by=actor.login)
            s.add(user)
            before: dict = {}
        else:
            found = s.get(User, data.id)
            if found is None:
                raise ValidationError({"id": "Cet utilisateur n'existe plus."})
            user = found
            if data.version_id is not None and data.version_id != user.version_id:
                raise ConflictError(
                    "Cet utilisateur a été modifié sur un autre poste pendant votre saisie : "
                    "fermez et rouvrez la fiche."
                )
            before = audit.snapshot(user)
        for name in (
            "first_name",
            "last_name",
            "capacity",
            "email",
            "phone",
            "institution_id",
            "office_id",
            "is_referent",
            "is_validator",
            "is_finance",
            "is_admin",
            "active",
        ):
            setattr(user, name, getattr(data, name))
        user.os_login = data.os_login
        user.updated_by = actor.login
        s.flush()
        was_admin = bool(before.get("is_admin")) and bool(before.get("active"))
        admins = s.scalar(
            select(func.count(User.id)).where(User.is_admin.is_(True), User.active.is_(True))
        )
        if was_admin and not admins:
            raise ValidationError(
                {
                    "is_admin": "La base doit garder au moins un administrateur actif : "
                    "nommez-en un autre avant de retirer ce rôle."
                }
            )
        old, new = audit.changes(before, audit.snapshot(user))
        audit.record(
            s,
            actor,
            "create" if not before else "update",
            "user",
            user.id,
            summary=user.full_name,
            before=old,
            after=new,
        )
        return user.id
