"""Claims: relayed through the relayer key (the account pays no gas), paid once, and refused clearly."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select
from web3 import Web3

from chain.bindings import Deployment
from polyphony.db import session_scope
from polyphony.models.epoch import Epoch, EpochReward, EpochStatus
from polyphony.models.indexer import ChainEvent
from polyphony.models.job import PendingJob
from tests.integration.rewards.conftest import new_address, run_task, scored, wait_for_status


def _follow(api: TestClient, claim: dict[str, Any], timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while claim["status"] == "queued":
        assert time.monotonic() < deadline, f"claim {claim['id']} stayed queued"
        time.sleep(0.2)
        claim = api.get(claim["follow"]).json()
    return claim


def test_a_relayed_claim_pays_the_account_once_and_the_relayer_pays_the_gas(
    close: Any, activate: Any, api: TestClient, rewards_stack: Deployment, web3: Web3
) -> None:
    frank = new_address()
    scored(frank)
    epoch = close()
    assert epoch is not None
    activate(epoch.number)
    token = rewards_stack.bind(web3, "token")
    cumulative = int(api.get(f"/rewards/{frank}").json()["cumulative"])

    asked = api.post("/rewards/claims", json={"account": frank.lower()})
    assert asked.status_code == 202, asked.text
    claim = _follow(api, asked.json())
    assert claim["status"] == "mined" and claim["tx_hash"]
    assert token.functions.balanceOf(frank).call() == cumulative
    assert web3.eth.get_balance(Web3.to_checksum_address(frank)) == 0  # it never held ether: the relayer paid
    receipt = web3.eth.get_transaction_receipt(claim["tx_hash"])
    assert receipt["from"] != frank

    again = api.post("/rewards/claims", json={"account": frank})
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_claim"
    assert token.functions.balanceOf(frank).call() == cumulative
    assert int(api.get(f"/rewards/{frank}").json()["claimable"]) == 0


def test_bad_reward_requests_get_clear_answers(rewards_stack: Deployment, api: TestClient) -> None:
    stranger = new_address()
    unknown = api.get(f"/rewards/{stranger}")
    assert unknown.status_code == 200
    assert (unknown.json()["claimable"], unknown.json()["cumulative"], unknown.json()["proof"]) == ("0", "0", [])
    refused = api.post("/rewards/claims", json={"account": stranger})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "nothing_to_claim"
    for malformed in ("0x1234", "not-an-address", "0x" + "zz" * 20):
        answer = api.get(f"/rewards/{malformed}")
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_address"
        posted = api.post("/rewards/claims", json={"account": malformed})
        assert posted.status_code == 400 and posted.json()["error"]["code"] == "invalid_address"
    assert api.post("/rewards/claims", json={}).status_code == 422
    missing = api.get("/epochs/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "epoch_not_found"
    assert api.get("/rewards/claims/999999").json()["error"]["code"] == "claim_not_found"


CLOSE_THEN_DIE = """
import os, signal
from governance.rewards.epochs import close_epoch
from polyphony.clock import utcnow
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from chain.bindings import read_deployment
from tests.integration.rewards.conftest import POLICY
settings = get_settings()
epoch = close_epoch(cutoff=utcnow(), policy=POLICY, deployment=read_deployment(settings.deployments_dir, 31337),
                    storage=storage_from_settings(settings))
print(epoch.number, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_close_killed_before_its_root_was_sent_pays_once_after_the_restart(
    activate: Any, rewards_stack: Deployment, web3: Web3
) -> None:
    grace = new_address()
    paid = scored(grace)
    # The broker is unreachable while it closes, so the propose job stays in the outbox; then it is killed.
    environment = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}
    died = subprocess.run([sys.executable, "-c", CLOSE_THEN_DIE], env=environment, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert died.returncode == -signal.SIGKILL, died.stderr
    number = int(died.stdout.split()[0])
    wait_for_status(number, EpochStatus.COMPUTED)

    run_task("rewards.keep_epochs")  # the restarted keeper finds the computed epoch and proposes it
    with session_scope() as session:
        for job in session.exec(select(PendingJob).where(PendingJob.task == "rewards.propose_epoch_root")):
            job.created_at = job.created_at.replace(year=2000)
            session.add(job)
    run_task("jobs.flush_outbox")  # and the stale job is sent after all: it finds the root proposed already
    activate(number)
    run_task("chain.index_events")
    with session_scope() as session:
        epoch = session.exec(select(Epoch).where(Epoch.number == number)).one()
        proposals = session.exec(select(ChainEvent).where(ChainEvent.name == "RootProposed")).all()
        assert len([p for p in proposals if int(p.args["epoch"]) == number]) == 1
        rewards = session.exec(select(EpochReward).where(EpochReward.contribution_id == paid)).all()
        assert [reward.epoch_id for reward in rewards] == [epoch.id]
