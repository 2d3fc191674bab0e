"""The scale (barème) in force at a date, and its administration.

A case is judged by the version in force at the job start. Versions are never edited once
created: a change of the scale is a new version from a future (or today's) date.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import ScaleComponent, ScaleVersion
from app.models.enums import Component, Orientation, component_rank
from app.services import audit, clock
from app.services.actor import Actor
from app.services.errors import NotAllowed, ValidationError
from app.services.storage import Database
from app.services.text import format_cents, format_date


@dataclass(frozen=True)
class ComponentRule:
    component: Component
    monthly_cents: int
    months: int
    requires_child: bool

    @property
    def max_cents(self) -> int:
        return self.monthly_cents * self.months


@dataclass(frozen=True)
class ScaleRules:
    """One version of the scale, detached from the database."""

    id: uuid.UUID | None
    effective_from: date
    label: str
    legal_basis: str
    max_total_cents: int
    max_months: int
    eligible_orientations: frozenset[str]
    employment_with_global_support: bool
    request_delay_months: int
    min_months_between_packs: int
    child_max_age: int
    components: dict[Component, ComponentRule] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [
            f"{r.component.label} : {format_cents(r.monthly_cents)} × {r.months} mois"
            for r in self.components.values()
        ]
        return (
            f"Barème du {format_date(self.effective_from)} — "
            + " ; ".join(parts)
            + f" ; plafond {format_cents(self.max_total_cents)}"
        )


def _rules(v: ScaleVersion) -> ScaleRules:
    return ScaleRules(
        id=v.id,
        effective_from=v.effective_from,
        label=v.label,
        legal_basis=v.legal_basis,
        max_total_cents=v.max_total_cents,
        max_months=v.max_months,
        eligible_orientations=frozenset(x for x in v.eligible_orientations.split(",") if x),
        employment_with_global_support=v.employment_with_global_support,
        request_delay_months=v.request_delay_months,
        min_months_between_packs=v.min_months_between_packs,
        child_max_age=v.child_max_age,
        components={
            Component(c.component): ComponentRule(
                Component(c.component), c.monthly_cents, c.months, c.requires_child
            )
            for c in sorted(v.components, key=lambda c: component_rank(c.component))
        },
    )


def scale_in_force(session: Session, on: date) -> ScaleRules:
    version = session.scalar(
        select(ScaleVersion)
        .where(ScaleVersion.effective_from <= on)
        .order_by(ScaleVersion.effective_from.desc())
        .limit(1)
        .options(selectinload(ScaleVersion.components))
    )
    if version is None:
        raise NotAllowed(f"Aucun barème du Pack sortie n'était en vigueur le {format_date(on)}.")
    return _rules(version)


def scale_by_id(session: Session, version_id: uuid.UUID) -> ScaleRules:
    version = session.get(ScaleVersion, version_id, options=[selectinload(ScaleVersion.components)])
    if version is None:
        raise NotAllowed("Barème introuvable.")
    return _rules(version)


def list_scales(db: Database) -> list[ScaleRules]:
    with db.read() as s:
        versions = s.scalars(
            select(ScaleVersion)
            .order_by(ScaleVersion.effective_from)
            .options(selectinload(ScaleVersion.components))
        ).all()
        return [_rules(v) for v in versions]


def add_scale_version(
    db: Database, actor: Actor, rules: ScaleRules, *, today: date | None = None
) -> uuid.UUID:
    """A new version, from today or a future date, after every existing version."""
    if not actor.is_admin:
        raise NotAllowed("Seul un administrateur peut ajouter une version du barème.")
    today = today or clock.today()
    errors: dict[str, str] = {}
    if not rules.label.strip():
        errors["label"] = "Donnez un intitulé à cette version (ex. « Délibération du … »)."
    if rules.effective_from < today:
        errors["effective_from"] = (
            "Une nouvelle version ne peut pas s'appliquer au passé : "
            "les dossiers déjà jugés ne changent pas de barème."
        )
    if not rules.components:
        errors["components"] = "Le barème doit comporter au moins une aide."
    for rule in rules.components.values():
        if rule.monthly_cents <= 0 or rule.months <= 0:
            errors[f"component.{rule.component}"] = (
                f"{rule.component.label} : montant et durée doivent être positifs."
            )
        if rule.months > rules.max_months:
            errors[f"component.{rule.component}"] = (
                f"{rule.component.label} : la durée dépasse la durée maximale du dispositif."
            )
    if rules.max_total_cents <= 0 or rules.max_months <= 0:
        errors["max_total_cents"] = "Le plafond et la durée maximale doivent être positifs."
    unknown = rules.eligible_orientations - {o.value for o in Orientation}
    if unknown or not rules.eligible_orientations:
        errors["eligible_orientations"] = "Orientations éligibles inconnues ou absentes."
    if errors:
        raise ValidationError(errors)
    with db.write() as s:
        latest = s.scalar(
            select(ScaleVersion.effective_from)
            .order_by(ScaleVersion.effective_from.desc())
            .limit(1)
        )
        if latest is not None and rules.effective_from <= latest:
            raise ValidationError(
                {
                    "effective_from": (
                        f"Une version existe déjà au {format_date(latest)} : "
                        "la nouvelle version doit commencer après."
                    )
                }
            )
        version = ScaleVersion(
            effective_from=rules.effective_from,
            label=rules.label,
            legal_basis=rules.legal_basis,
            max_total_cents=rules.max_total_cents,
            max_months=rules.max_months,
            eligible_orientations=",".join(sorted(rules.eligible_orientations)),
            employment_with_global_support=rules.employment_with_global_support,
            request_delay_months=rules.request_delay_months,
            min_months_between_packs=rules.min_months_between_packs,
            child_max_age=rules.child_max_age,
            created_by=actor.login,
            updated_by=actor.login,
            components=[
                ScaleComponent(
                    component=r.component.value,
                    monthly_cents=r.monthly_cents,
                    months=r.months,
                    requires_child=r.requires_child,
                    created_by=actor.login,
                    updated_by=actor.login,
                )
                for r in rules.components.values()
            ],
        )
        s.add(version)
        s.flush()
        audit.record(
            s,
            actor,
            "create",
            "scale_version",
            version.id,
            summary=rules.label,
            after={
                "effective_from": rules.effective_from.isoformat(),
                "description": rules.describe(),
            },
        )
        return version.id
