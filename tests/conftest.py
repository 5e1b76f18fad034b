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
os.environ["POLYPHONY_REFUSED_UPLOADS_PER_CLIENT"] = "100000"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the run's state folder once every fixture (and the processes they started) has stopped."""
    shutil.rmtree(TEST_HOME, ignore_errors=True)
