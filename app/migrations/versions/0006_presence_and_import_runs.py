"""station presence

Who else has the base open: one row per running workstation, refreshed every minute and
deleted at close; a row not refreshed for three minutes is a station that stopped without
closing. Nothing to carry over from existing bases.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "station_presence",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("workstation", sa.String(length=120), nullable=False),
        sa.Column("user_login", sa.String(length=120), nullable=False),
        sa.Column("user_name", sa.String(length=300), nullable=False),
        sa.Column("app_version", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_station_presence")),
    )
    op.create_index(
        op.f("ix_station_presence_seen_at"), "station_presence", ["seen_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_station_presence_seen_at"), table_name="station_presence")
    op.drop_table("station_presence")
