"""Real parts for integration tests: Redis, anvil and Celery workers started exactly as `polyphony up` starts them,
and a js-ipfs node (or the services named by REDIS_URL / CHAIN_RPC_URL / DATABASE_URL / IPFS_API_URL), the
database at head, and the contract set deployed by `polyphony deploy`'s own code."""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from sqlalchemy import create_engine, delete
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session
from web3 import Web3

from chain.bindings import Deployment
from chain.client import connect
from chain.deploy import GovernanceParameters, ensure_deployed
from chain.keys import KeyRole, ensure_dev_keys
from cli.stack import Stack, anvil_part, chain_worker_part, redis_part, worker_part
from polyphony.db import get_engine
from polyphony.migrations import upgrade_to_head
from polyphony.models import PendingJob
from polyphony.settings import Settings, get_settings
from tests.support.ipfs_node import ipfs_node

if TYPE_CHECKING:
    from tests.integration.chain.safe_fixtures import SafeContracts


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
def ipfs_api_url(settings: Settings) -> Iterator[str]:
    """The IPFS node at IPFS_API_URL, or a js-ipfs node started here (the Kubo RPC API)."""
    if settings.ipfs_api_url:
        yield settings.ipfs_api_url
        return
    with ipfs_node() as url:
        yield url


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


@pytest.fixture
def own_database_url(settings: Settings) -> Iterator[str]:
    """A fresh, empty database on the run's PostgreSQL server (PostgreSQL runs only), for a test whose processes
    must see no other test's rows; dropped after the test."""
    server = make_url(settings.effective_database_url)
    name = f"polyphony_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session on one connection whose outer transaction is rolled back at the end: nothing written survives.

    `session.commit()` only releases a savepoint (and `rollback()` returns to it), so code that commits or rolls
    back its own unit of work still behaves as it would. Two things it is not for: `after_commit` hooks still fire
    on that release, so a job enqueued and committed here is sent to the broker (`clean_outbox` is the tool for
    job tests); and no other connection sees these rows. On SQLite this connection holds the write lock from its
    first write to the end, so other writers (a `session_scope()` in the code under test, a worker) wait for it.
    """
    with engine.connect() as connection:
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            # pysqlite begins a transaction only before a write, so the session's SAVEPOINT would open the
            # outermost one and its RELEASE would commit: begin it here, explicitly.
            connection.exec_driver_sql("BEGIN")
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session for code that only flushes (services that take a `session`), rolled back after the test."""
    with rolled_back_session(engine) as session:
        yield session


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


TEN_ETHER = 10 * 10**18
# Short periods so tests move time with evm_increaseTime instead of waiting.
TEST_GOVERNANCE = GovernanceParameters(
    voting_delay_s=10, voting_period_s=100, proposal_threshold=0, quorum_percent=4,
    timelock_delay_s=20, reward_challenge_delay_s=200,
)  # fmt: skip


@pytest.fixture(scope="session")
def web3(chain_rpc_url: str) -> Web3:
    return connect(chain_rpc_url)


@pytest.fixture
def funded_account(web3: Web3, engine: Engine) -> LocalAccount:
    """A new key with 10 ether (anvil's `anvil_setBalance`), so each test owns its nonces."""
    account: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [account.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return account


@pytest.fixture(scope="session")
def operator_keys(web3: Web3, settings: Settings) -> dict[KeyRole, LocalAccount]:
    """The operator's role keys, made and funded as `polyphony up` does on the embedded chain."""
    return ensure_dev_keys(settings.keys_dir, web3)


@pytest.fixture(scope="session")
def deployment(
    web3: Web3, engine: Engine, settings: Settings, operator_keys: dict[KeyRole, LocalAccount]
) -> Deployment:
    """The contract set, deployed once per test run by `polyphony deploy`'s own code, with test parameters."""
    deployed, _ = ensure_deployed(
        web3, operator_keys, parameters=TEST_GOVERNANCE, deployments_dir=settings.deployments_dir
    )
    return deployed


@pytest.fixture(scope="session")
def safe_contracts(web3: Web3) -> "SafeContracts":
    """Safe's singleton, proxy factory and compatibility fallback handler, deployed once from the npm artifacts."""
    # Imported here: the Safe fixtures import the chain fixtures, which import this module's constants.
    from tests.integration.chain.safe_fixtures import deploy_safe_contracts, package_version

    assert package_version() == "1.4.1"
    deployer: LocalAccount = Account.create()
    web3.provider.make_request("anvil_setBalance", [deployer.address, hex(TEN_ETHER)])  # type: ignore[arg-type]
    return deploy_safe_contracts(web3, deployer)
