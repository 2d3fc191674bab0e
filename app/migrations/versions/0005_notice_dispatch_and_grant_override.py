"""notice dispatch and grant override

The invitation to present observations is decided by a validator (``observations_invited_on``,
``observations_invited_by_id``) and sent when its letter is produced: ``observations_sent_on``
now means the sending, and the deadline runs from it. A grant despite rules left « à vérifier »
keeps the validator's motivated statement (``decision.override_rules``, ``override_motivation``).

Existing invitations: the day they were recorded becomes the day they were decided, and the
validator who recorded them (audit trail) their author. Only an invitation whose letter was
produced keeps a sending date: the day of its latest letter, with a deadline never earlier than
that day plus the delay it was given. The others wait for their letter.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 11:40:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pack_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("observations_invited_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("observations_invited_by_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pack_case_observations_invited_by_id_app_user"),
            "app_user",
            ["observations_invited_by_id"],
            ["id"],
        )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("override_rules", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("override_motivation", sa.Text(), nullable=False, server_default="")
        )
    _date_existing_invitations()


def _date_existing_invitations() -> None:
    bind = op.get_bind()
    case = sa.table(
        "pack_case",
        sa.column("id", sa.Uuid()),
        sa.column("observations_sent_on", sa.Date()),
        sa.column("observations_deadline", sa.Date()),
        sa.column("observations_invited_on", sa.Date()),
        sa.column("observations_invited_by_id", sa.Uuid()),
    )
    audit = sa.table(
        "audit_event",
        sa.column("case_id", sa.Uuid()),
        sa.column("action", sa.String()),
        sa.column("user_login", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    user = sa.table("app_user", sa.column("id", sa.Uuid()), sa.column("os_login", sa.String()))
    document = sa.table(
        "document",
        sa.column("case_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(case.c.id, case.c.observations_sent_on, case.c.observations_deadline).where(
            case.c.observations_sent_on.is_not(None)
        )
    ).all()
    for case_id, recorded_on, deadline in rows:
        author = bind.execute(
            sa.select(user.c.id)
            .join(audit, audit.c.user_login == user.c.os_login)
            .where(audit.c.case_id == case_id, audit.c.action == "invite_observations")
            .order_by(audit.c.at.desc())
            .limit(1)
        ).scalar()
        produced = bind.execute(
            sa.select(sa.func.max(document.c.created_at, type_=sa.DateTime(timezone=True))).where(
                document.c.case_id == case_id, document.c.kind == "invitation_observations"
            )
        ).scalar()
        sent_on, new_deadline = None, None
        if produced is not None:
            produced_on = (
                produced.astimezone().date() if produced.tzinfo else produced.date()
            )
            delay = (deadline - recorded_on) if deadline else timedelta(days=15)
            sent_on = max(produced_on, recorded_on)
            new_deadline = max(deadline or sent_on, sent_on + delay)
        bind.execute(
            case.update()
            .where(case.c.id == case_id)
            .values(
                observations_invited_on=recorded_on,
                observations_invited_by_id=author,
                observations_sent_on=sent_on,
                observations_deadline=new_deadline,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("override_motivation")
        batch_op.drop_column("override_rules")
    with op.batch_alter_table("pack_case", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_pack_case_observations_invited_by_id_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("observations_invited_by_id")
        batch_op.drop_column("observations_invited_on")
