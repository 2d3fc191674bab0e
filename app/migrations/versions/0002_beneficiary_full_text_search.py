"""beneficiary full-text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:13:20.733437
"""

from alembic import op

from app.migrations import fts

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_beneficiary_anonymised_at"), ["anonymised_at"], unique=False
        )
    fts.create()


def downgrade() -> None:
    fts.drop()
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_beneficiary_anonymised_at"))
