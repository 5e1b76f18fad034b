"""Alembic builds the schema on the configured database (SQLite, or PostgreSQL in CI), and takes it back."""

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from polyphony.migrations import alembic_config, upgrade_to_head


def test_head_has_the_outbox_table_and_matches_the_models(engine: Engine) -> None:
    assert "pending_job" in inspect(engine).get_table_names()
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models have changes no migration holds


def test_downgrade_to_base_and_back_to_head(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert "pending_job" not in inspect(connection).get_table_names()
    upgrade_to_head(engine)
    assert "pending_job" in inspect(engine).get_table_names()
