"""Chaos: kill -9 each part of a live `polyphony up` at a point that matters for it, and check that the stack
heals by itself. Every contribution reaches its next state within a bound, no score, leaf, reward or transaction
exists twice, and nothing of a killed upload is left behind.

One stack (embedded Redis, anvil, SQLite, the local CID store) is started once and the cases run in order on it,
each on the state the previous ones left: that is the point, a stack that healed must go on working. The cases
print what came back and how long it took (`pytest -s` shows the table). Time budget: 6 minutes; it takes 4 to 5
on two busy cores, most of it the stack's own start, its periods (anchoring every 30 s) and a restarted scoring
worker loading its models.

It runs once in CI, in the embedded run: the parts it kills are the ones `polyphony up` runs itself, and on the
production-shaped run Redis and the database are servers of their own that no supervisor here restarts.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from celery import Celery
from eth_account import Account
from sqlalchemy import func
from sqlmodel import Session, col, create_engine, select
from web3 import Web3
from web3.exceptions import TransactionNotFound

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.demo_data import write_demo_files
from cli.stack import free_port
from polyphony.health import SUPERVISOR_STATE
from polyphony.models.chain import ChainTransaction, TxStatus
from polyphony.models.contribution import ANCHORED_OR_LATER as ANCHORED_STATUSES
from polyphony.models.contribution import AnchorBatch, Contribution, ContributionStatus
from polyphony.models.epoch import Epoch, EpochReward
from polyphony.models.score import ContributionScore, ScoringPolicy
from polyphony.queue import make_celery
from polyphony.settings import Settings
from workers.single_beat import LOCK_KEY

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.embedded_only,  # once in CI: in the embedded run (tests/conftest.py)
    pytest.mark.timeout(600),
]

POLYPHONY = str(Path(sys.executable).with_name("polyphony"))
STARTUP_S = 180.0
PART_BACK_S = 60.0  # a killed part answers again within this
# A contribution whose worker was killed reaches its next state within this: a restarted scoring worker loads its
# models again (about a minute on two busy cores) before its first score.
NEXT_STATE_S = 180.0
CONSENT = "I consent to training community models on this."
CHAOS_SETTINGS = {
    "POLYPHONY_CHAIN_BLOCK_TIME_S": "1",
    "POLYPHONY_REWARD_CHALLENGE_DELAY_S": "120",
    "POLYPHONY_EPOCH_CONTRIBUTOR_CAP_BPS": "5000",
    "POLYPHONY_API_WORKERS": "1",
    # Short governance delays (read once, at deploy), so a proposal goes from its vote to its execution in seconds.
    "POLYPHONY_VOTING_DELAY_S": "2",
    "POLYPHONY_VOTING_PERIOD_S": "12",
    "POLYPHONY_TIMELOCK_DELAY_S": "5",
}


@dataclass
class Measured:
    part: str
    point: str
    came_back: str
    seconds: float


@dataclass
class LiveStack:
    """A `polyphony up` in a folder of its own, and handles on what it runs."""

    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    api: str
    web3: Web3
    redis: redis.Redis
    redis_port: int
    results: list[Measured] = field(default_factory=list)
    restarts_before: dict[str, int] = field(default_factory=dict)

    def session(self) -> Session:
        return Session(create_engine(f"sqlite:///{self.home / 'polyphony.db'}"))

    def parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = json.loads((self.home / SUPERVISOR_STATE).read_text())["parts"]
        return parts

    def kill(self, part: str) -> float:
        """SIGKILL the part's whole process group, as a crash or the OOM killer would; when it happened."""
        assert self.process.poll() is None, self.log()
        state = self.parts()[part]
        self.restarts_before[part] = state["restarts"]
        os.killpg(state["pid"], signal.SIGKILL)
        return time.monotonic()

    def restarted(self, part: str) -> bool:
        """The part was started again since the last `kill` of it (other kills may have restarted it before)."""
        state = self.parts()[part]
        return bool(state["restarts"] > self.restarts_before[part] and state["status"] == "running")

    def celery(self) -> Celery:
        return make_celery(Settings(polyphony_home=self.home, polyphony_redis_port=self.redis_port))

    def worker_answers(self, queue: str) -> bool:
        replies = self.celery().control.ping(timeout=1.0) or []
        return any(name.startswith(f"{queue}@") for reply in replies for name in reply)

    def rpc(self, method: str, *params: Any) -> Any:
        return self.web3.provider.make_request(method, list(params))  # type: ignore[arg-type]

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api}/health?deep=1", timeout=10).status_code == 200
        except httpx.TransportError:
            return False

    def log(self) -> str:
        return (self.home / "up.log").read_text(errors="replace")

    def record(self, part: str, point: str, came_back: str, since: float) -> None:
        self.results.append(Measured(part, point, came_back, round(time.monotonic() - since, 1)))


def wait_for(what: str, ready: Callable[[], Any], *, within_s: float, stack: LiveStack) -> Any:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        assert stack.process.poll() is None, f"`polyphony up` stopped:\n{stack.log()}"
        value = ready()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what}: not within {within_s:g} s\n{stack.log()[-4000:]}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    home = tmp_path_factory.mktemp("chaos") / "var"
    home.mkdir()
    ports = {name: free_port() for name in ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT")}
    env = {**os.environ, **CHAOS_SETTINGS, **{k: str(v) for k, v in ports.items()}, "POLYPHONY_HOME": str(home)}
    with (home / "up.log").open("ab") as log:
        process = subprocess.Popen([POLYPHONY, "up"], env=env, stdout=log, stderr=subprocess.STDOUT)
    stack = LiveStack(
        home=home, env=env, process=process, api=f"http://127.0.0.1:{ports['POLYPHONY_API_PORT']}",
        web3=Web3(Web3.HTTPProvider(f"http://127.0.0.1:{ports['POLYPHONY_CHAIN_PORT']}")),
        redis=redis.Redis.from_url(f"redis://127.0.0.1:{ports['POLYPHONY_REDIS_PORT']}/0"),
        redis_port=ports["POLYPHONY_REDIS_PORT"],
    )  # fmt: skip
    try:
        wait_for("the stack's first green /health", stack.healthy, within_s=STARTUP_S, stack=stack)
        yield stack
    finally:
        stop_up(process)
        print("\n" + table(stack.results))  # noqa: T201 (the table of what came back, shown by -s)


def table(results: list[Measured]) -> str:
    lines = ["| part killed | at what point | what came back | within |", "|---|---|---|---|"]
    lines += [f"| {r.part} | {r.point} | {r.came_back} | {r.seconds:g} s |" for r in results]
    return "\n".join(lines)


# -- the cases, in order: each runs on what the previous ones left ------------------------------------------------


def test_beat_killed_while_it_holds_the_schedule(live: LiveStack) -> None:
    killed = live.kill("beat")
    wait_for("beat restarted", lambda: live.restarted("beat"), within_s=PART_BACK_S, stack=live)
    new_pid = live.parts()["beat"]["pid"]
    # The dead beat's lock lapses by itself (it cannot release it); the new one takes it then, and only then.
    wait_for(
        "the new beat holding the schedule", lambda: (live.redis.get(LOCK_KEY) or b"").endswith(f":{new_pid}".encode()),
        within_s=PART_BACK_S, stack=live,
    )  # fmt: skip
    live.record("beat", "idle, holding the single-beat lock", "a new beat, holding the lock", killed)
    shown = httpx.get(f"{live.api}/health", timeout=10).json()["parts"]
    assert shown["beat"] | {"last_restart_at": None} == {
        "status": "running", "restarts": 1, "last_restart_at": None, "last_exit_code": -signal.SIGKILL,
    }  # fmt: skip
    assert shown["api"]["restarts"] == 0


def test_redis_killed_with_jobs_and_keys_in_it(live: LiveStack) -> None:
    live.redis.set("chaos:written-before-the-kill", "kept")
    killed = live.kill("redis")
    wait_for("redis restarted", lambda: live.restarted("redis"), within_s=PART_BACK_S, stack=live)
    wait_for("every part green again (workers reconnected)", live.healthy, within_s=PART_BACK_S, stack=live)
    # Append-only with fsync every second: a killed process (not a lost machine) loses no acknowledged write.
    assert live.redis.get("chaos:written-before-the-kill") == b"kept"
    live.record("redis", "idle, queues and keys in it", "Redis with its data; workers reconnected", killed)


class SlowFile:
    """A file body that arrives slowly, so the API can be killed while it reads it."""

    def __init__(self, size: int, *, chunk: int = 1 << 16, pause_s: float = 0.05) -> None:
        self.left, self.chunk, self.pause_s = size, chunk, pause_s
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        time.sleep(self.pause_s)
        part = min(self.chunk, self.left)
        self.left -= part
        self.sent += part
        return (b"a line of prose that goes on and on, like a real text would.\n" * (part // 62 + 1))[:part]


def test_api_killed_mid_upload(live: LiveStack, tmp_path: Path) -> None:
    account = Account.create()
    client = PolyphonyClient(live.api, account)
    client.sign_in()
    body = SlowFile(8 << 20)
    failed: list[BaseException] = []

    def upload() -> None:
        try:
            client.http.post(
                "/contributions", data=_form("killed mid-upload"), files={"file": ("slow.txt", body, "text/plain")},
                headers={"Authorization": f"Bearer {client.token}", "Idempotency-Key": "chaos-slow"}, timeout=60,
            )  # fmt: skip
        except httpx.HTTPError as error:
            failed.append(error)

    sending = threading.Thread(target=upload)
    sending.start()
    wait_for("a megabyte of the body sent", lambda: body.sent > 1 << 20, within_s=30, stack=live)
    killed = live.kill("api")
    sending.join(timeout=60)
    assert failed, "the upload finished although its API was killed"
    wait_for("the API restarted and green", lambda: live.restarted("api") and live.healthy(), within_s=PART_BACK_S,
             stack=live)  # fmt: skip
    live.record("api", "mid-upload (1 MB of 8 MB received)", "the API; the upload refused, nothing kept", killed)
    with live.session() as session:
        kept = session.exec(select(Contribution).where(Contribution.contributor == account.address)).all()
    assert kept == [], "a killed upload left a contribution row"
    # The same client sends a file again through the new API, and it is kept.
    again = tmp_path / "after.txt"
    again.write_text("After the crash, a contributor uploads again and the stack takes it.\n" * 50)
    uploaded = client.upload(again, form=_form("after the API crash"), idempotency_key="chaos-after")
    assert uploaded.created


def _form(title: str, language: str = "en") -> dict[str, str]:
    return {
        "title": title, "description": "", "license": "CC-BY-4.0", "modality": "text", "language": language,
        "consent": CONSENT,
    }  # fmt: skip


def _contribute(live: LiveStack, path: Path, title: str, language: str) -> int:
    """Upload and claim `path` as a new contributor, as `polyphony contribute` does; its id."""
    client = PolyphonyClient(live.api, Account.create())
    client.sign_in()
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    uploaded = client.upload(path, form=_form(title, language), idempotency_key=f"sha256:{sha256}")
    number = int(uploaded.contribution["id"])
    client.claim(number, sha256=sha256, consent_sha256=hashlib.sha256(CONSENT.encode()).hexdigest())
    return number


def _statuses(live: LiveStack, ids: list[int]) -> dict[int, str]:
    with live.session() as session:
        rows = session.exec(select(Contribution.id, Contribution.status).where(col(Contribution.id).in_(ids))).all()
    return {int(number): str(status) for number, status in rows}


ANCHORED_OR_LATER = {str(status) for status in ANCHORED_STATUSES}


@pytest.fixture(scope="module")
def contributions(live: LiveStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Four contributions, claimed while anvil holds its blocks back, so that their anchoring transaction is
    written and sent but not mined until the anchoring case lets anvil mine again."""
    files = write_demo_files(tmp_path_factory.mktemp("chaos-data"))
    # Every other send done first (the scoring policy's registration, which the Redis case may have delayed):
    # the chain queue has one worker, and a send that waits for a block would hold the anchoring behind it.
    wait_for("the scoring policy registered", lambda: _policy_registered(live), within_s=NEXT_STATE_S, stack=live)
    live.rpc("evm_setAutomine", False)
    live.rpc("evm_setIntervalMining", 0)
    try:
        yield [_contribute(live, files[name].path, files[name].title, files[name].language) for name in
               ("alice", "bob", "carol", "eve")]  # fmt: skip
    finally:
        mine_again(live)


def _policy_registered(live: LiveStack) -> bool:
    with live.session() as session:
        registered = select(ScoringPolicy).where(col(ScoringPolicy.block_number).is_not(None))
        unmined = select(ChainTransaction).where(col(ChainTransaction.status).in_([TxStatus.SIGNED, TxStatus.SENT]))
        return session.exec(registered).first() is not None and session.exec(unmined).first() is None


def mine_again(live: LiveStack) -> None:
    live.rpc("evm_setIntervalMining", int(CHAOS_SETTINGS["POLYPHONY_CHAIN_BLOCK_TIME_S"]))
    live.rpc("evm_setAutomine", True)


def test_default_worker_killed_with_claims_waiting(live: LiveStack, contributions: list[int]) -> None:
    killed = live.kill("worker")
    wait_for("the default worker restarted", lambda: live.restarted("worker"), within_s=PART_BACK_S, stack=live)
    wait_for("the default worker answering", lambda: live.worker_answers("default"), within_s=PART_BACK_S, stack=live)
    live.record("worker (default queue)", "claims waiting for their batch", "the worker, answering pings", killed)


def test_chain_worker_killed_between_the_anchoring_intent_and_its_broadcast(
    live: LiveStack, contributions: list[int]
) -> None:
    """anvil holds blocks back (see `contributions`) while the anchoring transaction is written and sent; the
    test then drops it from anvil's pool and kills the chain worker: to the chain, the intent was written and never
    broadcast."""

    def anchor_sent() -> ChainTransaction | None:
        with live.session() as session:
            anchoring = select(ChainTransaction).where(col(ChainTransaction.intent).startswith("anchor:"))
            return session.exec(anchoring.where(ChainTransaction.status == TxStatus.SENT)).first()

    try:
        written = wait_for("the anchoring transaction written", anchor_sent, within_s=NEXT_STATE_S, stack=live)
        live.rpc("anvil_dropAllTransactions")
        killed = live.kill("chain-worker")
    finally:
        mine_again(live)
    wait_for(
        "every contribution anchored",
        lambda: set(_statuses(live, contributions).values()) <= ANCHORED_OR_LATER, within_s=NEXT_STATE_S, stack=live,
    )  # fmt: skip
    live.record("chain-worker", "between the anchoring intent's write and its broadcast", "every claim anchored",
                killed)  # fmt: skip
    with live.session() as session:
        leaves = session.exec(select(Contribution.leaf).where(col(Contribution.id).in_(contributions))).all()
        batches = session.exec(select(AnchorBatch)).all()
        resent = session.exec(select(ChainTransaction).where(ChainTransaction.intent == written.intent)).one()
    assert None not in leaves and len(set(leaves)) == len(leaves)
    assert sum(batch.count for batch in batches) == len(contributions)
    assert resent.status == TxStatus.MINED and resent.nonce == written.nonce  # the same transaction, not a second


def test_scoring_worker_killed_mid_score(live: LiveStack, contributions: list[int]) -> None:
    celery = make_celery(Settings(polyphony_home=live.home, polyphony_redis_port=live.redis_port))

    def scoring_now() -> set[str]:
        replies = celery.control.inspect(timeout=1.0).active() or {}
        return {
            task["id"] for tasks in replies.values() for task in tasks if task["name"] == "scoring.score_contribution"
        }

    interrupted = wait_for("a contribution being scored", scoring_now, within_s=NEXT_STATE_S, stack=live)
    killed = live.kill("scoring-worker")
    wait_for("the scoring worker restarted", lambda: live.restarted("scoring-worker"), within_s=PART_BACK_S,
             stack=live)  # fmt: skip
    # Its taken jobs went back on the queue before it started: the interrupted scoring runs again, same job.
    wait_for("the interrupted scoring running again", lambda: interrupted & scoring_now(), within_s=PART_BACK_S,
             stack=live)  # fmt: skip
    live.record("scoring-worker", "mid-score (its lease held)", "the interrupted job running again", killed)
    wait_for(
        "every contribution scored",
        lambda: set(_statuses(live, contributions).values()) <= {"scored", "rewarded"}, within_s=NEXT_STATE_S,
        stack=live,
    )  # fmt: skip
    live.record("scoring-worker", "(the same kill)", "every contribution scored, once (a cold worker)", killed)
    with live.session() as session:
        per_contribution = session.exec(
            select(ContributionScore.contribution_id, ContributionScore.policy_hash, func.count()).group_by(
                col(ContributionScore.contribution_id), col(ContributionScore.policy_hash)
            )
        ).all()
    assert all(count == 1 for _, _, count in per_contribution)


def test_chain_worker_killed_between_an_epoch_and_its_root(live: LiveStack, contributions: list[int]) -> None:
    closing = subprocess.Popen([POLYPHONY, "epoch", "close", "--wait", "0"], env=live.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip

    def recorded() -> Epoch | None:
        with live.session() as session:
            return session.exec(select(Epoch)).first()

    epoch = wait_for("the epoch recorded", recorded, within_s=NEXT_STATE_S, stack=live)
    killed = live.kill("chain-worker")
    output = closing.communicate(timeout=60)[0].decode()
    assert closing.returncode == 0, output

    def proposed() -> bool:
        with live.session() as session:
            return session.exec(select(Epoch.status).where(Epoch.id == epoch.id)).one() != "computed"

    wait_for("the epoch's root proposed", proposed, within_s=NEXT_STATE_S, stack=live)
    live.record("chain-worker", f"epoch closed, root not yet proposed (seen {epoch.status})", "the root proposed, once",
                killed)  # fmt: skip
    with live.session() as session:
        rewards = session.exec(select(EpochReward.contribution_id).where(EpochReward.epoch_id == epoch.id)).all()
    assert len(rewards) == len(set(rewards))


def test_anvil_killed_before_it_saved_its_last_blocks(live: LiveStack) -> None:
    """anvil saves its state every 10 s: killed right after a transaction (the epoch root's proposal, just mined),
    it comes back without what it had not saved. The senders find those mined transactions gone (a reorg) and
    send the same bytes again."""
    killed = live.kill("anvil")
    saved = (live.home / "chain" / "anvil-state.json").read_text()  # read before the new anvil loads it
    with live.session() as session:
        mined = session.exec(select(ChainTransaction).where(ChainTransaction.status == TxStatus.MINED)).all()
    unsaved = {tx.intent for tx in mined if str(tx.tx_hash).lower() not in saved.lower()}
    wait_for("anvil restarted", lambda: live.restarted("anvil"), within_s=PART_BACK_S, stack=live)
    wait_for("every part green", live.healthy, within_s=PART_BACK_S, stack=live)
    live.record("anvil", "just after a transaction, before its state was saved", "anvil, from its saved state", killed)
    assert set(_lost_transactions(live)) <= unsaved  # what it lost is what it had not saved (some resent already)
    wait_for("every lost transaction mined again", lambda: not _lost_transactions(live), within_s=NEXT_STATE_S,
             stack=live)  # fmt: skip
    live.record("anvil", f"(the same kill: {len(unsaved)} mined transaction(s) not saved)", "all of them mined again",
                killed)  # fmt: skip


def _lost_transactions(live: LiveStack) -> list[str]:
    """The intents recorded as mined whose transaction the chain does not have."""
    with live.session() as session:
        mined = session.exec(select(ChainTransaction).where(ChainTransaction.status == TxStatus.MINED)).all()
    lost = []
    for tx in mined:
        try:
            live.web3.eth.get_transaction_receipt(str(tx.tx_hash))
        except TransactionNotFound:
            lost.append(tx.intent)
    return lost


def test_nothing_orphaned_once_the_sweeps_have_run(live: LiveStack, contributions: list[int]) -> None:
    """The beat's own sweeps, run now through the stack's default worker: after them, no upload is left half-made,
    no spool file is left, and every pin in the store is a file some row names."""
    celery = live.celery()
    for task in ("contributions.sweep_unfinished", "storage.collect_garbage"):
        celery.send_task(task).get(timeout=120)
    with live.session() as session:
        storing = session.exec(select(Contribution).where(Contribution.status == ContributionStatus.STORING)).all()
        named = {
            *session.exec(select(Contribution.cid)).all(), *session.exec(select(AnchorBatch.manifest_cid)).all(),
            *session.exec(select(Epoch.report_cid)).all(), *session.exec(select(ScoringPolicy.document_cid)).all(),
        }  # fmt: skip
    assert storing == []
    assert [path.name for path in (live.home / "spool").glob("*")] == []
    pins = {path.name for path in (live.home / "ipfs" / "pins").iterdir()}
    assert pins <= named, f"pins no row names: {pins - named}"


def test_chain_worker_killed_between_the_execute_intent_and_its_broadcast(
    live: LiveStack, contributions: list[int]
) -> None:
    """A holder delegates, proposes a dataset of the scored contributions and votes it through, all relayed; the
    keeper queues it. Once the timelock's eta has passed, anvil holds its blocks back so the keeper's `execute` is
    written and sent but not mined; the test drops it from anvil's pool and kills the chain worker. The restarted
    worker must execute the proposal once: one execute intent, one `ProposalExecuted`, one approval."""
    deployment = Deployment.from_json((live.home / "deployments" / "31337.json").read_text())
    governor, registry = deployment.bind(live.web3, "governor"), deployment.bind(live.web3, "datasetRegistry")
    holder = PolyphonyClient(live.api, Account.create())
    holder.sign_in()
    _mint(live, deployment, holder.address, 10**24)
    _relay_delegation(live, holder)
    passed = [number for number in contributions if holder.contribution(number)["verdict"] == "pass"]
    dataset = holder.call("POST", "/datasets", json={"name": "chaos round", "contribution_ids": passed})
    proposal_id = holder.call("POST", "/proposals", json={"dataset_id": dataset["id"], "round": 1})["id"]

    def proposal() -> dict[str, Any]:
        found: dict[str, Any] = holder.call("GET", f"/proposals/{proposal_id}")
        return found

    wait_for("the vote open", lambda: proposal()["state"] == "active", within_s=NEXT_STATE_S, stack=live)
    typed = holder.call("GET", f"/proposals/{proposal_id}/ballot", params={"voter": holder.address, "support": "for"})
    ballot = {"voter": holder.address, "support": "for", "signature": "0x" + holder.sign_typed(typed).hex()}
    holder.call("POST", f"/proposals/{proposal_id}/votes", json=ballot)
    queued = wait_for("the proposal queued", lambda: (found := proposal())["state"] == "queued" and found,
                      within_s=NEXT_STATE_S, stack=live)  # fmt: skip
    execute_intent = f"proposal:execute:{governor.address}:{proposal_id}"

    def execute_sent() -> ChainTransaction | None:
        with live.session() as session:
            sent = select(ChainTransaction).where(ChainTransaction.intent == execute_intent)
            return session.exec(sent.where(ChainTransaction.status == TxStatus.SENT)).first()

    # Blocks held back only once one at or past the eta is mined: the keeper sends `execute` only when the latest
    # block says it is due, and that block must exist before mining stops.
    wait_for("a block at the eta", lambda: live.web3.eth.get_block("latest")["timestamp"] >= queued["eta"],
             within_s=NEXT_STATE_S, stack=live)  # fmt: skip
    live.rpc("evm_setAutomine", False)
    live.rpc("evm_setIntervalMining", 0)
    try:
        written = wait_for("the execute transaction written", execute_sent, within_s=NEXT_STATE_S, stack=live)
        live.rpc("anvil_dropAllTransactions")
        killed = live.kill("chain-worker")
    finally:
        mine_again(live)
    wait_for("the proposal executed", lambda: proposal()["state"] == "executed", within_s=NEXT_STATE_S, stack=live)
    live.record("chain-worker", "between the execute intent's write and its broadcast", "the proposal executed, once",
                killed)  # fmt: skip
    with live.session() as session:
        executes = session.exec(select(ChainTransaction).where(ChainTransaction.intent == execute_intent)).all()
    assert [(tx.status, tx.nonce) for tx in executes] == [(TxStatus.MINED, written.nonce)]
    executed = governor.events.ProposalExecuted().get_logs(from_block=0)
    assert [int(event["args"]["proposalId"]) for event in executed].count(int(proposal_id)) == 1
    approvals = registry.events.DatasetApproved().get_logs(from_block=0, argument_filters={"round": 1})
    assert [event["args"]["manifestCid"] for event in approvals] == [dataset["manifest_cid"]]


def _mint(live: LiveStack, deployment: Deployment, address: str, amount: int) -> None:
    """Mint as the rewards distributor (the token's only minter), which anvil lets the test impersonate: the
    holder's votes, without waiting out an epoch's challenge delay."""
    minter = Web3.to_checksum_address(deployment.contracts["rewardsDistributor"].address)
    live.rpc("anvil_impersonateAccount", minter)
    live.rpc("anvil_setBalance", minter, hex(10**19))
    try:
        token = deployment.bind(live.web3, "token")
        sent = token.functions.mint(Web3.to_checksum_address(address), amount).transact({"from": minter})
        assert live.web3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    finally:
        live.rpc("anvil_stopImpersonatingAccount", minter)


def _relay_delegation(live: LiveStack, holder: PolyphonyClient) -> None:
    """The holder delegates to itself through the relayer, as `polyphony delegate` does; back once it counts."""
    params = {"delegator": holder.address, "delegatee": holder.address}
    typed = holder.call("GET", "/delegations/typed-data", params=params)
    body = {**params, "nonce": int(typed["message"]["nonce"]), "expiry": int(typed["message"]["expiry"]),
            "signature": "0x" + holder.sign_typed(typed).hex()}  # fmt: skip
    accepted = holder.call("POST", "/delegations", json=body)
    wait_for("the delegation mined", lambda: holder.call("GET", f"/delegations/{accepted['id']}")["status"] == "mined",
             within_s=NEXT_STATE_S, stack=live)  # fmt: skip


def test_nothing_twice_and_nothing_lost(live: LiveStack, contributions: list[int]) -> None:
    """Every intent is one transaction and one nonce; every nonce a key used on-chain is one intent of ours."""
    with live.session() as session:
        sent = session.exec(select(ChainTransaction)).all()
    assert len({tx.intent for tx in sent}) == len(sent)
    by_sender: dict[str, set[int]] = {}
    for tx in sent:
        assert tx.nonce not in by_sender.setdefault(tx.sender, set()), f"nonce {tx.nonce} used twice by {tx.sender}"
        by_sender[tx.sender].add(tx.nonce)
    for sender, nonces in by_sender.items():
        assert live.web3.eth.get_transaction_count(Web3.to_checksum_address(sender)) == len(nonces)


def stop_up(process: subprocess.Popen[bytes]) -> None:
    """Stop a `polyphony up` as its operator would (Ctrl-C), killing it if it has not stopped within 90 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
