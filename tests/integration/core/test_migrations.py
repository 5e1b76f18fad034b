"""Alembic builds the schema on the configured database (SQLite, or PostgreSQL in CI), and takes it back."""

from alembic import command
from sqlalchemy import JSON, column, inspect, select, table
from sqlalchemy.engine import Engine

from polyphony.clock import utcnow
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


def test_pending_jobs_under_an_old_task_name_carry_the_new_name_after_the_upgrade(engine: Engine) -> None:
    config = alembic_config()
    outbox = table("pending_job", column("id"), column("task"), column("task_id"), column("arguments", JSON),
                   column("created_at"))  # fmt: skip
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
        connection.execute(outbox.insert().values(
            task="chain.relay_claim", task_id="renamed-task-test", arguments={"claim_id": 7}, created_at=utcnow()
        ))  # fmt: skip
        command.upgrade(config, "head")
        renamed = connection.execute(select(outbox.c.task).where(outbox.c.task_id == "renamed-task-test")).scalar()
        connection.execute(outbox.delete().where(outbox.c.task_id == "renamed-task-test"))
    assert renamed == "rewards.relay_claim"
