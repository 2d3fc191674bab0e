"""What autogenerate compares: everything but the tables the ORM does not model."""

# The FTS5 search index and its shadow tables (SQLite only, see app/migrations/fts.py).
UNMODELLED_PREFIXES = ("beneficiary_fts",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name.startswith(UNMODELLED_PREFIXES))
