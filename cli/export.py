"""`polyphony export car`: an approved round as CAR files for IPFS users, verified as the pull verifies it.

Exit codes: 0 done; 1 something verified was refused (a block that does not hash to its CID, an approval the
chain does not hold); 2 anything else (arguments, an unreachable or refusing API or node).
"""

from pathlib import Path
from typing import Annotated

import httpx
import typer

from chain.client import connect, rpc_errors
from cli.command import ApiOption, RpcOption, api_url, console, one_line_errors
from cli.datasets import REFUSALS, IpfsApiOption, RegistryOption, provenance_registry_address, registry_address
from governance.rounds.car_export import CarSource, export_round_cars
from polyphony.settings import get_settings
from polyphony.storage.base import BlobReader
from polyphony.storage.gateway import GatewayBlobs
from polyphony.storage.kubo import KuboStorage

export_app = typer.Typer(help="Export approved rounds for other tools.", no_args_is_help=True)


@export_app.command("car")
def car(
    round_number: Annotated[int, typer.Option("--round", help="The training round to export.")],
    out: Annotated[Path, typer.Option(help="The folder to write <cid>.car files into (a re-run skips those there).")],
    api: ApiOption = None,
    rpc: RpcOption = None,
    registry: RegistryOption = None,
    ipfs_api: IpfsApiOption = None,
    one_file: Annotated[
        bool, typer.Option("--one-file", help="Write one round-<N>.car with a root per file, not a CAR per file.")
    ] = False,
) -> None:
    """Write an approved round as CARv1 files, one per manifest and per file, each rooted at its CID (or one file
    with a root for each), every block checked against its CID: `ipfs dag import DIR/*.car` loads them."""
    with one_line_errors(refused=REFUSALS), httpx.Client(base_url=api_url(api), timeout=60) as http:
        rpc_url = rpc or get_settings().effective_chain_rpc_url
        with rpc_errors(rpc_url):
            web3 = connect(rpc_url)
            address = registry or registry_address(web3, http, round_number)
            node = KuboStorage(ipfs_api) if ipfs_api else None
            blobs: BlobReader = node or GatewayBlobs(http)
            cars: CarSource = node or GatewayBlobs(http)
            with console.status(f"round {round_number}: writing CAR files"):
                report = export_round_cars(
                    round_number, api=http, web3=web3, registry=address,
                    provenance_registry=provenance_registry_address(web3, http), blobs=blobs, cars=cars, out=out,
                    one_file=one_file,
                )  # fmt: skip
    fresh = len(report.cars) - report.already_there
    console.print(f"round {report.round}: {len(report.cars)} CAR files in {out} ({fresh} written, every block checked)")
    if report.dropped:
        console.print(f"  left out {len(report.dropped)} withdrawn contributions: {report.dropped[:20]}")
    console.print(f"  load them with: ipfs dag import {out}/*.car")
