"""Datasets from scored contributions, rounds approved on-chain, and the trainer's verified pull, against a real
API process, anvil, the Celery workers and the local CID store (the IPFS-node path is in test_pull_from_ipfs)."""

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import mlcroissant
import pyarrow.parquet as pq
import pytest
import yaml
from eth_account import Account
from typer.testing import CliRunner
from web3 import Web3

from chain.bindings import Deployment
from cli.client import ClientError, PolyphonyClient
from cli.main import app
from governance.datasets.service import read_manifest_rows, root_of_rows
from polyphony.settings import Settings
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers, tamper_block
from tests.support.scored_uploads import JUNK, jsonl, prose
from tests.support.seeding import new_round, unique_lines

runner = CliRunner()
MODEL_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def _dataset(curator: PolyphonyClient, ids: list[int], **filters: object) -> dict:  # type: ignore[type-arg]
    return curator.call("POST", "/datasets", json={"name": "round data", "contribution_ids": ids, **filters})  # type: ignore[no-any-return]


def _approved(curator: PolyphonyClient, web3: Web3, deployment: Deployment, ids: list[int]) -> tuple[int, dict]:  # type: ignore[type-arg]
    dataset = _dataset(curator, ids)
    round_number = new_round()
    approve(web3, deployment, round_number=round_number, root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()
    return round_number, dataset


def _pull(api_url: str, round_number: int, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["pull", "--round", str(round_number), "--out", str(out), "--api", api_url, *extra])
    return result.exit_code, " ".join(result.output.split())


# Tampering edits a block file of the local CID store; an IPFS node's blocks cannot be edited from outside it. The
# pull's check does not depend on the store (it recomputes each CID from the bytes it receives), and the run on
# the embedded defaults exercises it.
ON_THE_LOCAL_STORE = pytest.mark.skipif(
    bool(Settings().ipfs_api_url), reason="edits the local CID store's block files; IPFS_API_URL is set"
)


@pytest.mark.usefixtures("celery_worker")
def test_a_curated_dataset_is_a_valid_croissant_manifest_bound_to_its_root(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, tmp_path: Path
) -> None:
    made = contribute(unique_lines(3))
    dataset = _dataset(curator, made.ids, min_score=5000, languages=["en"])
    assert dataset["item_count"] == 3 and dataset["contribution_ids"] == sorted(made.ids)
    assert curator.call("GET", f"/datasets/{dataset['id']}")["manifest_cid"] == dataset["manifest_cid"]

    manifest = httpx.get(f"{api_url}/ipfs/{dataset['manifest_cid']}").content
    rows = read_manifest_rows(json.loads(manifest))
    assert root_of_rows(rows) == dataset["root"]
    assert {row["cid"] for row in rows} == set(made.cids)
    assert all(row["score"] == 8000 and row["batch_tx"] and row["license"] == "CC-BY-4.0" for row in rows)
    (tmp_path / "croissant.json").write_bytes(manifest)
    loaded = mlcroissant.Dataset(jsonld=tmp_path / "croissant.json")
    assert len(list(loaded.records("contributions"))) == 3

    again = curator.call("POST", "/datasets", json={"name": "round data", "contribution_ids": made.ids,
                                                     "min_score": 5000, "languages": ["en"]})  # fmt: skip
    assert (again["id"], again["manifest_cid"]) == (dataset["id"], dataset["manifest_cid"])


def test_bad_dataset_requests_get_stable_codes(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str
) -> None:
    made = contribute(unique_lines(1))
    failed = contribute(unique_lines(1), verdict="fail", score=100)
    cases = [
        ({"contribution_ids": [10**9]}, 400, "unknown_contributions"),
        ({"contribution_ids": made.ids, "min_score": 9000}, 400, "ineligible_contributions"),
        ({"contribution_ids": failed.ids}, 400, "ineligible_contributions"),
        ({"languages": ["xx-none"]}, 400, "empty_selection"),
        ({"min_score": 20000}, 422, "invalid_request"),
        ({"modalities": ["video"]}, 400, "invalid_filters"),
        ({"licenses": ["not-a-license"]}, 400, "unknown_license"),
    ]
    for filters, status, code in cases:
        with pytest.raises(ClientError) as refused:
            curator.call("POST", "/datasets", json={"name": "bad", **filters})
        assert (refused.value.status, refused.value.code) == (status, code), filters
    anonymous = httpx.post(f"{api_url}/datasets", json={"name": "x"})
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "missing_token")
    assert httpx.get(f"{api_url}/datasets/999999999").json()["error"]["code"] == "dataset_not_found"


@pytest.mark.usefixtures("celery_worker")
def test_an_approved_round_is_pulled_verified_and_a_model_names_its_contributors(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, funded_account: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    made = contribute(unique_lines(4, lines=5))
    round_number, dataset = _approved(curator, web3, deployment, made.ids)
    listed = httpx.get(f"{api_url}/rounds/{round_number}").json()
    assert [(d["root"], d["manifest_cid"], d["dataset_id"]) for d in listed["datasets"]] == [
        (dataset["root"], dataset["manifest_cid"], dataset["id"])
    ]
    assert curator.call("GET", f"/datasets/{dataset['id']}")["approved_round"] == round_number

    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 0, output
    table = pq.read_table(tmp_path / "pull" / "data" / "text")
    assert table.num_rows == 20 and set(table.column("contribution_id").to_pylist()) == set(made.ids)
    assert set(table.column("contributor").to_pylist()) == {curator.wallet.address}
    lineage = json.loads((tmp_path / "pull" / "lineage.json").read_text())
    assert lineage["round"] == round_number and lineage["contributors"] == [curator.wallet.address]
    croissant = tmp_path / "pull" / "croissant" / f"{dataset['manifest_cid']}.json"
    mlcroissant.Dataset(jsonld=croissant)

    trainer = Account.create()
    monkeypatch.setenv("POLYPHONY_CONTRIBUTOR_KEY", trainer.key.hex())
    register = ["model", "register", "--round", str(round_number), "--api", api_url]
    placeholder = runner.invoke(app, [*register, "--cid", "bafy..."])  # the README's placeholder, as typed
    assert placeholder.exit_code == 2 and "'bafy...' is not a CID" in placeholder.output, placeholder.output
    unfunded = runner.invoke(app, [*register, "--cid", MODEL_CID])  # a new trainer key holds no ether
    said = " ".join(unfunded.output.split())
    assert unfunded.exit_code == 2 and "Traceback" not in said, said
    assert f"{trainer.address} holds 0.0000 ETH on chain 31337" in said and "send it ether" in said, said
    web3.provider.make_request("anvil_setBalance", [trainer.address, hex(10**18)])  # type: ignore[arg-type]
    registered = runner.invoke(app, [*register, "--cid", MODEL_CID])
    assert registered.exit_code == 0, registered.output
    model = httpx.get(f"{api_url}/models", params={"round": round_number}).json()["items"][0]
    assert model["registrant"] == trainer.address and model["model_cid"] == MODEL_CID
    shown = httpx.get(f"{api_url}/models/{model['id']}/lineage").json()
    assert shown["round"] == round_number and shown["contributors"] == [curator.wallet.address]
    assert sorted(c["id"] for c in shown["contributions"]) == sorted(made.ids)
    assert shown["datasets"][0]["manifestCid"] == dataset["manifest_cid"]


@pytest.mark.usefixtures("celery_worker")
def test_the_manifest_lists_each_file_s_kept_documents_and_the_pull_writes_only_those(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, tmp_path: Path,
) -> None:  # fmt: skip
    good = prose(6, start=20)
    mixed = contribute([jsonl([*good[:2], JUNK, *good[2:5], JUNK, good[5]])], by_the_pipeline=True)
    notes = ("\n\n".join(prose(5, start=30)) + "\n").encode()
    plain = contribute([notes], name="notes.txt", by_the_pipeline=True)
    whole = contribute(unique_lines(1, lines=4))  # scored as a whole: no document judged alone
    round_number, dataset = _approved(curator, web3, deployment, mixed.ids + plain.ids + whole.ids)

    manifest = httpx.get(f"{api_url}/ipfs/{dataset['manifest_cid']}").content
    rows = {row["contribution_id"]: row for row in read_manifest_rows(json.loads(manifest))}
    listed = {number: (row["documents"], row["kept_documents"]) for number, row in rows.items()}
    assert listed == {mixed.ids[0]: (8, "0-1,3-5,7"), plain.ids[0]: (1, "0"), whole.ids[0]: (None, None)}
    (tmp_path / "croissant.json").write_bytes(manifest)
    assert len(list(mlcroissant.Dataset(jsonld=tmp_path / "croissant.json").records("contributions"))) == 3

    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 0, output
    table = pq.read_table(tmp_path / "pull" / "data" / "text").to_pylist()
    records = {number: [(row["record"], row["text"]) for row in table if row["contribution_id"] == number]
               for number in rows}  # fmt: skip
    assert [record for record, _ in records[mixed.ids[0]]] == [0, 1, 3, 4, 5, 7]
    assert [text for _, text in records[mixed.ids[0]]] == good  # the junk is not pulled
    assert records[plain.ids[0]] == [(0, notes.decode())]  # a plain-text file is one document, all of it
    assert len(records[whole.ids[0]]) == 4  # every record of a file judged as a whole
    files = tmp_path / "pull" / "files"
    assert (files / mixed.cids[0]).read_bytes() == mixed.contents[0]  # verified whole, then filtered


def test_an_unapproved_round_is_refused(api_url: str, deployment: Deployment, tmp_path: Path) -> None:
    round_number = new_round()
    code, output = _pull(api_url, round_number, tmp_path / "nothing")
    assert code == 1 and "no dataset approved on-chain" in output
    card = httpx.get(f"{api_url}/rounds/{round_number}/card")
    assert card.status_code == 404 and card.json()["error"]["code"] == "round_not_approved"


def _withdraw(curator: PolyphonyClient, contribution_id: int) -> None:
    typed = curator.call("GET", f"/contributions/{contribution_id}/revocation")
    signature = "0x" + bytes(curator.wallet.sign_typed_data(full_message=typed).signature).hex()
    body = {"signature": signature, "deadline": typed["message"]["deadline"]}
    curator.call("POST", f"/contributions/{contribution_id}/revocation", json=body)


def _card_parts(card: str) -> tuple[dict, dict[str, str]]:  # type: ignore[type-arg]
    """A dataset card's YAML header and its sections by heading."""
    _, header, body = card.split("---\n", 2)
    sections = {part.split("\n", 1)[0]: part for part in body.split("\n## ")[1:]}
    return yaml.safe_load(header), sections


@pytest.mark.usefixtures("celery_worker")
def test_the_served_card_says_what_a_pull_writes_less_what_left_the_round(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, tmp_path: Path,
) -> None:  # fmt: skip
    good = prose(6, start=40)
    mixed = contribute([jsonl([*good[:3], JUNK, *good[3:]])], by_the_pipeline=True)
    leaving = contribute([("\n\n".join(prose(4, start=50)) + "\n").encode()], name="notes.txt", by_the_pipeline=True)
    round_number, dataset = _approved(curator, web3, deployment, mixed.ids + leaving.ids)
    _withdraw(curator, leaving.ids[0])

    answer = httpx.get(f"{api_url}/rounds/{round_number}/card")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/markdown")
    served_header, served = _card_parts(answer.text)
    assert "| `text` | 1 | 6 |" in served["Configs"]  # the kept documents of the one contribution left
    assert "1 contributions from 1 contributors (1 withdrawn since approval, dropped)" in answer.text

    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 0, output
    pulled_header, pulled = _card_parts((tmp_path / "pull" / "README.md").read_text())
    assert served_header == {key: value for key, value in pulled_header.items() if key != "dataset_info"}
    assert served["Approval"] == pulled["Approval"] and dataset["manifest_cid"] in served["Approval"]
    assert served["Scoring"] == pulled["Scoring"] and served["How to verify"] == pulled["How to verify"]
    assert pulled_header["dataset_info"][0]["splits"][0]["num_examples"] == 6  # the rows the served card counted


@ON_THE_LOCAL_STORE
@pytest.mark.usefixtures("celery_worker")
def test_a_manifest_tampered_in_storage_stops_the_pull(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, settings: Settings, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(2))
    round_number, dataset = _approved(curator, web3, deployment, made.ids)
    tamper_block(settings, dataset["manifest_cid"])
    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 1 and f"the manifest of dataset {dataset['root']}" in output and "does not hash" in output


@ON_THE_LOCAL_STORE
@pytest.mark.usefixtures("celery_worker")
def test_a_file_tampered_in_storage_stops_the_pull_naming_the_item(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, settings: Settings, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(3))
    round_number, _ = _approved(curator, web3, deployment, made.ids)
    tamper_block(settings, made.cids[1])
    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 1 and f"contribution {made.ids[1]} ({made.cids[1]})" in output and "tampered" in output
    assert not (tmp_path / "pull" / "files" / made.cids[1]).exists()
    assert not (tmp_path / "pull" / "lineage.json").exists()


@pytest.mark.usefixtures("celery_worker")
def test_a_contribution_withdrawn_after_approval_is_dropped_from_the_pull(
    curator: PolyphonyClient, contribute: Callable[..., Contributed], api_url: str, web3: Web3,
    deployment: Deployment, tmp_path: Path,
) -> None:  # fmt: skip
    made = contribute(unique_lines(3))
    round_number, _ = _approved(curator, web3, deployment, made.ids)
    withdrawn = made.ids[0]
    _withdraw(curator, withdrawn)

    code, output = _pull(api_url, round_number, tmp_path / "pull")
    assert code == 0, output
    table = pq.read_table(tmp_path / "pull" / "data" / "text")
    assert withdrawn not in table.column("contribution_id").to_pylist()
    assert not (tmp_path / "pull" / "files" / made.cids[0]).exists()
    lineage = json.loads((tmp_path / "pull" / "lineage.json").read_text())
    assert lineage["dropped"] == [withdrawn] and withdrawn not in [c["id"] for c in lineage["contributions"]]
