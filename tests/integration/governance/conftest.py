"""Holders, a curator and datasets for the governance tests, on the stack's own deployment.

The relayed paths run as in production: the real API (in-process), Redis, and the chain queue's worker process,
which sends with the relayer key. Tokens come from the token's only minter, the rewards distributor, which anvil
lets the test impersonate: the distributor's own Merkle flow is tested elsewhere, and minting this way leaves
its reward tree untouched. Time moves with anvil's evm_increaseTime (the token's clock is the timestamp).
"""

import os
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from celery.result import AsyncResult
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from api.main import create_app
from chain.bindings import Deployment, call_of
from chain.indexer import index_deployment
from cli.client import PolyphonyClient
from cli.stack import Stack, api_part
from governance.proposals.direct import record_indexed_proposals
from polyphony.models.dataset import Dataset
from polyphony.queue import get_celery
from polyphony.settings import Settings
from tests.integration.chain.governance_fixtures import mint_tokens, new_wallet, send_as, travel

T = TypeVar("T")
WAIT_S = 60.0


@pytest.fixture(scope="module")
def api_process(settings: Settings) -> Iterator[None]:
    """The API process alone (uvicorn, as `polyphony up` runs it), for tests of the CLI and of outside clients;
    stopped when the module is done."""
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield
    api.stop_all()


@pytest.fixture
def governance(
    settings: Settings, deployment: Deployment, web3: Web3, engine: Engine, redis_url: str, chain_celery_worker: None
) -> Iterator["Governance"]:
    """The API, the chain worker and the deployment, with the moves the tests are made of."""
    http = TestClient(create_app(), base_url=settings.effective_public_url)
    with PolyphonyClient(settings.effective_public_url, http=http) as anonymous:
        yield Governance(settings, deployment, web3, engine, anonymous)


class Governance:
    """What holders, curators and the operator do in the governance tests."""

    def __init__(
        self, settings: Settings, deployment: Deployment, web3: Web3, engine: Engine, api: PolyphonyClient
    ) -> None:
        self.settings, self.deployment, self.web3, self.engine, self.api = settings, deployment, web3, engine, api
        self.token, self.governor = deployment.bind(web3, "token"), deployment.bind(web3, "governor")
        self.registry = deployment.bind(web3, "datasetRegistry")

    def curator(self) -> PolyphonyClient:
        """A fresh wallet signed in through the real API."""
        http = TestClient(create_app(), base_url=self.settings.effective_public_url)
        client = PolyphonyClient(self.settings.effective_public_url, new_wallet(self.web3), http=http)
        client.sign_in()
        return client

    def mint(self, amounts: dict[str, int]) -> dict[str, LocalAccount]:
        """New funded wallets, one per name, each minted its amount (not yet delegated: no votes yet)."""
        wallets = {name: new_wallet(self.web3) for name in amounts}
        for name, amount in amounts.items():
            self.mint_to(wallets[name].address, amount)
        return wallets

    def mint_to(self, address: str, amount: int) -> None:
        """Mint `amount` to `address` as the rewards distributor, the token's only minter."""
        mint_tokens(self.web3, self.deployment, address, amount)

    def holders(self, amounts: dict[str, int]) -> dict[str, LocalAccount]:
        """New wallets minted their amounts, each delegating to itself with its own transaction."""
        wallets = self.mint(amounts)
        for wallet in wallets.values():
            send_as(self.web3, wallet, call_of(self.token, "delegate", wallet.address))
        return wallets

    def supply(self) -> int:
        return int(self.token.functions.totalSupply().call())

    def dataset(self, curator: str) -> Dataset:
        """A dataset row as the datasets service leaves it (random root and manifest CID)."""
        with Session(self.engine) as session:
            dataset = Dataset(
                name=f"dataset-{os.urandom(3).hex()}", curator=curator, item_count=3, root="0x" + os.urandom(32).hex(),
                manifest_cid="bafkrei" + os.urandom(20).hex(), filters={},
            )  # fmt: skip
            session.add(dataset)
            session.commit()
            session.refresh(dataset)
            return dataset

    def propose(self, curator: PolyphonyClient, dataset_id: int, round_number: int) -> dict[str, Any]:
        """POST /proposals as the curator, then wait for the relayer's `propose` to be indexed."""
        created = curator.call("POST", "/proposals", json={"dataset_id": dataset_id, "round": round_number})
        return self.until(lambda: self.proposal(created["id"]), lambda p: p["state"] != "unsubmitted")

    def proposal(self, proposal_id: str) -> dict[str, Any]:
        """GET /proposals/{id} after indexing the chain's new events."""
        self.index()
        found: dict[str, Any] = self.api.call("GET", f"/proposals/{proposal_id}")
        return found

    def index(self) -> None:
        """What the indexing task (`chain.index_events`) does: store new events, record direct proposals."""
        index_deployment(self.web3, deployments_dir=self.settings.deployments_dir, confirmations=1)
        record_indexed_proposals(self.web3, deployments_dir=self.settings.deployments_dir)

    def keep(self, proposal_id: str) -> list[str]:
        """One keeper pass, run by the chain worker as the beat schedule runs it: what it did to `proposal_id`.

        The keeper looks after every open proposal, other tests' too; only this one's moves are returned.
        """
        result: AsyncResult[list[str]] = get_celery().send_task("governance.keep_proposals")
        return [move.split()[0] for move in result.get(timeout=WAIT_S) if move.endswith(f" {proposal_id}")]

    def sign_ballot(self, voter: LocalAccount, proposal_id: str, support: str) -> str:
        typed = self.api.call(
            "GET", f"/proposals/{proposal_id}/ballot", params={"voter": voter.address, "support": support}
        )
        return "0x" + bytes(voter.sign_typed_data(full_message=typed).signature).hex()

    def relay_vote(self, voter: LocalAccount, proposal_id: str, support: str) -> dict[str, Any]:
        """Sign a ballot, hand it in, and wait until the relayer's transaction is mined."""
        signature = self.sign_ballot(voter, proposal_id, support)
        body = {"voter": voter.address, "support": support, "signature": signature}
        accepted = self.api.call("POST", f"/proposals/{proposal_id}/votes", json=body)
        assert accepted["status"] == "accepted"
        return self.until(
            lambda: next(b for b in self.api.every(f"/proposals/{proposal_id}/votes") if b["id"] == accepted["id"]),
            lambda ballot: ballot["status"] != "accepted",
        )

    def relayed_ballot(self, proposal_id: str, ballot_id: int) -> dict[str, Any]:
        """The relayed ballot `ballot_id` as GET /proposals/{id}/votes lists it."""
        ballots: list[dict[str, Any]] = self.api.every(f"/proposals/{proposal_id}/votes")
        return next(ballot for ballot in ballots if ballot["id"] == ballot_id)

    def relay_delegation(self, holder: LocalAccount, delegatee: str) -> dict[str, Any]:
        """Sign a delegation, hand it in, and wait until the relayer's transaction is mined."""
        typed = self.api.call(
            "GET", "/delegations/typed-data", params={"delegator": holder.address, "delegatee": delegatee}
        )
        signature = "0x" + bytes(holder.sign_typed_data(full_message=typed).signature).hex()
        message = typed["message"]
        body = {"delegator": holder.address, "delegatee": delegatee, "nonce": int(message["nonce"]),
                "expiry": int(message["expiry"]), "signature": signature}  # fmt: skip
        accepted = self.api.call("POST", "/delegations", json=body)
        return self.until(
            lambda: self.api.call("GET", f"/delegations/{accepted['id']}"), lambda d: d["status"] != "accepted"
        )

    def open_voting(self) -> None:
        travel(self.web3, int(self.governor.functions.votingDelay().call()) + 1)

    def close_voting(self) -> None:
        travel(self.web3, int(self.governor.functions.votingPeriod().call()) + 1)

    def wait_timelock(self) -> None:
        travel(self.web3, int(self.deployment.bind(self.web3, "timelock").functions.getMinDelay().call()) + 1)

    def approved(self, round_number: int, root: str) -> bool:
        return int(self.registry.functions.approvalBlock(round_number, bytes.fromhex(root[2:])).call()) != 0

    def _rpc(self, method: str, params: list[Any]) -> None:
        self.web3.provider.make_request(method, params)  # type: ignore[arg-type]

    @staticmethod
    def until(read: Callable[[], T], done: Callable[[T], bool], *, timeout_s: float = WAIT_S) -> T:
        """Read until `done` says so; fail after `timeout_s` with the last value read."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = read()
            if done(value) or time.monotonic() > deadline:
                assert done(value), f"still not there after {timeout_s:g} s: {value}"
                return value
            time.sleep(0.2)


def new_round() -> int:
    """A round number no other test uses."""
    return 1 + int.from_bytes(os.urandom(4), "big")
