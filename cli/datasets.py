"""`polyphony dataset create`, `polyphony pull` and `polyphony model register`: the curator's and the trainer's
commands, run against a remote API and a chain node.

Exit codes: 0 done; 1 the pull refused something it verified (a tampered byte, an approval the chain does not
hold); 2 anything else (arguments, key, an unreachable or refusing API or node).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import httpx
import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from web3 import Web3

from chain.client import connect, rpc_errors
from chain.contracts import load_artifact, read_deployment
from cli.client import ClientError, PolyphonyClient
from governance.dataset_errors import PullRefused
from governance.pull import GatewayBlobs, PullReport, pull_round
from polyphony.errors import PolyphonyError
from polyphony.settings import get_settings
from polyphony.storage.base import BlobReader
from polyphony.storage.kubo import KuboStorage

KEY_VARIABLE = "POLYPHONY_CONTRIBUTOR_KEY"
EXIT_REFUSED = 1
EXIT_FAILED = 2
RECEIPT_TIMEOUT_S = 120

console = Console(soft_wrap=True)
dataset_app = typer.Typer(help="Curate datasets from scored contributions.", no_args_is_help=True)
model_app = typer.Typer(help="Register models trained on an approved round.", no_args_is_help=True)

ApiOption = Annotated[
    str | None, typer.Option("--api", help="The API's base URL; default: POLYPHONY_PUBLIC_URL, else the local API.")
]
RpcOption = Annotated[str | None, typer.Option("--rpc", help="A chain node's JSON-RPC URL; default: CHAIN_RPC_URL.")]
KeyOption = Annotated[Path | None, typer.Option(help=f"Your wallet's private key (hex); else ${KEY_VARIABLE}.")]


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
    api: ApiOption = None,
) -> None:
    """Assemble scored contributions by filters; print the dataset's id, root and manifest CID."""
    body = {
        "name": name, "description": description, "min_score": min_score, "languages": language or [],
        "licenses": license_id or [], "modalities": modality or [], "contribution_ids": contribution or [],
    }  # fmt: skip
    with _one_line_errors(), PolyphonyClient(_api(api), _wallet(key_file)) as client:
        client.sign_in()
        dataset = client.call("POST", "/datasets", json=body, timeout=600)
    console.print(f"dataset {dataset['id']}: {dataset['item_count']} contributions")
    console.print(f"  root          {dataset['root']}\n  manifest CID  {dataset['manifest_cid']}")


def pull(
    round_number: Annotated[int, typer.Option("--round", help="The training round to pull.")],
    out: Annotated[Path, typer.Option(help="The folder to write into (a re-run resumes there).")],
    api: ApiOption = None,
    rpc: RpcOption = None,
    registry: Annotated[
        str | None, typer.Option(help="The dataset registry's address; default: the deployment file, else the API.")
    ] = None,
    ipfs_api: Annotated[
        str | None, typer.Option("--ipfs-api", help="Read bytes from this IPFS node's RPC API, not the API gateway.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Files downloaded at once.")] = 8,
) -> None:
    """Pull an approved round, verified on-chain and byte by byte, as Parquet + Croissant + lineage."""
    with _one_line_errors(), httpx.Client(base_url=_api(api), timeout=60, limits=_limits(workers)) as http:
        rpc_url = rpc or get_settings().effective_chain_rpc_url
        with rpc_errors(rpc_url):
            web3 = connect(rpc_url)
            address = registry or _registry_address(web3, http, round_number)
            blobs: BlobReader = KuboStorage(ipfs_api) if ipfs_api else GatewayBlobs(http)
            with _progress() as progress:
                task = progress.add_task(f"round {round_number}", total=None)
                report = pull_round(
                    round_number, api=http, web3=web3, registry=address, blobs=blobs, out=out, workers=workers,
                    on_total=lambda total: progress.update(task, total=total),
                    on_bytes=lambda count: progress.advance(task, count),
                )  # fmt: skip
    _show_pulled(report, out)


@model_app.command("register")
def register(
    round_number: Annotated[int, typer.Option("--round", help="The round the model was trained on.")],
    cid: Annotated[str, typer.Option("--cid", help="The model's CID.")],
    key_file: KeyOption = None,
    api: ApiOption = None,
    rpc: RpcOption = None,
) -> None:
    """Pin the round's lineage, register the model on the dataset registry from your key, and record it."""
    account = _wallet(key_file)
    with _one_line_errors(), PolyphonyClient(_api(api), account) as client:
        client.sign_in()
        lineage_cid = client.call("POST", f"/rounds/{round_number}/lineage", timeout=300)["lineage_cid"]
        rounds = client.call("GET", f"/rounds/{round_number}")
        rpc_url = rpc or get_settings().effective_chain_rpc_url
        with rpc_errors(rpc_url):
            tx_hash = _register_on_chain(
                connect(rpc_url), account, registry=rounds["registry"], call=(round_number, cid, lineage_cid)
            )
        models = client.call("POST", "/models", json={"tx_hash": tx_hash})
    for model in models:
        console.print(f"model {model['id']}: {escape(model['model_cid'])} trained on round {model['round']}")
        console.print(f"  lineage CID {model['lineage_cid']}\n  tx          {model['tx_hash']}")


def _register_on_chain(web3: Web3, account: LocalAccount, *, registry: str, call: tuple[int, str, str]) -> str:
    contract = web3.eth.contract(address=Web3.to_checksum_address(registry), abi=load_artifact("DatasetRegistry").abi)
    nonce = web3.eth.get_transaction_count(account.address)
    transaction = contract.functions.registerModel(*call).build_transaction(
        {"from": account.address, "nonce": nonce, "chainId": web3.eth.chain_id}
    )
    signed = account.sign_transaction(cast(dict[str, Any], transaction))
    tx_hash = web3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT_S)
    if receipt["status"] != 1:
        _fail(f"registerModel reverted in transaction 0x{bytes(tx_hash).hex()}")
    return "0x" + bytes(tx_hash).hex()


def _registry_address(web3: Web3, http: httpx.Client, round_number: int) -> str:
    """The deployment file's registry for this chain if there is one; otherwise the API's word, said aloud."""
    deployment = read_deployment(get_settings().deployments_dir, web3.eth.chain_id)
    if deployment is not None:
        return deployment.contracts["datasetRegistry"].address
    answer = http.get(f"/rounds/{round_number}")
    if answer.status_code != 200:
        _fail(f"round {round_number}: the API knows no approved dataset and no registry (pass --registry ADDRESS)")
    address = str(answer.json()["registry"])
    console.print(f"dataset registry {address} (from the API; pass --registry to pin it yourself)")
    return address


def _show_pulled(report: PullReport, out: Path) -> None:
    console.print(f"round {report.round}: {len(report.manifests)} datasets, {report.files} files verified into {out}")
    if report.dropped:
        console.print(f"  dropped {len(report.dropped)} withdrawn contributions: {report.dropped[:20]}")
    for path in [*report.parquet, report.lineage]:
        console.print(f"  wrote {path}")


def _wallet(key_file: Path | None) -> LocalAccount:
    if key_file is not None:
        source, secret = str(key_file), key_file.read_text(errors="replace") if key_file.is_file() else ""
    else:
        source, secret = f"${KEY_VARIABLE}", os.environ.get(KEY_VARIABLE, "")
    if not secret.strip():
        _fail(f"no key: pass --key-file FILE (your private key, hex) or set {KEY_VARIABLE}")
    try:
        account: LocalAccount = Account.from_key(secret.strip())
    except ValueError:
        _fail(f"the key in {source} is not a private key: write it as 64 hex digits, 0x optional")
    return account


def _api(api: str | None) -> str:
    return (api or get_settings().effective_public_url).rstrip("/")


def _limits(workers: int) -> httpx.Limits:
    return httpx.Limits(max_connections=workers + 2, max_keepalive_connections=workers + 2)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<12}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), console=console, disable=not console.is_terminal,
    )  # fmt: skip


def _fail(message: str, *, exit_code: int = EXIT_FAILED) -> NoReturn:
    console.print(f"[red]polyphony:[/] {escape(message)}")
    raise typer.Exit(exit_code)


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Every expected failure as one red line; a verification failure exits 1, anything else 2."""
    try:
        yield
    except PullRefused as error:
        _fail(error.message, exit_code=EXIT_REFUSED)
    except PolyphonyError as error:
        code = EXIT_REFUSED if error.code in ("approval_mismatch", "round_not_approved") else EXIT_FAILED
        _fail(error.message, exit_code=code)
    except ClientError as error:
        _fail(f"{error.message} ({error.code})")
    except httpx.HTTPError as error:
        _fail(f"the API could not be read: {type(error).__name__}")
    except OSError as error:
        _fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
