"""The pull reads straight from an IPFS node (`--ipfs-api`): the same CIDs, the same checks, the same output."""

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.main import app
from polyphony.storage.kubo import KuboStorage
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers
from tests.support.seeding import new_round, unique_lines


@pytest.mark.usefixtures("celery_worker")
def test_a_round_is_pulled_from_an_ipfs_node_with_every_cid_checked(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, ipfs_api_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(3, lines=4))
    dataset = curator.call("POST", "/datasets", json={"name": "on ipfs", "contribution_ids": made.ids})
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()
    node = KuboStorage(ipfs_api_url)
    manifest = httpx.get(f"{api_url}/ipfs/{dataset['manifest_cid']}").content
    assert node.add(io.BytesIO(manifest)).cid == dataset["manifest_cid"]
    assert [node.add(io.BytesIO(content)).cid for content in made.contents] == made.cids

    result = CliRunner().invoke(
        app,
        ["pull", "--round", str(round_number), "--out", str(tmp_path), "--api", api_url, "--ipfs-api", ipfs_api_url],
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "data" / "text").num_rows == 12
    assert {path.name for path in (tmp_path / "files").iterdir()} == set(made.cids)
