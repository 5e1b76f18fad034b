"""`polyphony verify ...`: recompute and check what the API says, from the chain and the stored bytes."""

from collections.abc import Iterator
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from chain.client import connect, rpc_errors
from chain.provenance import Provenance
from chain.verify import Check, verify_provenance
from cli.verify_score import ScoreSources, verify_score
from polyphony.errors import PolyphonyError
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings

verify_app = typer.Typer(help="Check provenance (and later scores and epochs) without trusting the API.")
console = Console(soft_wrap=True)


@verify_app.command("provenance")
def provenance(
    contribution_id: int,
    api: str = typer.Option(None, help="The API's base URL; default: this machine's stack."),
    from_storage: bool = typer.Option(
        False, "--from-storage", help="Read bytes from the configured store instead of the API's /ipfs gateway."
    ),
) -> None:
    """Check a contribution's claim, Merkle proof, on-chain anchor and stored bytes."""
    settings = get_settings()
    base = api or settings.effective_public_url
    blobs = storage_from_settings(settings) if from_storage else GatewayBlobs(base)
    try:
        record = _fetch_provenance(base, contribution_id)
        with rpc_errors(settings.effective_chain_rpc_url):
            web3 = connect(settings.effective_chain_rpc_url)
            checks = verify_provenance(contribution_id, record, web3=web3, blobs=blobs)
    except PolyphonyError as error:
        console.print(f"[red]polyphony verify:[/] {error.message}")
        raise typer.Exit(2) from None
    _show(contribution_id, checks)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@verify_app.command("score")
def score(
    contribution_id: int,
    api: str = typer.Option(None, help="The API's base URL; default: this machine's stack."),
    from_storage: bool = typer.Option(
        False, "--from-storage", help="Read bytes from the configured store instead of the API's /ipfs gateway."
    ),
) -> None:
    """Recompute a contribution's score from its bytes and the policy, and compare it byte for byte."""
    settings = get_settings()
    base = api or settings.effective_public_url
    blobs = storage_from_settings(settings) if from_storage else GatewayBlobs(base)
    try:
        record = _fetch_json(base, f"/contributions/{contribution_id}/score")
        with rpc_errors(settings.effective_chain_rpc_url):
            sources = ScoreSources(
                record=record, contribution=lambda other: _fetch_json(base, f"/contributions/{other}"), blobs=blobs,
                web3=connect(settings.effective_chain_rpc_url),
            )  # fmt: skip
            checks = verify_score(sources)
    except PolyphonyError as error:
        console.print(f"[red]polyphony verify:[/] {error.message}")
        raise typer.Exit(2) from None
    _show(contribution_id, checks, what="score")
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def _fetch_provenance(api: str, contribution_id: int) -> Provenance:
    return Provenance(**_fetch_json(api, f"/contributions/{contribution_id}/provenance"))


def _fetch_json(api: str, path: str) -> dict[str, Any]:
    url = f"{api.rstrip('/')}{path}"
    try:
        answer = httpx.get(url, timeout=30)
    except httpx.TransportError as error:
        raise _ApiUnreachable(f"cannot reach the API at {api} ({type(error).__name__}): is it running?") from None
    if answer.status_code != 200:
        said = answer.json().get("error", {}) if "json" in answer.headers.get("content-type", "") else {}
        raise _ApiRefused(said.get("message") or f"the API answered {answer.status_code} for {url}")
    return dict(answer.json())


def _show(contribution_id: int, checks: list[Check], *, what: str = "provenance") -> None:
    table = Table("check", "", "what was found", title=f"{what} of contribution {contribution_id}")
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    console.print(table)


class GatewayBlobs:
    """Bytes from an `/ipfs/{cid}` gateway: untrusted, which is fine, since every byte is hashed to its CID."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream `cid` from the gateway (whole, or one byte range)."""
        last = "" if length is None else str(offset + length - 1)
        headers = {"Range": f"bytes={offset}-{last}"} if offset or length is not None else {}
        url = f"{self.base_url}/ipfs/{cid}"
        try:
            with httpx.stream("GET", url, headers=headers, timeout=60) as answer:
                if answer.status_code not in (200, 206):
                    raise _ApiRefused(f"the gateway answered {answer.status_code} for {url}")
                yield from answer.iter_bytes(1 << 20)
        except httpx.TransportError as error:
            raise _ApiUnreachable(f"cannot read {url} ({type(error).__name__})") from None


class _ApiUnreachable(PolyphonyError):
    code = "api_unreachable"


class _ApiRefused(PolyphonyError):
    code = "api_refused"
