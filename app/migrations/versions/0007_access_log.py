"""access log

The access log gets its own table (``access_log``), apart from the case data: who, when,
from which workstation, which action, which person and case (ids, no foreign key: a purge
anonymises people, never this log) and the details as JSON (codes, ids, field names; no
names, IBAN or NIR). The audit trail (``audit_event``) stays the history of changes.

Existing bases: every audit event is copied into the log (with its person: the beneficiary
it concerned, or the one of its case), then the reads leave the audit trail, which now
holds changes only.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_login", sa.String(length=120), nullable=False),
        sa.Column("user_name", sa.String(length=300), nullable=False),
        sa.Column("workstation", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("beneficiary_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    _copy_audit_events()
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"], unique=False)
    op.create_index(op.f("ix_access_log_case_id"), "access_log", ["case_id"], unique=False)
    op.create_index("ix_access_log_user_at", "access_log", ["user_login", "at"], unique=False)
    op.create_index(
        "ix_access_log_beneficiary_at", "access_log", ["beneficiary_id", "at"], unique=False
    )


def _copy_audit_events() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        person = "replace(entity_id, '-', '')"
        details = "json_object('entity', entity, 'entity_id', entity_id)"
    else:
        person = "CAST(entity_id AS uuid)"
        details = "CAST(json_build_object('entity', entity, 'entity_id', entity_id) AS text)"
    op.execute(
        "INSERT INTO access_log (at, user_login, user_name, workstation, action, "
        "beneficiary_id, case_id, details) "
        "SELECT at, user_login, '', workstation, action, "
        f"CASE WHEN entity = 'beneficiary' AND length(entity_id) = 36 THEN {person} END, "
        f"case_id, {details} FROM audit_event ORDER BY at"
    )
    op.execute(
        "UPDATE access_log SET beneficiary_id = (SELECT pack_case.beneficiary_id FROM pack_case "
        "WHERE pack_case.id = access_log.case_id) "
        "WHERE beneficiary_id IS NULL AND case_id IS NOT NULL"
    )
    op.execute("DELETE FROM audit_event WHERE action = 'read'")


def downgrade() -> None:
    op.drop_index("ix_access_log_beneficiary_at", table_name="access_log")
    op.drop_index("ix_access_log_user_at", table_name="access_log")
    op.drop_index(op.f("ix_access_log_case_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_at"), table_name="access_log")
    op.drop_table("access_log")
