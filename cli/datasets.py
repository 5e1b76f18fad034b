"""`polyphony dataset create`, `polyphony pull` and `polyphony model register`: the curator's and the trainer's
commands, run against a remote API and a chain node.

Exit codes: 0 done; 1 the pull refused something it verified (a tampered byte, an approval the chain does not
hold); 2 anything else (arguments, key, an unreachable or refusing API or node).
"""

from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.markup import escape
from web3 import Web3

from chain.bindings import load_artifact, read_deployment
from chain.client import connect, rpc_errors
from chain.tx import Call
from chain.verify.withdrawals import WithdrawalsTampered
from cli.client import PolyphonyClient
from cli.command import (
    ApiOption,
    CommandFailed,
    RpcOption,
    api_url,
    console,
    one_line_errors,
    transfer_progress,
)
from cli.keys import KeyOption, KeystoreOption, PasswordFileOption, load_wallet
from cli.sending import send_from_wallet
from governance.rounds.errors import ApprovalMismatch, PullRefused, RoundNotApproved
from governance.rounds.pull import PullReport, pull_round
from polyphony.settings import get_settings
from polyphony.storage.base import BlobReader
from polyphony.storage.cid import normalize_cid
from polyphony.storage.errors import InvalidCid
from polyphony.storage.gateway import GatewayBlobs
from polyphony.storage.kubo import KuboStorage

# What a pull verified and refused: exit 1, not 2.
REFUSALS = (PullRefused, ApprovalMismatch, RoundNotApproved, WithdrawalsTampered)

# The options of every command that reads an approved round (`pull`, `export car`).
RegistryOption = Annotated[
    str | None, typer.Option(help="The dataset registry's address; default: the deployment file, else the API.")
]
IpfsApiOption = Annotated[
    str | None, typer.Option("--ipfs-api", help="Read blocks from this IPFS node's RPC API, not the API gateway.")
]

dataset_app = typer.Typer(help="Curate datasets from scored contributions.", no_args_is_help=True)
model_app = typer.Typer(help="Register models trained on an approved round.", no_args_is_help=True)


@dataset_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="The dataset's name.")],
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    min_score: Annotated[int, typer.Option(help="Lowest score (0-10000) a member may have.")] = 0,
    language: Annotated[list[str] | None, typer.Option(help="Keep this language (repeat for more).")] = None,
    license_id: Annotated[list[str] | None, typer.Option("--license", help="Keep this SPDX license (repeat).")] = None,
    modality: Annotated[list[str] | None, typer.Option(help="Keep this modality: text, tabular, image.")] = None,
    contribution: Annotated[list[int] | None, typer.Option("--id", help="Only these contributions (repeat).")] = None,
    key_file: KeyOption = None,
    keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None,
    api: ApiOption = None,
) -> None:
    """Assemble scored contributions by filters; print the dataset's id, root and manifest CID."""
    body = {
        "name": name, "description": description, "min_score": min_score, "languages": language or [],
        "licenses": license_id or [], "modalities": modality or [], "contribution_ids": contribution or [],
    }  # fmt: skip
    with (
        one_line_errors(),
        PolyphonyClient(api_url(api), load_wallet(key_file, keystore, password_file)) as client,
    ):
        client.sign_in()
        dataset = client.call("POST", "/datasets", json=body, timeout=600)
    console.print(f"dataset {dataset['id']}: {dataset['item_count']} contributions")
    console.print(f"  root          {dataset['root']}\n  manifest CID  {dataset['manifest_cid']}")


def pull(
    round_number: Annotated[int, typer.Option("--round", help="The training round to pull.")],
    out: Annotated[Path, typer.Option(help="The folder to write into (a re-run resumes there).")],
    api: ApiOption = None,
    rpc: RpcOption = None,
    registry: RegistryOption = None,
    ipfs_api: IpfsApiOption = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Files downloaded at once.")] = 8,
) -> None:
    """Pull an approved round, verified on-chain and byte by byte, as typed Parquet with a Hugging Face dataset card,
    a Croissant file and lineage: ready for `datasets.load_dataset(OUT)`."""
    limits = _limits(workers)
    with one_line_errors(refused=REFUSALS), httpx.Client(base_url=api_url(api), timeout=60, limits=limits) as http:
        rpc_url = rpc or get_settings().effective_chain_rpc_url
        with rpc_errors(rpc_url):
            web3 = connect(rpc_url)
            address = registry or registry_address(web3, http, round_number)
            blobs: BlobReader = KuboStorage(ipfs_api) if ipfs_api else GatewayBlobs(http)
            with transfer_progress() as progress:
                task = progress.add_task(f"round {round_number}", total=None)
                report = pull_round(
                    round_number, api=http, web3=web3, registry=address,
                    provenance_registry=provenance_registry_address(web3, http), blobs=blobs, out=out, workers=workers,
                    on_total=lambda total: progress.update(task, total=total),
                    on_bytes=lambda count: progress.advance(task, count),
                )  # fmt: skip
    _show_pulled(report, out)


@model_app.command("register")
def register(
    round_number: Annotated[int, typer.Option("--round", help="The round the model was trained on.")],
    cid: Annotated[str, typer.Option("--cid", help="The model's CID (CIDv1 'b...'/'z...' or CIDv0 'Qm...').")],
    key_file: KeyOption = None,
    keystore: KeystoreOption = None,
    password_file: PasswordFileOption = None,
    api: ApiOption = None,
    rpc: RpcOption = None,
) -> None:
    """Pin the round's lineage, register the model on the dataset registry from your key, and record it.

    Your wallet sends `registerModel` and pays its gas (the registrant on-chain is who vouches for the model), so it
    must hold ether on the API's chain.
    """
    with one_line_errors():
        model_cid = _model_cid(cid)
        with PolyphonyClient(api_url(api), load_wallet(key_file, keystore, password_file)) as client:
            client.sign_in()
            lineage_cid = client.call("POST", f"/rounds/{round_number}/lineage", timeout=300)["lineage_cid"]
            rounds = client.call("GET", f"/rounds/{round_number}")
            rpc_url = rpc or get_settings().effective_chain_rpc_url
            with rpc_errors(rpc_url):
                web3 = connect(rpc_url)
                call = _registration(web3, registry=rounds["registry"], args=(round_number, model_cid, lineage_cid))
                tx_hash = send_from_wallet(web3, client.wallet, call, what="registerModel")
            recorded = client.call("POST", "/models", json={"tx_hash": tx_hash})
    for model in recorded["models"]:
        console.print(f"model {model['id']}: {escape(model['model_cid'])} trained on round {model['round']}")
        console.print(f"  lineage CID {model['lineage_cid']}\n  tx          {model['tx_hash']}")


def _model_cid(cid: str) -> str:
    """The model's CID in its one base32 spelling; a placeholder or a typo is refused before anything is sent."""
    try:
        return normalize_cid(cid.strip())
    except InvalidCid as error:
        raise CommandFailed(
            f"--cid: {error.message}; give your model file's own CID (`ipfs add --cid-version=1 FILE` prints it)"
        ) from None


def _registration(web3: Web3, *, registry: str, args: tuple[int, str, str]) -> Call:
    contract = web3.eth.contract(address=Web3.to_checksum_address(registry), abi=load_artifact("DatasetRegistry").abi)
    return Call(contract.address, bytes.fromhex(contract.encode_abi("registerModel", args=list(args))[2:]))


def registry_address(web3: Web3, http: httpx.Client, round_number: int) -> str:
    """The deployment file's registry for this chain if there is one; otherwise the API's word, said aloud."""
    deployment = read_deployment(get_settings().deployments_dir, web3.eth.chain_id)
    if deployment is not None:
        return deployment.contracts["datasetRegistry"].address
    answer = http.get(f"/rounds/{round_number}")
    if answer.status_code != 200:
        raise CommandFailed(
            f"round {round_number}: the API knows no approved dataset and no registry (pass --registry ADDRESS)"
        )
    address = str(answer.json()["registry"])
    console.print(f"dataset registry {address} (from the API; pass --registry to pin it yourself)")
    return address


def provenance_registry_address(web3: Web3, http: httpx.Client) -> str:
    """The deployment file's provenance registry for this chain if there is one; otherwise the API's, said aloud."""
    deployment = read_deployment(get_settings().deployments_dir, web3.eth.chain_id)
    if deployment is not None:
        return deployment.contracts["provenanceRegistry"].address
    answer = http.get("/config")
    if answer.status_code != 200:
        raise CommandFailed("the API does not say where the provenance registry is, and no deployment file does")
    address = str(answer.json()["contracts"]["provenanceRegistry"]["address"])
    if not web3.eth.get_code(Web3.to_checksum_address(address)):
        raise CommandFailed(f"the API's provenance registry {address} has no code on chain {web3.eth.chain_id}")
    console.print(f"provenance registry {address} (from the API)")
    return address


def _show_pulled(report: PullReport, out: Path) -> None:
    console.print(f"round {report.round}: {len(report.manifests)} datasets, {report.files} files verified into {out}")
    console.print(f"  {report.withdrawals.summary()}")
    if report.dropped:
        console.print(f"  dropped {len(report.dropped)} withdrawn contributions: {report.dropped[:20]}")
    if report.rejected_documents:
        console.print(
            f"  left out the documents their reviewers rejected since the approval: {report.rejected_documents}"
        )
    for config in report.configs:
        shards = f"{len(config.shards)} shard" + ("s" if len(config.shards) != 1 else "")
        console.print(f"  {config.config}: {config.rows:,} rows in {shards} under {out / 'data' / config.config}")
    for path in (report.card, out / "croissant.json", report.lineage):
        console.print(f"  wrote {path}")
    console.print(f"  load it: datasets.load_dataset({str(out)!r})")


def _limits(workers: int) -> httpx.Limits:
    return httpx.Limits(max_connections=workers + 2, max_keepalive_connections=workers + 2)
