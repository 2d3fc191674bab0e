"""observations notice

The invitation to present observations before an early end keeps its date and its grounds
on the case (they are printed in the letter).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:34:44.594031
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pack_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observations_sent_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("observations_grounds", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("pack_case", schema=None) as batch_op:
        batch_op.drop_column("observations_grounds")
        batch_op.drop_column("observations_sent_on")
