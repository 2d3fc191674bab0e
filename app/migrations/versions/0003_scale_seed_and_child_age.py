"""scale seed and child age

Seeds the scale voted on 13 November 2017 (in force 1 December 2017), its extension to
people oriented "emploi" in accompagnement global (1 September 2019), and the 2018 and
2019 envelopes (200 000 €). Later years and versions are added by an administrator.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:15:19.018143
"""

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NS = uuid.UUID("6f1c7a52-4d0e-4c8f-9b5e-2b1d0c9a8e71")
AUDIT = {
    "version_id": 1,
    "created_at": datetime(2017, 11, 13, tzinfo=UTC),
    "created_by": "migration",
    "updated_at": datetime(2017, 11, 13, tzinfo=UTC),
    "updated_by": "migration",
}
VERSIONS = [
    (date(2017, 12, 1), "Barème initial (délibération du 13 novembre 2017)", "social", False),
    (date(2019, 9, 1), "Extension aux orientés emploi en accompagnement global", "social", True),
]
COMPONENTS = [("transport", 7500, 2, False), ("daily_life", 10000, 3, False),
              ("childcare", 15000, 6, True)]
TYPES = {
    "id": sa.Uuid(),
    "scale_version_id": sa.Uuid(),
    "effective_from": sa.Date(),
    "created_at": sa.DateTime(timezone=True),
    "updated_at": sa.DateTime(timezone=True),
}
LEGAL = "Délibération de l'Assemblée départementale du 13 novembre 2017"


def _column(name: str) -> sa.ColumnClause:
    return sa.column(name, TYPES.get(name))


def upgrade() -> None:
    with op.batch_alter_table("scale_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("child_max_age", sa.Integer(), nullable=False, server_default="12")
        )
    scale = sa.table(
        "scale_version", *(_column(n) for n in (
            "id", "effective_from", "label", "legal_basis", "max_total_cents", "max_months",
            "eligible_orientations", "employment_with_global_support", "request_delay_months",
            "min_months_between_packs", "child_max_age", *AUDIT)),
    )
    component = sa.table(
        "scale_component", *(_column(n) for n in (
            "id", "scale_version_id", "component", "monthly_cents", "months", "requires_child",
            *AUDIT)),
    )
    envelope = sa.table("envelope", *(_column(n) for n in (
        "id", "year", "amount_cents", "note", *AUDIT)))
    for effective, label, orientations, extension in VERSIONS:
        version_id = uuid.uuid5(NS, f"scale-{effective}")
        op.bulk_insert(scale, [{
            "id": version_id, "effective_from": effective, "label": label, "legal_basis": LEGAL,
            "max_total_cents": 135000, "max_months": 6, "eligible_orientations": orientations,
            "employment_with_global_support": extension, "request_delay_months": 3,
            "min_months_between_packs": 24, "child_max_age": 12, **AUDIT}])
        op.bulk_insert(component, [{
            "id": uuid.uuid5(NS, f"component-{effective}-{code}"), "scale_version_id": version_id,
            "component": code, "monthly_cents": cents, "months": months,
            "requires_child": needs_child, **AUDIT} for code, cents, months, needs_child in
            COMPONENTS])
    op.bulk_insert(envelope, [{
        "id": uuid.uuid5(NS, f"envelope-{year}"), "year": year, "amount_cents": 20_000_000,
        "note": "Enveloppe votée (document de présentation du dispositif)", **AUDIT}
        for year in (2018, 2019)])


def downgrade() -> None:
    op.execute("DELETE FROM envelope WHERE created_by = 'migration'")
    op.execute("DELETE FROM scale_component WHERE created_by = 'migration'")
    op.execute("DELETE FROM scale_version WHERE created_by = 'migration'")
    with op.batch_alter_table("scale_version", schema=None) as batch_op:
        batch_op.drop_column("child_max_age")
