"""Chaos, the database: kill -9 of the PostgreSQL server under a live `polyphony up`, mid-flow, then its restart.

`polyphony up` does not run PostgreSQL (a server of its own), so nothing restarts it but its operator: here the
test, a few seconds later. What must hold: while it is down `/health` says so (503, the database down); once it
is back the stack is green again by itself, with no part restarted for it, and a contribution claimed just
before the kill reaches its next state (anchored) within a bound.

It runs once in CI: in the PostgreSQL run (`DATABASE_URL` is postgresql). It starts a PostgreSQL server of its
own from the same binaries (the run's shared server is not its to kill), as the `postgres` user when run as root.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from sqlmodel import Session, create_engine, select

from cli.client import PolyphonyClient
from cli.demo_data import write_demo_files
from cli.stack import free_port
from polyphony.models.contribution import ANCHORED_OR_LATER, Contribution
from tests.integration.chaos.test_chaos import CHAOS_SETTINGS, CONSENT, POLYPHONY, STARTUP_S, _form, stop_up

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.postgresql_only,  # once in CI: in the PostgreSQL run (tests/conftest.py)
    pytest.mark.timeout(600),
]

DOWN_S = 5.0  # how long the database stays dead before its operator starts it again
BACK_S = 60.0
NEXT_STATE_S = 120.0


def _postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    assert versions, "no PostgreSQL binaries: the PostgreSQL run installs them"
    return versions[-1]


class Postgres:
    """A PostgreSQL server in a folder of its own, run as `postgres` when the test runs as root."""

    def __init__(self, folder: Path) -> None:
        self.bin = _postgres_bin()
        self.data = folder / "data"
        self.port = free_port()
        self.folder = folder
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")

    def run(self, *command: str) -> None:
        line = [str(self.bin / command[0]), *command[1:]]
        if os.geteuid() == 0:
            line = ["su", "postgres", "-c", subprocess.list2cmdline(line)]
        done = subprocess.run(line, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{command[0]} failed: {done.stdout}{done.stderr}"

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "polyphony")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "-o", options, "start")

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would; its backends end by themselves when they see it gone."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/polyphony"


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    # Not under pytest's own temporary folder: the `postgres` user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="polyphony-chaos-pg-"))
    server = Postgres(folder)
    try:
        server.init()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _health(api: str) -> int:
    try:
        return httpx.get(f"{api}/health?deep=1", timeout=10).status_code
    except httpx.TransportError:
        return 0


def _wait(what: str, ready: object, within_s: float, up: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        assert up.poll() is None, log.read_text()
        if ready():  # type: ignore[operator]
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {within_s:g} s\n{log.read_text()[-4000:]}")


def test_the_database_killed_mid_flow(postgres: Postgres, tmp_path: Path) -> None:
    home = tmp_path / "var"
    home.mkdir()
    api_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHAIN_RPC_URL", "IPFS_API_URL")},
        **CHAOS_SETTINGS, "DATABASE_URL": postgres.url, "POLYPHONY_HOME": str(home),
        "POLYPHONY_API_PORT": str(api_port), "POLYPHONY_REDIS_PORT": str(free_port()),
        "POLYPHONY_CHAIN_PORT": str(free_port()),
    }  # fmt: skip
    api = f"http://127.0.0.1:{api_port}"
    log = home / "up.log"
    with log.open("ab") as output:
        up = subprocess.Popen([POLYPHONY, "up"], env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait("the stack green", lambda: _health(api) == 200, STARTUP_S, up, log)
        number = _claimed_contribution(api, tmp_path)
        postgres.kill()
        _wait("/health saying the database is down", lambda: _health(api) == 503, BACK_S, up, log)
        time.sleep(DOWN_S)
        postgres.start()
        green_in = _wait("the stack green again", lambda: _health(api) == 200, BACK_S, up, log)
        anchored_in = _wait("the claimed contribution anchored", lambda: _anchored(postgres.url, number),
                            NEXT_STATE_S, up, log)  # fmt: skip
        print(  # noqa: T201 (the measured figures, shown by -s)
            f"\n| database (PostgreSQL) | a claim waiting for its batch, down {DOWN_S:g} s | green again "
            f"{green_in:g} s after its restart; the claim anchored {anchored_in + green_in:g} s after it |"
        )
        assert "restarted" not in log.read_text(), "a part died with the database"
    finally:
        stop_up(up)


def _claimed_contribution(api: str, folder: Path) -> int:
    text = write_demo_files(folder / "data")["bob"]
    client = PolyphonyClient(api, Account.create())
    client.sign_in()
    sha256 = hashlib.sha256(text.path.read_bytes()).hexdigest()
    uploaded = client.upload(text.path, form=_form(text.title), idempotency_key=f"sha256:{sha256}")
    number = int(uploaded.contribution["id"])
    client.claim(number, sha256=sha256, consent_sha256=hashlib.sha256(CONSENT.encode()).hexdigest())
    return number


def _anchored(url: str, number: int) -> bool:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            status = session.exec(select(Contribution.status).where(Contribution.id == number)).one()
    finally:
        engine.dispose()
    return status in ANCHORED_OR_LATER
