"""A real API process (uvicorn, as `polyphony up` runs it), and approved rounds made on anvil.

Rounds are approved by impersonating the timelock on anvil (the registry's owner): the vote that would get
there is the proposals' business and tested with them. Each round number is random, so tests sharing the
chain never share a round.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from celery.result import AsyncResult
from eth_account import Account
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.stack import free_port
from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage.cid import parse_cid
from polyphony.storage.local import LocalStorage
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload
from tests.support.scored_uploads import pipeline_score
from tests.support.seeding import make_score

START_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def api_url(settings: Settings, redis_url: str, engine: Engine, deployment: Deployment) -> Iterator[str]:
    """The API under uvicorn in its own process, on a free loopback port, stopped by its pid."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "POLYPHONY_HOME": str(settings.home), "POLYPHONY_PUBLIC_URL": url}
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port), "--log-level", "warning"], env=environment)
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/metrics", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the API did not start")


@pytest.fixture
def curator(api_url: str) -> Iterator[PolyphonyClient]:
    """A fresh wallet signed in to the real API process."""
    with PolyphonyClient(api_url, Account.create(), timeout_s=120) as client:
        client.sign_in()
        yield client


@dataclass
class Contributed:
    """Anchored, scored contributions made through the API, with their bytes."""

    ids: list[int]
    cids: list[str]
    contents: list[bytes]


@pytest.fixture
def contribute(curator: PolyphonyClient, engine: Engine, chain_celery_worker: None) -> Callable[..., Contributed]:
    """Upload (with the `form` fields given), claim and anchor `contents` through the API and the chain worker,
    then score them: a factory row,
    or, `by_the_pipeline`, the real scoring pipeline's score of the bytes (each document kept or dropped)."""

    def contributed(
        contents: list[bytes], *, name: str = "sample.jsonl", by_the_pipeline: bool = False,
        form: dict[str, str] | None = None, **score: object,
    ) -> Contributed:  # fmt: skip
        stored = [upload(curator, content=content, name=name, **(form or {})) for content in contents]
        for contribution in stored:
            claim(curator, contribution["id"])
        anchor_through_the_chain_worker()
        with Session(engine) as session:
            for contribution, content in zip(stored, contents, strict=True):
                scored = pipeline_score(content, content_format=contribution["format"]) if by_the_pipeline else {}
                make_score(session, contribution["id"], **(scored | score))
            session.commit()
        return Contributed([c["id"] for c in stored], [c["cid"] for c in stored], contents)

    return contributed


def approve(web3: Web3, deployment: Deployment, *, round_number: int, root: str, manifest_cid: str) -> None:
    """Approve a dataset for a round as the timelock would, by impersonating it on anvil."""
    timelock = Web3.to_checksum_address(deployment.contracts["timelock"].address)
    registry = deployment.bind(web3, "datasetRegistry")
    web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    try:
        tx_hash = registry.functions.approve(round_number, bytes.fromhex(root[2:]), manifest_cid).transact(
            {"from": timelock}
        )
        assert web3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    finally:
        web3.provider.make_request("anvil_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


def index_through_the_workers() -> None:
    """Index the new chain events (chain worker), then record approvals and models (default worker)."""
    indexed: AsyncResult[int] = get_celery().send_task("chain.index_events")
    indexed.get(timeout=60)
    recorded: AsyncResult[int] = get_celery().send_task("rounds.record_approvals")
    recorded.get(timeout=60)


def tamper_block(settings: Settings, cid: str) -> None:
    """Flip one byte of the stored block `cid` (a file of one block) in the local CID store."""
    path: Path = LocalStorage(settings.blocks_dir)._block_path(parse_cid(cid))
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
