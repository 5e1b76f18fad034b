"""Sampled peer review through the real API process, worker and chain: a batch is sampled only once the block
after its anchoring exists, anyone reproduces the sample from the chain, three assigned reviewers sign their
reviews, and a majority's rejection drops the document from datasets: a round approved before lists it in its
deletion feed, and a pull of that round leaves it out."""

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from eth_account import Account
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.eip712 import digest
from chain.merkle import verify
from chain.review_anchoring import REVIEW_LEAF_ENCODING
from cli.client import PolyphonyClient
from cli.main import app as cli
from governance.reviews.sampling import sample_seed, sampled_documents
from governance.reviews.service import batches_waiting, candidates_of, sample_waiting_batches
from polyphony.models.contribution import AnchorBatch, Contribution
from polyphony.models.review import BatchSampling, ReviewAssignment, ReviewSample
from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from tests.integration.chain.governance_fixtures import mint_tokens, new_wallet, send_as
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers
from tests.integration.reviews.reviewers import (
    REVIEWER_TOKENS,
    SAMPLED_WITHIN_S,
    as_,
    reviewer,
    sampled,
    signed,
    step_down_every_reviewer,
)
from tests.support.scored_uploads import jsonl, prose
from tests.support.seeding import new_round


@pytest.fixture
def no_reviewers(engine: Engine) -> None:
    """Every reviewer an earlier test opted in steps down, so this test's reviewers are the only ones."""
    step_down_every_reviewer(engine)


def _batch_of(engine: Engine, contribution_id: int) -> AnchorBatch:
    with Session(engine) as session:
        contribution = session.get(Contribution, contribution_id)
        assert contribution is not None and contribution.batch_id is not None
        batch = session.get(AnchorBatch, contribution.batch_id)
        assert batch is not None
        return batch


def _until_every_member_is_scored(engine: Engine, batch_id: int) -> None:
    """Send due scoring until batch `batch_id` waits only for its seed block: it may hold claims other tests left
    waiting, which the scoring worker scores as beat would have it."""
    deadline = time.monotonic() + SAMPLED_WITHIN_S
    while True:
        with Session(engine) as session:
            if batch_id in {batch.id for batch in batches_waiting(session)}:
                return
        assert time.monotonic() < deadline, f"batch {batch_id}'s members were not all scored in time"
        get_celery().send_task("scoring.enqueue_due").get(timeout=60)
        time.sleep(1)


def _until_sampled(engine: Engine, web3: Web3, batch_id: int) -> None:
    """Run the task that samples (and assigns), as beat does, until batch `batch_id` is sampled."""
    deadline = time.monotonic() + SAMPLED_WITHIN_S
    while True:
        with Session(engine) as session:
            if session.get(BatchSampling, batch_id) is not None:
                return
        assert time.monotonic() < deadline, f"batch {batch_id} was not sampled in time"
        web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        get_celery().send_task("reviews.keep").get(timeout=60)
        time.sleep(1)


def _approved_round(curator: PolyphonyClient, web3: Web3, deployment: Deployment, ids: list[int]) -> int:
    """A new round approving a dataset of `ids`, as the timelock would, and indexed."""
    dataset = curator.call("POST", "/datasets", json={"name": "reviewed later", "contribution_ids": ids})
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()
    return round_number


def test_a_batch_is_sampled_from_a_later_block_and_a_majority_rejection_drops_the_document(
    contribute: Callable[..., Contributed], curator: PolyphonyClient, api_url: str, engine: Engine, web3: Web3,
    deployment: Deployment, settings: Settings, celery_worker: None, no_reviewers: None, tmp_path: Path,
) -> None:  # fmt: skip
    contributed = contribute([jsonl(prose(6)), jsonl(prose(6, start=6))], by_the_pipeline=True)
    batch = _batch_of(engine, contributed.ids[0])
    assert batch.block_number is not None

    # Before the block after the anchoring exists, nobody (the API included) knows the sample.
    _until_every_member_is_scored(engine, batch.id or 0)
    assert web3.eth.block_number == batch.block_number, "another transaction mined a block: the check needs none"
    sample_waiting_batches(web3, storage=storage_from_settings(settings))
    with Session(engine) as session:
        assert session.get(BatchSampling, batch.id) is None

    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    reviewers = [reviewer(api_url, web3, deployment) for _ in range(3)]
    _until_sampled(engine, web3, batch.id or 0)

    with Session(engine) as session:
        sampling = session.get(BatchSampling, batch.id)
        assert sampling is not None and sampling.seed_block == batch.block_number + 1
        samples = list(session.exec(select(ReviewSample).where(ReviewSample.batch_id == batch.id)))
        candidates = candidates_of(session, batch.id or 0)
    # Anyone reproduces the sample: the seed block's hash from the chain, the batch root, the kept documents.
    seed = sample_seed(bytes(web3.eth.get_block(batch.block_number + 1)["hash"]), bytes.fromhex(batch.root[2:]))
    expected = sampled_documents(seed, candidates)
    assert {(s.contribution_id, s.record) for s in samples} == {(c.contribution_id, c.record) for c in expected}
    assert len(candidates) == 12 and len(samples) == 1  # ceil(2 % of 12); its one contributor is covered by it
    ours = samples[0]
    assert ours.words > 0
    round_number = _approved_round(curator, web3, deployment, contributed.ids)  # pulled before the reviews
    assert httpx.get(f"{api_url}/rounds/{round_number}/withdrawals").json()["items"] == []

    forms = {}
    for wallet, client in reviewers:
        answer = as_(client, "GET", "/reviews/next")
        assert answer.status_code == 200, answer.text
        task = answer.json()["review"]
        assert task["sample_id"] == ours.id and task["text"], answer.json()
        forms[wallet.address] = task["typed_data"]

    (first, first_client), (second, second_client), (third, third_client) = reviewers
    refused = as_(
        first_client, "POST", "/reviews", json=signed(first, forms[first.address], accept=False, reason="rude")
    )
    assert refused.status_code == 400 and "spam" in refused.json()["error"]["message"]
    forged = signed(Account.create(), forms[first.address], accept=False, reason="spam")  # type: ignore[arg-type]
    assert as_(first_client, "POST", "/reviews", json=forged).status_code == 400

    review = signed(first, forms[first.address], accept=False, reason="spam")
    assert as_(first_client, "POST", "/reviews", json=review).status_code == 201
    assert as_(first_client, "POST", "/reviews", json=review).status_code == 409
    outsider = PolyphonyClient(api_url, new_wallet(web3), timeout_s=60)
    outsider.sign_in()
    as_(outsider, "POST", "/reviews/reviewer")
    assert as_(outsider, "POST", "/reviews", json=review).status_code == 403

    accepted = as_(
        second_client, "POST", "/reviews", json=signed(second, forms[second.address], accept=True, reason="")
    )
    assert accepted.json()["outcome"] == "pending"
    rejected = as_(
        third_client,
        "POST",
        "/reviews",
        json=signed(third, forms[third.address], accept=False, reason="machine-generated"),
    )
    assert rejected.status_code == 201 and rejected.json()["outcome"] == "rejected"

    shown = httpx.get(f"{api_url}/contributions/{ours.contribution_id}/reviews").json()["items"]
    assert [s["outcome"] for s in shown] == ["rejected"] and len(shown[0]["reviews"]) == 3
    timeline = httpx.get(f"{api_url}/contributions/{ours.contribution_id}").json()["timeline"]
    assert any(step["step"] == "review_rejected" for step in timeline)
    preview = httpx.get(f"{api_url}/datasets/preview", params={"contribution_ids": contributed.ids}).json()
    assert preview["documents"] == 11  # the twelve kept documents, less the one the reviewers rejected
    feed = httpx.get(f"{api_url}/rounds/{round_number}/withdrawals").json()["items"]  # what its trainers delete
    assert [(item["contribution_id"], item["record"], item["reason"]) for item in feed] == [
        (ours.contribution_id, ours.record, "review_rejected")
    ]
    pulled = CliRunner().invoke(cli, ["pull", "--round", str(round_number), "--out", str(tmp_path), "--api", api_url])
    assert pulled.exit_code == 0, pulled.output
    assert "rejected since the approval: 1" in " ".join(pulled.output.split())
    rows = pq.read_table(tmp_path / "data" / "text").select(["contribution_id", "record"]).to_pylist()
    assert len(rows) == 11 and {"contribution_id": ours.contribution_id, "record": ours.record} not in rows

    # The three signed reviews are anchored in a batch of kind 2; each proves against the registry's root.
    get_celery().send_task("chain.anchor_reviews").get(timeout=120)
    anchored = httpx.get(f"{api_url}/contributions/{ours.contribution_id}/reviews").json()["items"][0]["reviews"]
    registry = deployment.bind(web3, "provenanceRegistry")
    for review in anchored:
        anchoring = review["anchoring"]
        assert anchoring is not None and anchoring["kind"] == 2, review
        assert registry.functions.batchKind(bytes.fromhex(anchoring["root"][2:])).call() == 2
        as_signed = {**forms[review["reviewer"]]}
        as_signed["message"] = {**as_signed["message"], "accept": review["accept"], "reason": review["reason"]}
        leaf = (review["reviewer"], review["sample_id"], "0x" + digest(as_signed).hex())
        assert verify(anchoring["root"], leaf_encoding=REVIEW_LEAF_ENCODING, value=leaf, proof=anchoring["proof"])


def test_a_sampled_document_waits_for_three_eligible_reviewers_and_never_goes_to_its_contributor(
    contribute: Callable[..., Contributed], curator: PolyphonyClient, api_url: str, engine: Engine, web3: Web3,
    deployment: Deployment, celery_worker: None, no_reviewers: None,
) -> None:  # fmt: skip
    contributed = contribute([jsonl(prose(3, start=12))], by_the_pipeline=True)
    batch = _batch_of(engine, contributed.ids[0])
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    voteless = PolyphonyClient(api_url, new_wallet(web3), timeout_s=60)
    voteless.sign_in()
    as_(voteless, "POST", "/reviews/reviewer")  # opted in, but no delegated votes: not eligible
    _, first = reviewer(api_url, web3, deployment)
    _, second = reviewer(api_url, web3, deployment)
    sampled(api_url, web3, contributed.ids[0])

    with Session(engine) as session:
        samples = list(session.exec(select(ReviewSample).where(ReviewSample.batch_id == batch.id)))
    assert len(samples) == 1, "the batch was not sampled"
    waiting = as_(first, "GET", "/reviews/next").json()
    assert waiting["review"] is None and waiting["queue"]["unassigned"] >= 1
    assert "three eligible reviewers" in waiting["queue"]["message"]

    # The contributor is a holder and a reviewer too, but never reviews their own document.
    web3.provider.make_request("anvil_setBalance", [curator.wallet.address, hex(10**18)])  # type: ignore[arg-type]
    mint_tokens(web3, deployment, curator.wallet.address, REVIEWER_TOKENS)
    send_as(web3, curator.wallet, call_of(deployment.bind(web3, "token"), "delegate", curator.wallet.address))
    as_(curator, "POST", "/reviews/reviewer")
    get_celery().send_task("reviews.keep").get(timeout=60)
    with Session(engine) as session:
        assert not session.exec(select(ReviewAssignment).where(ReviewAssignment.sample_id == samples[0].id)).all()

    _, third = reviewer(api_url, web3, deployment)
    get_celery().send_task("reviews.keep").get(timeout=60)
    with Session(engine) as session:
        assigned = set(
            session.exec(select(ReviewAssignment.reviewer).where(ReviewAssignment.sample_id == samples[0].id))
        )
    assert assigned == {first.wallet.address, second.wallet.address, third.wallet.address}
    assert as_(curator, "GET", "/reviews/next").json()["review"] is None
