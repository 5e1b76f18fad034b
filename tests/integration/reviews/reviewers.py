"""Reviewers as the review tests make them: holders with delegated votes, signed in and opted in through the
API, and the signed reviews they send."""

import time
from typing import Any

import httpx
from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from sqlmodel import Session, update
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.eip712 import sign
from cli.client import PolyphonyClient
from governance.reviews.credibility import REVIEW_PARAMS
from polyphony.models.review import Reviewer
from polyphony.queue import get_celery
from tests.integration.chain.governance_fixtures import mint_tokens, new_wallet, send_as

REVIEWER_TOKENS = (REVIEW_PARAMS.min_voting_power_tokens + 1) * 10**18  # just above the reviewers' minimum
SAMPLED_WITHIN_S = 240.0  # the batch may hold other tests' claims, which the scoring worker must score first


def step_down_every_reviewer(engine: Engine) -> None:
    """Every reviewer an earlier test opted in steps down, so a test's reviewers are the only eligible ones."""
    with Session(engine) as session:
        session.exec(update(Reviewer).values(active=False))  # type: ignore[call-overload]
        session.commit()


def holder(web3: Web3, deployment: Deployment) -> LocalAccount:
    """A fresh wallet with ether, tokens, and its votes delegated to itself: eligible once it opts in."""
    wallet = new_wallet(web3)
    mint_tokens(web3, deployment, wallet.address, REVIEWER_TOKENS)
    send_as(web3, wallet, call_of(deployment.bind(web3, "token"), "delegate", wallet.address))
    return wallet


def signed_in(api_url: str, wallet: LocalAccount) -> PolyphonyClient:
    client = PolyphonyClient(api_url, wallet, timeout_s=60)
    client.sign_in()
    return client


def reviewer(api_url: str, web3: Web3, deployment: Deployment) -> tuple[LocalAccount, PolyphonyClient]:
    """A holder with delegated votes, signed in and opted in to review through the API."""
    wallet = holder(web3, deployment)
    client = signed_in(api_url, wallet)
    client.call("POST", "/reviews/reviewer")
    return wallet, client


def as_(client: PolyphonyClient, method: str, path: str, **request: Any) -> httpx.Response:
    """One request as the signed-in `client`, answered whatever its status."""
    return client.http.request(method, path, headers={"Authorization": f"Bearer {client.token}"}, **request)


def signed(wallet: LocalAccount, form: dict[str, Any], *, accept: bool, reason: str) -> dict[str, Any]:
    """The `POST /reviews` body of `wallet`'s review: the form the API served, signed with accept and reason."""
    typed = {**form, "message": {**form["message"], "accept": accept, "reason": reason}}
    message = typed["message"]
    return {"sample_id": int(message["sampleId"]), "accept": accept, "reason": reason,
            "deadline": int(message["deadline"]), "signature": "0x" + sign(typed, account=wallet).hex()}  # fmt: skip


def sampled(api_url: str, web3: Web3, contribution_id: int) -> list[dict[str, Any]]:
    """The sampled documents of `contribution_id`, once its batch is sampled: as a live chain and beat do, a
    block is mined after the anchoring, due scoring is sent (a batch is sampled once every member is scored, and
    it may hold claims other tests left waiting), and the task that samples and assigns is run, until the
    sample is there."""
    deadline = time.monotonic() + SAMPLED_WITHIN_S
    while True:
        web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        get_celery().send_task("scoring.enqueue_due").get(timeout=60)
        get_celery().send_task("reviews.keep").get(timeout=60)
        items: list[dict[str, Any]] = httpx.get(f"{api_url}/contributions/{contribution_id}/reviews").json()["items"]
        if items:
            return items
        assert time.monotonic() < deadline, f"contribution {contribution_id} was not sampled in time"
        time.sleep(1)


def review_others_until(client: PolyphonyClient, wallet: LocalAccount, ours: set[int]) -> dict[str, Any]:
    """The next review task of `client` that is one of `ours`: documents sampled from other tests' batches and
    assigned to this reviewer first (reviews go in assignment order) are accepted through the API."""
    while True:
        answer = as_(client, "GET", "/reviews/next")
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] | None = answer.json()["review"]
        assert task is not None, f"none of the samples {sorted(ours)} waits for {wallet.address}: {answer.json()}"
        if task["sample_id"] in ours:
            return task
        review = signed(wallet, task["typed_data"], accept=True, reason="")
        assert as_(client, "POST", "/reviews", json=review).status_code == 201
