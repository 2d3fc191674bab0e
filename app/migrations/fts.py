"""The beneficiary search indexes, shared by the migrations that touch them.

SQLite:
An external-content FTS5 table over ``beneficiary.search_text`` (already accent-folded),
kept in sync by triggers. A batch migration that rebuilds the ``beneficiary`` table drops
the triggers and may renumber rowids: such a migration must call ``drop`` before and
``create`` after (which rebuilds the index from the table).
"""

from alembic import op

TABLE = "beneficiary_fts"


def create() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches search_text with LIKE
    op.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='beneficiary', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_ai AFTER INSERT ON beneficiary BEGIN "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_ad AFTER DELETE ON beneficiary BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); END"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_au AFTER UPDATE OF search_text ON beneficiary BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
        "VALUES ('delete', old.rowid, old.search_text); "
        f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.rowid, new.search_text); END"
    )
    op.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def drop() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")


# PostgreSQL: a trigram index over the same folded text answers the list's
# ``search_text LIKE '% word%'`` (app/services/beneficiary_search.py) without a scan.
SERVER_INDEX = "ix_beneficiary_search_trgm"


def create_server_index() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {SERVER_INDEX} ON beneficiary "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_server_index() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {SERVER_INDEX}")
