"""What autogenerate compares: everything but the tables the ORM does not model."""

# The FTS5 search index and its shadow tables (SQLite only, see app/migrations/fts.py).
UNMODELLED_PREFIXES = ("beneficiary_fts",)


# The server's trigram index over the same text (PostgreSQL only, see fts.SERVER_INDEX).
UNMODELLED_INDEXES = ("ix_beneficiary_search_trgm",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "index" and name in UNMODELLED_INDEXES:
        return False
    return not (type_ == "table" and name.startswith(UNMODELLED_PREFIXES))
