"""Alembic environment: always driven from app.services.schema with an open connection."""

from alembic import context

from app.migrations.env_filters import include_object
from app.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline/autogenerate use from the alembic CLI
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url", "")).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
