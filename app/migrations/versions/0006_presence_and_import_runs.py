"""station presence and import runs

Who else has the base open: one row per running workstation, refreshed every minute and
deleted at close; a row not refreshed for three minutes is a station that stopped without
closing. An import is applied in short transactions: ``import_run`` records it and
``import_undo`` what each of its lines changed, until the last chunk is written, so that an
interrupted import is undone entirely. Nothing to carry over from existing bases.

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


    op.create_table(
        "import_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("user_login", sa.String(length=120), nullable=False),
        sa.Column("workstation", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_table(
        "import_undo",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["import_run.id"], name=op.f("fk_import_undo_run_id_import_run")
        ),
        sa.PrimaryKeyConstraint("run_id", "beneficiary_id", name=op.f("pk_import_undo")),
    )


def downgrade() -> None:
    op.drop_table("import_undo")
    op.drop_table("import_run")
    op.drop_index(op.f("ix_station_presence_seen_at"), table_name="station_presence")
    op.drop_table("station_presence")
