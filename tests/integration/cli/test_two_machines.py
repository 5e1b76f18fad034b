"""Two machines of one stack, as "Running on several machines" in the README runs them: every role started as
`polyphony serve ROLE`, each machine with its own state folder and each role in its own process group.

The machines share what a real deployment shares: one PostgreSQL (a database of this test's own on the run's
server), one Redis (a database number of its own), one anvil with the contracts `polyphony deploy` put there, and
the run's IPFS node. Machine A runs the API, the default, chain and scoring workers and beat; machine B runs a
second API and a second scoring worker, plus a second beat and a second chain worker as if started by mistake.
Contributors sign in, upload and claim through both APIs (behind one public origin, as behind a load balancer);
then, from the database and the chain: every contribution scored and anchored once, both scoring workers did some
of it, the second beat sent nothing, and no transaction was sent twice.

It runs once in CI, in the PostgreSQL run (a database that processes on several machines can share). Time budget:
three minutes; it took 2 min 50 s on two cores with a load average of 7: half a minute to migrate and deploy, a
minute to start the nine parts one after the other, a minute from the first claim to the last score (the first
batch waits for beat's 30 s anchoring period, and each scoring process loads its models for its first score).
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from eth_account import Account
from redis import Redis
from rich.console import Console
from sqlalchemy import create_engine, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from web3 import Web3

from chain.bindings import Deployment
from chain.client import connect
from chain.keys import ensure_dev_keys
from cli.client import PolyphonyClient
from cli.stack import ROLES, Part, Stack, anvil_part, free_port
from polyphony.models.chain import ChainTransaction, TxStatus
from polyphony.models.contribution import AnchorBatch, BatchStatus, Contribution, ContributionEvent
from polyphony.models.score import ContributionScore
from polyphony.settings import EMBEDDED_CHAIN_ID, Settings
from tests.integration.chaos.test_chaos import CONSENT, _form
from tests.support.beat_lock import holder
from tests.support.scored_uploads import prose

pytestmark = [
    pytest.mark.postgresql_only,  # once in CI: in the PostgreSQL run (tests/conftest.py)
    pytest.mark.timeout(600),
]

POLYPHONY = str(Path(sys.executable).with_name("polyphony"))
PUBLIC_URL = "http://polyphony.test"  # the one origin both APIs answer for, as behind a load balancer
REDIS_DB = 11  # a database number no other test uses: its queues, locks and indexes are this test's alone
CONTRIBUTORS = 5
FILES_EACH = 2
SCORED_WITHIN_S = 240.0  # from the last claim; measured: one minute
SCORED = {"scored", "rewarded"}


@dataclass
class Machine:
    """One "machine": its state folder, its settings, and the roles it runs, each in its own process group."""

    name: str
    env: dict[str, str]
    settings: Settings
    stack: Stack

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings.polyphony_api_port}"

    def serve(self, role: str) -> Part:
        """Start `polyphony serve ROLE` here and wait until it answers as `polyphony up` waits for that role."""
        built = ROLES[role](self.settings)
        # A worker is ready once its own log says so: both machines' workers of a queue answer a ping by the same
        # name here (`queue@%h`, one host), so a ping cannot tell this machine's from the other's.
        ready = built.ready if role in ("api", "beat") else lambda: " ready." in self.log(role)
        part = Part(role, [POLYPHONY, "serve", role], built.listens, ready=ready, env=self.env)
        self.stack.start(part)
        return part

    def log(self, role: str) -> str:
        return (self.settings.home / "logs" / f"{role}.log").read_text(errors="replace")

    def run(self, *command: str) -> None:
        """Run a one-off `polyphony` command as this machine's operator would."""
        done = subprocess.run(
            [POLYPHONY, *command], env={**os.environ, **self.env}, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr


def machine(name: str, home: Path, shared: dict[str, str]) -> Machine:
    env = {
        **shared, "POLYPHONY_HOME": str(home), "POLYPHONY_API_PORT": str(free_port()), "POLYPHONY_API_WORKERS": "1",
        "POLYPHONY_PUBLIC_URL": PUBLIC_URL, "POLYPHONY_LOG_LEVEL": "info",
    }  # fmt: skip
    settings = Settings(**{key.lower(): value for key, value in env.items()})  # type: ignore[arg-type]
    return Machine(name, env, settings, Stack(settings, Console(quiet=True)))


@pytest.fixture
def shared_redis_url(redis_url: str) -> Iterator[str]:
    """The run's Redis server, on a database number of this test's own, emptied before and after."""
    url = urlsplit(redis_url)._replace(path=f"/{REDIS_DB}").geturl()
    redis = Redis.from_url(url)
    redis.flushdb()
    yield url
    redis.flushdb()


@pytest.fixture
def chain_url(tmp_path: Path) -> Iterator[str]:
    """One anvil of the test's own, started as `polyphony up` starts it, that both machines send to."""
    settings = Settings(polyphony_home=tmp_path / "chain", polyphony_chain_port=free_port())
    stack = Stack(settings, Console(quiet=True))
    try:
        stack.start(anvil_part(settings))
        yield settings.effective_chain_rpc_url
    finally:
        stack.stop_all()


@pytest.fixture
def machines(
    tmp_path: Path, own_database_url: str, shared_redis_url: str, chain_url: str, ipfs_api_url: str
) -> Iterator[tuple[Machine, Machine]]:
    """Machine A (every role) and machine B (a second API and scoring worker, a stray beat and chain worker), on
    the migrated database and the deployed contracts; stopped, role by role, after the test."""
    shared = {
        "DATABASE_URL": own_database_url, "REDIS_URL": shared_redis_url, "CHAIN_RPC_URL": chain_url,
        "IPFS_API_URL": ipfs_api_url,
    }  # fmt: skip
    a, b = machine("A", tmp_path / "a", shared), machine("B", tmp_path / "b", shared)
    # Once, from one machine, before the roles start; every machine then gets the same keys and deployment file.
    ensure_dev_keys(a.settings.keys_dir, connect(chain_url))
    a.run("migrate")
    a.run("deploy")
    shutil.copytree(a.settings.keys_dir, b.settings.keys_dir)
    shutil.copytree(a.settings.deployments_dir, b.settings.deployments_dir)
    try:
        for role in ("worker", "chain-worker", "scoring-worker", "beat", "api"):
            a.serve(role)
        for role in ("scoring-worker", "chain-worker", "api"):
            b.serve(role)
        yield a, b
    finally:
        b.stack.stop_all()
        a.stack.stop_all()


def test_two_machines_score_every_contribution_once_and_send_no_transaction_twice(
    machines: tuple[Machine, Machine], own_database_url: str, shared_redis_url: str, chain_url: str, tmp_path: Path
) -> None:
    a, b = machines
    redis = Redis.from_url(shared_redis_url)
    beat_a = next(part.process for part in a.stack.running if part.name == "beat")
    assert beat_a is not None
    beat_pid = beat_a.pid
    wait_for("machine A's beat holding the schedule", lambda: holder(redis) == beat_pid, 60, a, b)
    b.serve("beat")
    wait_for("machine B's beat standing by", lambda: "stands by" in b.log("beat"), 60, a, b)

    numbers = contribute(a, b, tmp_path / "files")
    engine = create_engine(own_database_url)
    try:
        wait_for("every contribution scored", lambda: statuses(engine, numbers) <= SCORED, SCORED_WITHIN_S, a, b)
        assert holder(redis) == beat_pid, "machine A's beat lost the schedule"
        assert "Sending due task" in a.log("beat") and "Sending due task" not in b.log("beat")
        check_scored_once(engine, numbers, machines=(a, b))
        check_anchored_once(engine, numbers, web3=connect(chain_url), deployment=deployment_of(a))
        check_no_transaction_twice(engine, web3=connect(chain_url))
    finally:
        engine.dispose()


def contribute(a: Machine, b: Machine, folder: Path) -> list[int]:
    """Each contributor signs in on one API, then uploads a file through each API and claims it through the other
    (the bearer token is the stack's, kept in the shared Redis); the contributions' ids."""
    folder.mkdir()
    paragraphs = prose(CONTRIBUTORS * FILES_EACH * 2)
    numbers = []
    for person in range(CONTRIBUTORS):
        account = Account.create()
        clients = [PolyphonyClient(PUBLIC_URL, account, http=httpx.Client(base_url=m.api, timeout=60)) for m in (a, b)]
        token = clients[person % 2].sign_in()
        clients[(person + 1) % 2].token = token
        for upload in range(FILES_EACH):
            index = person * FILES_EACH + upload
            path = folder / f"contribution-{index}.txt"
            path.write_text(f"{paragraphs[2 * index]}\n\n{paragraphs[2 * index + 1]}\n")
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            form = _form(f"contribution {index}")
            uploaded = clients[upload % 2].upload(path, form=form, idempotency_key=f"sha256:{sha256}")
            number = int(uploaded.contribution["id"])
            consent = hashlib.sha256(CONSENT.encode()).hexdigest()
            clients[(upload + 1) % 2].claim(number, sha256=sha256, consent_sha256=consent)
            numbers.append(number)
    return numbers


def check_scored_once(engine: Engine, numbers: list[int], *, machines: tuple[Machine, Machine]) -> None:
    """One score row and one `scored` step per contribution, each recorded by a task one scoring worker ran; and
    both machines' scoring workers recorded some of them (told by the task ids in their own logs)."""
    with Session(engine) as session:
        scores = session.exec(select(ContributionScore).where(col(ContributionScore.contribution_id).in_(numbers)))
        task_of = {}
        for row in scores.all():
            assert row.contribution_id not in task_of, f"contribution {row.contribution_id} has two score rows"
            task_of[row.contribution_id] = str(row.task_id)
        steps = session.exec(
            select(ContributionEvent.contribution_id, func.count())
            .where(col(ContributionEvent.contribution_id).in_(numbers), ContributionEvent.step == "scored")
            .group_by(col(ContributionEvent.contribution_id))
        ).all()
    assert sorted(task_of) == sorted(numbers)
    assert dict(steps) == dict.fromkeys(numbers, 1), "a contribution was scored twice"
    succeeded = {
        m.name: set(re.findall(r"scoring\.score_contribution\[([0-9a-f-]+)\] succeeded", m.log("scoring-worker")))
        for m in machines
    }
    ran_on = {number: [name for name, tasks in succeeded.items() if task in tasks] for number, task in task_of.items()}
    assert all(len(names) == 1 for names in ran_on.values()), ran_on
    by_machine = {name: sorted(n for n, names in ran_on.items() if names == [name]) for name in succeeded}
    print(f"\ncontributions scored, by machine: {by_machine}")  # noqa: T201 (shown by -s)
    assert all(by_machine.values()), f"one scoring worker did all the work: {by_machine}"


def check_anchored_once(engine: Engine, numbers: list[int], *, web3: Web3, deployment: Deployment) -> None:
    """Every contribution in exactly one anchored batch, with one `anchored` step, and each batch's root anchored
    on-chain once."""
    with Session(engine) as session:
        contributions = session.exec(select(Contribution).where(col(Contribution.id).in_(numbers))).all()
        batches = session.exec(select(AnchorBatch)).all()
        steps = session.exec(
            select(ContributionEvent.contribution_id, func.count())
            .where(col(ContributionEvent.contribution_id).in_(numbers), ContributionEvent.step == "anchored")
            .group_by(col(ContributionEvent.contribution_id))
        ).all()
    assert dict(steps) == dict.fromkeys(numbers, 1), "a contribution was anchored twice"
    assert all(batch.status == BatchStatus.ANCHORED for batch in batches)
    assert sum(batch.count for batch in batches) == len(numbers)
    assert {c.batch_id for c in contributions} == {batch.id for batch in batches}
    registry = deployment.bind(web3, "provenanceRegistry")
    anchored = [
        "0x" + bytes(event["args"]["root"]).hex() for event in registry.events.BatchAnchored().get_logs(from_block=0)
    ]
    assert sorted(anchored) == sorted(batch.root for batch in batches), "a root anchored twice, or one missing"
    registered = registry.events.PolicyRegistered().get_logs(from_block=0)
    assert len(registered) == 1, "the scoring policy registered twice"


def check_no_transaction_twice(engine: Engine, *, web3: Web3) -> None:
    """Every transaction of the stack's keys mined once: one intent, one nonce and one hash each, and no nonce used
    on-chain that no transaction row holds."""
    with Session(engine) as session:
        sent = session.exec(select(ChainTransaction)).all()
    assert all(tx.status == TxStatus.MINED for tx in sent), [(tx.intent, tx.status) for tx in sent]
    assert len({tx.intent for tx in sent}) == len(sent)
    assert len({tx.tx_hash for tx in sent}) == len(sent)
    assert len({(tx.sender, tx.nonce) for tx in sent}) == len(sent)
    for sender in {tx.sender for tx in sent}:
        nonces = sorted(tx.nonce for tx in sent if tx.sender == sender)
        assert nonces == list(range(len(nonces))), f"{sender} skipped a nonce: {nonces}"
        assert web3.eth.get_transaction_count(Web3.to_checksum_address(sender)) == len(nonces)


def deployment_of(m: Machine) -> Deployment:
    return Deployment.from_json((m.settings.deployments_dir / f"{EMBEDDED_CHAIN_ID}.json").read_text())


def statuses(engine: Engine, numbers: list[int]) -> set[str]:
    with Session(engine) as session:
        found = session.exec(select(Contribution.status).where(col(Contribution.id).in_(numbers))).all()
    return {str(status) for status in found}


def wait_for(what: str, condition: Callable[[], bool], seconds: float, *machines: Machine) -> None:
    """Wait until `condition()` holds, failing at once if a part of either machine stopped."""
    deadline = time.monotonic() + seconds
    while not condition():
        for m in machines:
            m.stack.check_alive()
        assert time.monotonic() < deadline, f"{what}: not within {seconds:g} s"
        time.sleep(0.5)
