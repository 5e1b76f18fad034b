"""Withdrawals a trainer checks without trusting the API: revocations are anchored on the provenance registry in
batches of their own kind, and `polyphony pull` / `polyphony verify withdrawals` refuse an API that hides one.
Real API process, anvil, the chain worker and the configured store."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from celery.result import AsyncResult
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment
from chain.merkle import from_hex, process_proof, to_hex
from cli.client import PolyphonyClient
from cli.main import app
from governance.rounds.errors import WithdrawalMismatch
from governance.rounds.withdrawn import checked_withdrawals
from polyphony.models.contribution import BatchKind, Tombstone
from polyphony.queue import get_celery
from polyphony.storage.gateway import GatewayBlobs
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers
from tests.support.seeding import new_round, unique_lines

runner = CliRunner()


def _revoke(curator: PolyphonyClient, contribution_id: int) -> None:
    typed = curator.call("GET", f"/contributions/{contribution_id}/revocation")
    signature = "0x" + bytes(curator.wallet.sign_typed_data(full_message=typed).signature).hex()
    body = {"signature": signature, "deadline": typed["message"]["deadline"]}
    curator.call("POST", f"/contributions/{contribution_id}/revocation", json=body)


def _anchor_revocations() -> int | None:
    result: AsyncResult[int | None] = get_celery().send_task("chain.anchor_revocations")
    return result.get(timeout=120)


def _listed(curator: PolyphonyClient, contribution_id: int) -> dict:  # type: ignore[type-arg]
    items = curator.call("GET", "/tombstones", params={"limit": 500})["items"]
    return next(item for item in items if item["contribution_id"] == contribution_id)  # type: ignore[no-any-return]


def _cli(*arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, list(arguments))
    return result.exit_code, " ".join(result.output.split())


@contextmanager
def _tombstone_row_dropped(engine: Engine, contribution_id: int) -> Iterator[None]:
    """The API's database loses one tombstone row (a bug, or an operator hiding a withdrawal); put back after."""
    with Session(engine) as session:
        row = session.exec(select(Tombstone).where(Tombstone.contribution_id == contribution_id)).one()
        kept = row.model_dump()
        session.delete(row)
        session.commit()
    try:
        yield
    finally:
        with Session(engine) as session:
            session.add(Tombstone(**kept))
            session.commit()


@pytest.mark.usefixtures("celery_worker")
def test_a_revocation_is_anchored_with_its_kind_and_a_pull_refuses_an_api_that_hides_it(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, engine: Engine, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(2))
    dataset = curator.call("POST", "/datasets", json={"name": "withdrawn later", "contribution_ids": made.ids})
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()
    withdrawn = made.ids[1]
    _revoke(curator, withdrawn)
    assert _listed(curator, withdrawn)["anchoring"] is None  # revoked, its batch not anchored yet

    assert _anchor_revocations() is not None
    anchoring = _listed(curator, withdrawn)["anchoring"]
    assert anchoring["kind"] == BatchKind.REVOCATIONS == 1
    root = bytes.fromhex(anchoring["root"][2:])
    registry = deployment.bind(web3, "provenanceRegistry")
    assert registry.functions.batchKind(root).call() == 1
    assert registry.functions.batchBlock(root).call() == anchoring["block_number"]
    (event,) = registry.events.KindBatchAnchored().get_logs(
        from_block=anchoring["block_number"], to_block=anchoring["block_number"], argument_filters={"root": root}
    )
    assert event["args"]["kind"] == 1 and "0x" + bytes(event["transactionHash"]).hex() == anchoring["tx_hash"]
    assert to_hex(process_proof(from_hex(anchoring["leaf"]), anchoring["proof"])) == anchoring["root"]

    out = ["--round", str(round_number), "--api", api_url]
    code, output = _cli("pull", *out, "--out", str(tmp_path / "pull"))
    assert code == 0, output
    assert "withdrawals checked against the chain:" in output and "all listed by the API" in output
    assert f"dropped 1 withdrawn contributions: [{withdrawn}]" in output
    code, output = _cli("verify", "withdrawals", "--api", api_url)
    assert code == 0 and "withdrawals checked against the chain:" in output, output

    with _tombstone_row_dropped(engine, withdrawn):
        assert withdrawn not in [i["contribution_id"] for i in curator.call("GET", "/tombstones")["items"]]
        code, output = _cli("pull", *out, "--out", str(tmp_path / "hidden"))
        assert code == 1 and f"contribution(s) {withdrawn}" in output and "the API hides a withdrawal" in output
        assert not list((tmp_path / "hidden").glob("data/**/*.parquet"))
        code, output = _cli("verify", "withdrawals", "--api", api_url)
        assert code == 1 and "the API hides a withdrawal" in output, output


class _RootRewritten(httpx.BaseTransport):
    """The real API, but its /tombstones answer shows one revocation anchored under another root."""

    def __init__(self, contribution_id: int) -> None:
        self._real, self._contribution_id = httpx.HTTPTransport(), contribution_id

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._real.handle_request(request)
        if request.url.path != "/tombstones":
            return answer
        page = json.loads(answer.read())
        for item in page["items"]:
            if item["contribution_id"] == self._contribution_id:
                item["anchoring"]["root"] = "0x" + "ab" * 32
        return httpx.Response(200, json=page)


@pytest.mark.usefixtures("celery_worker")
def test_a_tombstone_shown_as_anchored_under_a_root_the_chain_lacks_is_refused(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment,
) -> None:  # fmt: skip
    made = contribute(unique_lines(1))
    _revoke(curator, made.ids[0])
    _anchor_revocations()
    registry = deployment.contracts["provenanceRegistry"].address
    with httpx.Client(base_url=api_url) as honest:
        checked = checked_withdrawals(honest, web3=web3, registry=registry, blobs=GatewayBlobs(honest))
        assert made.ids[0] in checked.on_chain and made.ids[0] not in checked.pending
    lying = httpx.Client(base_url=api_url, transport=_RootRewritten(made.ids[0]))
    with lying, pytest.raises(WithdrawalMismatch, match="no revocation batch on-chain holds it"):
        checked_withdrawals(lying, web3=web3, registry=registry, blobs=GatewayBlobs(lying))
