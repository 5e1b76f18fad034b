"""Every test run gets its own state folder and free loopback ports, so it never touches ./var or a running
stack. This runs before any test module imports the settings."""

import os
import shutil
import tempfile

import pytest

from cli.stack import free_port

TEST_HOME = tempfile.mkdtemp(prefix="polyphony-test-")
os.environ["POLYPHONY_HOME"] = TEST_HOME
os.environ["POLYPHONY_REDIS_PORT"] = str(free_port())
os.environ["POLYPHONY_CHAIN_PORT"] = str(free_port())
os.environ["POLYPHONY_API_PORT"] = str(free_port())
# The embedded chain mines only on transactions in tests: the chain tests count blocks and hold transactions
# unmined. The test of anvil's own clock starts a chain of its own with a block time.
os.environ["POLYPHONY_CHAIN_BLOCK_TIME_S"] = "0"
# Every TestClient request comes from one client address: the suite signs in and uploads far more often than
# a person would. The rate-limit tests set their own low limits.
os.environ["POLYPHONY_SIGN_IN_PER_CLIENT"] = "100000"
os.environ["POLYPHONY_UPLOAD_PER_CLIENT"] = "100000"
# Likewise every relayed request comes from one client, and the suite relays more than a person would; the
# relayer-purse tests set their own low quotas and cap.
os.environ["POLYPHONY_RELAY_PER_CLIENT"] = "100000"
os.environ["POLYPHONY_REFUSED_UPLOADS_PER_CLIENT"] = "100000"


# Suites that CI runs once, not in both of its runs (they test processes, not the services behind them). The
# services are configured by the environment before any test runs, so the choice is made at collection.
ON_SERVICES = any(os.environ.get(name) for name in ("DATABASE_URL", "REDIS_URL", "CHAIN_RPC_URL", "IPFS_API_URL"))
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) what this run does not cover: `embedded_only` tests run on the embedded defaults
    (CI's first run), `postgresql_only` tests where DATABASE_URL is PostgreSQL (its second)."""

    def left_out(item: pytest.Item) -> bool:
        if item.get_closest_marker("embedded_only"):
            return ON_SERVICES
        return bool(item.get_closest_marker("postgresql_only")) and not ON_POSTGRESQL

    deselected = [item for item in items if left_out(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not left_out(item)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the run's state folder once every fixture (and the processes they started) has stopped."""
    shutil.rmtree(TEST_HOME, ignore_errors=True)
