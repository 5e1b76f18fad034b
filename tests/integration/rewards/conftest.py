"""Reward tests: score rows made by plain factories, epochs closed by the governance code, roots proposed,
activated and claims relayed by the real chain worker on anvil."""

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from web3 import Web3

from api.main import create_app
from chain.bindings import Deployment, call_of
from governance.rewards.epochs import EpochPolicy, close_epoch
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.contribution import (
    AnchorBatch,
    BatchKind,
    BatchStatus,
    Contribution,
    ContributionStatus,
    Tombstone,
)
from polyphony.models.epoch import Epoch, EpochStatus
from polyphony.models.review import ReviewSample, SampleOutcome
from polyphony.models.score import ContributionScore, Verdict
from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.support.scored_uploads import pipeline_score

BUDGET = 10**21
POLICY = EpochPolicy(length_s=3_600, budget=BUDGET, contributor_cap=BUDGET)


def new_address() -> str:
    """A fresh account that has never held ether: whatever it receives, it paid no gas for."""
    return str(Account.create().address)


def make_contribution(session: Session, *, contributor: str, **overrides: Any) -> Contribution:
    """An anchored contribution row, as the contributions flow leaves it."""
    fields: dict[str, Any] = {
        "contributor": contributor, "status": ContributionStatus.ANCHORED, "sha256": os.urandom(32).hex(),
        "cid": "bafkrei" + Account.create().key.hex()[2:50], "size": 4_096, "filename": "sample.jsonl",
        "content_format": "jsonl", "modality": "text", "title": "sample", "license": "CC-BY-4.0", "language": "en",
        "consent_text": "I agree.", "consent_sha256": "00" * 32,
    }  # fmt: skip
    contribution = Contribution(**(fields | overrides))
    session.add(contribution)
    session.flush()
    return contribution


def make_score(session: Session, contribution: Contribution, **overrides: Any) -> ContributionScore:
    """A score row of `contribution`, as the scoring pipeline writes it: a pass or fail makes it `scored`."""
    fields: dict[str, Any] = {
        "contribution_id": contribution.id, "policy_hash": "0x" + "11" * 32, "verdict": Verdict.PASS, "score": 8_000,
        "language": contribution.language, "scored_at": utcnow() - timedelta(seconds=1),
    }  # fmt: skip
    score = ContributionScore(**(fields | overrides))
    session.add(score)
    if score.verdict != Verdict.NO_VERDICT and contribution.status == ContributionStatus.ANCHORED:
        contribution.status = ContributionStatus.SCORED
        session.add(contribution)
    session.flush()
    return score


def scored(contributor: str, **score: Any) -> int:
    """A contribution of `contributor` with a score, committed; its id."""
    with session_scope() as session:
        contribution = make_contribution(session, contributor=contributor)
        make_score(session, contribution, **score)
        return int(contribution.id or 0)


def scored_upload(contributor: str, content: bytes) -> int:
    """A JSONL contribution of `content` by `contributor`, scored by the real pipeline (its documents kept or
    dropped), committed; its id."""
    with session_scope() as session:
        contribution = make_contribution(session, contributor=contributor, size=len(content))
        make_score(session, contribution, **pipeline_score(content))
        return int(contribution.id or 0)


def tombstone(contribution_id: int) -> None:
    """Withdraw a contribution as its contributor's signed revocation does."""
    with session_scope() as session:
        contribution = session.get_one(Contribution, contribution_id)
        contribution.status = ContributionStatus.WITHDRAWN
        session.add(contribution)
        session.add(Tombstone(contribution_id=contribution_id, contributor=contribution.contributor,
                              signature="0x" + "00" * 65, deadline=0))  # fmt: skip


def decided_sample(
    session: Session,
    contribution_id: int,
    contributor: str,
    *,
    accepts: int,
    reviews: int,
    chain_id: int = 31337,
    registry: str = "0x" + "11" * 20,
) -> ReviewSample:
    """Document 0 of `contribution_id`, sampled from a batch of its own and decided now by `accepts` of `reviews`
    reviewers (a majority accepts it); the caller adds the reviews themselves, signed or not."""
    batch = AnchorBatch(status=BatchStatus.ANCHORED, kind=BatchKind.CLAIMS, root="0x" + os.urandom(32).hex(),
                        count=1, chain_id=chain_id, registry_address=registry)  # fmt: skip
    session.add(batch)
    session.flush()
    sample = ReviewSample(
        contribution_id=contribution_id, record=0, words=100, contributor=contributor, batch_id=batch.id or 0,
        seed="0x" + "00" * 32, decided_at=utcnow(),
        outcome=SampleOutcome.ACCEPTED if accepts * 2 > reviews else SampleOutcome.REJECTED,
    )  # fmt: skip
    session.add(sample)
    session.flush()
    return sample


def pinned_report(settings: Settings, number: int) -> bytes:
    """The bytes of epoch `number`'s pinned report."""
    with session_scope() as session:
        cid = session.exec(select(Epoch.report_cid).where(Epoch.number == number)).one()
    return b"".join(storage_from_settings(settings).cat(cid))


def run_task(name: str, **kwargs: Any) -> Any:
    """Run a task on the real workers and wait for its result."""
    return get_celery().send_task(name, kwargs=kwargs).get(timeout=120)


def epoch_status(number: int) -> EpochStatus:
    with session_scope() as session:
        return EpochStatus(session.exec(select(Epoch.status).where(Epoch.number == number)).one())


def wait_for_status(number: int, *wanted: EpochStatus, timeout_s: float = 60) -> EpochStatus:
    """Poll until epoch `number` is in one of `wanted`."""
    deadline = time.monotonic() + timeout_s
    while (status := epoch_status(number)) not in wanted:
        assert time.monotonic() < deadline, f"epoch {number} stayed {status}"
        time.sleep(0.2)
    return status


def travel(web3: Web3, seconds: int) -> None:
    web3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def as_timelock(web3: Web3, deployment: Deployment, function: str) -> None:
    """Call the distributor from the timelock's address (anvil impersonation), as an executed proposal would."""
    timelock = deployment.contracts["timelock"].address
    call = call_of(deployment.bind(web3, "rewardsDistributor"), function)
    web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    try:
        tx_hash = web3.eth.send_transaction({"from": timelock, "to": call.to, "data": call.data})  # type: ignore[typeddict-item]
        assert web3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    finally:
        web3.provider.make_request("anvil_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


Closer = Callable[[], Epoch | None]


@pytest.fixture
def rewards_stack(
    engine: Engine, deployment: Deployment, celery_worker: None, chain_celery_worker: None, settings: Settings
) -> Deployment:
    """The deployment, with the default and chain queue workers running."""
    return deployment


@pytest.fixture
def close(rewards_stack: Deployment, settings: Settings, web3: Web3) -> Closer:
    """Close the next epoch now, as `polyphony epoch close` does (the demand read on the chain at the cutoff)."""
    storage = storage_from_settings(settings)
    return lambda: close_epoch(cutoff=utcnow(), policy=POLICY, deployment=rewards_stack, storage=storage, web3=web3)


@pytest.fixture
def activate(rewards_stack: Deployment, web3: Web3) -> Callable[[int], None]:
    """Wait for the chain worker to propose epoch n, move past the challenge delay, and have the keeper activate it."""

    def activated(number: int) -> None:
        wait_for_status(number, EpochStatus.PROPOSED)
        delay = int(rewards_stack.bind(web3, "rewardsDistributor").functions.challengeDelay().call())
        travel(web3, delay + 1)
        run_task("rewards.keep_epochs")
        assert epoch_status(number) == EpochStatus.ACTIVE

    return activated


@pytest.fixture
def api(rewards_stack: Deployment, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(), base_url=settings.effective_public_url) as client:
        yield client
