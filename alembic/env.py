"""Alembic's entry: migrate the database Polyphony's settings name (or the connection a caller hands over)."""

from alembic import context
from sqlmodel import SQLModel

import polyphony.models  # noqa: F401  (registers every table on SQLModel.metadata)
from polyphony.db import make_engine
from polyphony.settings import get_settings


def run_migrations() -> None:
    """Run the migrations on `config.attributes["connection"]` if given, else on the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(get_settings().effective_database_url)
    with engine.begin() as own_connection:
        _migrate(own_connection)
    engine.dispose()


def _migrate(connection: object) -> None:
    # render_as_batch lets ALTER TABLE work on SQLite by copying the table.
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
