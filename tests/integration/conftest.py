"""Real parts for integration tests: Redis, anvil and a Celery worker started exactly as `polyphony up` starts
them (or the services named by REDIS_URL / CHAIN_RPC_URL / DATABASE_URL), and the database at head."""

from collections.abc import Iterator

import pytest
from rich.console import Console
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from cli.stack import Stack, anvil_part, chain_worker_part, redis_part, worker_part
from polyphony.db import get_engine
from polyphony.migrations import upgrade_to_head
from polyphony.models import PendingJob
from polyphony.settings import Settings, get_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[Stack]:
    running = Stack(settings, Console(quiet=True))
    yield running
    running.stop_all()


@pytest.fixture(scope="session")
def redis_url(settings: Settings, stack: Stack) -> str:
    if not settings.redis_url:
        stack.start(redis_part(settings))
    return settings.effective_redis_url


@pytest.fixture(scope="session")
def chain_rpc_url(settings: Settings, stack: Stack) -> str:
    if not settings.chain_rpc_url:
        stack.start(anvil_part(settings))
    return settings.effective_chain_rpc_url


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The configured database (SQLite in the test folder, or DATABASE_URL), migrated to head."""
    migrated = get_engine()
    upgrade_to_head(migrated)
    return migrated


@pytest.fixture(scope="session")
def celery_worker(settings: Settings, stack: Stack, redis_url: str, engine: Engine) -> None:
    """A real Celery worker process on the default queue."""
    stack.start(worker_part(settings))


@pytest.fixture(scope="session")
def chain_celery_worker(settings: Settings, stack: Stack, redis_url: str, engine: Engine, chain_rpc_url: str) -> None:
    """The chain queue's worker process (concurrency 1), as `polyphony up` runs it."""
    stack.start(chain_worker_part(settings))


@pytest.fixture
def clean_outbox(engine: Engine) -> Iterator[None]:
    """Job tests commit for real (the worker must see the rows), so they clear the outbox after themselves."""
    yield
    with engine.begin() as connection:
        connection.execute(delete(PendingJob))
