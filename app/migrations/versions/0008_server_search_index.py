"""server search index

A PostgreSQL base answers the beneficiary list's text search from a trigram index over the
folded search text (pg_trgm, a trusted extension the base's owner may create); SQLite keeps
its FTS5 index. Nothing changes in a SQLite base.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:50:00
"""

from app.migrations import fts

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    fts.create_server_index()


def downgrade() -> None:
    fts.drop_server_index()
