"""Alembic migrations of the Pack Sortie schema (run by app.services.schema)."""
