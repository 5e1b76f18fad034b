"""A round as CAR files (`polyphony export car`), read back by @ipld/car, and its deletion feed
(`GET /rounds/{n}/withdrawals`), against a real API process, anvil, the workers and the configured store."""

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.main import app
from governance.rounds.errors import PullRefused
from governance.rounds.withdrawals import fetch_withdrawals
from polyphony.settings import Settings
from polyphony.storage.base import CHUNK_SIZE
from polyphony.storage.kubo import KuboStorage
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers, tamper_block
from tests.support.ipld_car import read_with_ipld_car
from tests.support.seeding import new_round, unique_lines

runner = CliRunner()


def _approved_round(curator: PolyphonyClient, web3: Web3, deployment: Deployment, ids: list[int]) -> tuple[int, dict]:  # type: ignore[type-arg]
    dataset = curator.call("POST", "/datasets", json={"name": "as cars", "contribution_ids": ids})
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()
    return round_number, dataset


def _export(api_url: str, round_number: int, out: Path, *extra: str) -> tuple[int, str]:
    arguments = ["export", "car", "--round", str(round_number), "--out", str(out), "--api", api_url, *extra]
    result = runner.invoke(app, arguments)
    return result.exit_code, " ".join(result.output.split())


def _revoke(curator: PolyphonyClient, contribution_id: int) -> None:
    typed = curator.call("GET", f"/contributions/{contribution_id}/revocation")
    signature = "0x" + bytes(curator.wallet.sign_typed_data(full_message=typed).signature).hex()
    body = {"signature": signature, "deadline": typed["message"]["deadline"]}
    curator.call("POST", f"/contributions/{contribution_id}/revocation", json=body)


def _large_jsonl() -> bytes:
    """A JSONL file of three chunks and a bit: a CAR of a dag-pb root over raw leaves."""
    (line,) = unique_lines(1, lines=1)
    return line * (3 * CHUNK_SIZE // len(line) + 2)


def _digest(content: bytes) -> dict[str, object]:
    return {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}


def _assert_cars_hold(out: Path, expected: dict[str, bytes]) -> None:
    """Each expected CID is `<cid>.car`, rooted at it, every block hashing to its CID, the bytes reassembling."""
    assert {path.name for path in out.iterdir()} == {f"{cid}.car" for cid in expected}
    for cid, content in expected.items():
        read = read_with_ipld_car(out / f"{cid}.car")
        assert read["roots"] == [cid] and read["blocks"] and all(block["verified"] for block in read["blocks"])
        assert read["files"][cid] == _digest(content)


@pytest.mark.usefixtures("celery_worker")
def test_a_round_is_exported_as_cars_and_its_withdrawals_are_listed_with_their_anchoring_tx(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute([_large_jsonl(), *unique_lines(2)])
    round_number, dataset = _approved_round(curator, web3, deployment, made.ids)
    feed = httpx.get(f"{api_url}/rounds/{round_number}/withdrawals").json()
    assert (feed["round"], feed["items"]) == (round_number, [])

    withdrawn = made.ids[2]
    _revoke(curator, withdrawn)
    feed = httpx.get(f"{api_url}/rounds/{round_number}/withdrawals").json()
    anchored_in = curator.call("GET", f"/contributions/{withdrawn}/provenance")["tx_hash"]
    assert anchored_in and anchored_in.startswith("0x")
    assert [
        {key: item[key] for key in ("contribution_id", "record", "reason", "tx_hash")} for item in feed["items"]
    ] == [{"contribution_id": withdrawn, "record": None, "reason": "revoked", "tx_hash": anchored_in}]
    assert (feed["total"], feed["offset"]) == (1, 0)  # a page, like every list
    assert httpx.get(f"{api_url}/rounds/{round_number}/withdrawals", params={"offset": 1}).json()["items"] == []
    with httpx.Client(base_url=api_url) as api:  # what a re-pull writes as withdrawals.json
        assert fetch_withdrawals(api, round_number=round_number)["items"] == feed["items"]
    pulled = CliRunner().invoke(
        app, ["pull", "--round", str(round_number), "--out", str(tmp_path / "pull"), "--api", api_url]
    )
    assert pulled.exit_code == 0, pulled.output
    assert json.loads((tmp_path / "pull" / "withdrawals.json").read_text())["items"] == feed["items"]

    code, output = _export(api_url, round_number, tmp_path / "cars")
    assert code == 0, output
    manifest = httpx.get(f"{api_url}/ipfs/{dataset['manifest_cid']}").content
    kept = dict(zip(made.cids[:2], made.contents[:2], strict=True))
    _assert_cars_hold(tmp_path / "cars", {dataset["manifest_cid"]: manifest, **kept})
    assert len(read_with_ipld_car(tmp_path / "cars" / f"{made.cids[0]}.car")["blocks"]) == 5  # root + 4 leaves
    assert f"left out 1 withdrawn contributions: [{withdrawn}]" in output

    code, output = _export(api_url, round_number, tmp_path / "cars")
    assert code == 0 and "(0 written" in output, output

    code, output = _export(api_url, round_number, tmp_path / "one", "--one-file")
    assert code == 0, output
    read = read_with_ipld_car(tmp_path / "one" / f"round-{round_number}.car")
    assert read["roots"] == [dataset["manifest_cid"], *sorted(kept)] and all(b["verified"] for b in read["blocks"])
    expected = {dataset["manifest_cid"]: manifest, **kept}
    assert read["files"] == {
        cid: {"sha256": hashlib.sha256(c).hexdigest(), "size": len(c)} for cid, c in expected.items()
    }


def test_a_round_nobody_approved_has_no_withdrawals_and_no_cars(api_url: str, tmp_path: Path) -> None:
    missing = httpx.get(f"{api_url}/rounds/{new_round()}/withdrawals")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "round_not_approved")
    with httpx.Client(base_url=api_url) as api, pytest.raises(PullRefused, match="answered 404"):
        fetch_withdrawals(api, round_number=new_round())
    code, output = _export(api_url, new_round(), tmp_path / "none")
    assert code == 1 and "no dataset approved on-chain" in output, output


@pytest.mark.skipif(bool(Settings().ipfs_api_url), reason="edits the local CID store's block files")
@pytest.mark.usefixtures("celery_worker")
def test_a_block_tampered_in_storage_stops_the_export_and_leaves_no_car(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, settings: Settings, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(2))
    round_number, _ = _approved_round(curator, web3, deployment, made.ids)
    tamper_block(settings, made.cids[1])
    code, output = _export(api_url, round_number, tmp_path / "cars")
    assert code == 1 and f"the CAR of {made.cids[1]} was refused" in output and "does not hash" in output, output
    assert not (tmp_path / "cars" / f"{made.cids[1]}.car").exists()


@pytest.mark.usefixtures("celery_worker")
def test_a_round_is_exported_from_an_ipfs_node_s_dag_export(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, ipfs_api_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute([_large_jsonl(), *unique_lines(1)])
    round_number, dataset = _approved_round(curator, web3, deployment, made.ids)
    node = KuboStorage(ipfs_api_url)
    manifest = httpx.get(f"{api_url}/ipfs/{dataset['manifest_cid']}").content
    assert node.add(io.BytesIO(manifest)).cid == dataset["manifest_cid"]
    assert [node.add(io.BytesIO(content)).cid for content in made.contents] == made.cids

    code, output = _export(api_url, round_number, tmp_path / "cars", "--ipfs-api", ipfs_api_url)
    assert code == 0, output
    files = dict(zip(made.cids, made.contents, strict=True))
    _assert_cars_hold(tmp_path / "cars", {dataset["manifest_cid"]: manifest, **files})
