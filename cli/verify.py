"""`polyphony verify ...`: recompute and check what the API says, from the chain and the stored bytes."""

import httpx
import typer
from rich.console import Console
from rich.table import Table

from chain.client import connect
from chain.provenance import Provenance
from chain.tx import rpc_errors
from chain.verify import Check, verify_provenance
from polyphony.errors import PolyphonyError
from polyphony.settings import Settings, get_settings
from polyphony.storage import storage_from_settings

verify_app = typer.Typer(help="Check provenance (and later scores and epochs) without trusting the API.")
console = Console(soft_wrap=True)


@verify_app.command("provenance")
def provenance(
    contribution_id: int,
    api: str = typer.Option(None, help="The API's base URL; default: this machine's stack."),
) -> None:
    """Check a contribution's claim, Merkle proof, on-chain anchor and stored bytes."""
    settings = get_settings()
    try:
        record = _fetch_provenance(api or _local_api(settings), contribution_id)
        with rpc_errors(settings.effective_chain_rpc_url):
            checks = verify_provenance(
                contribution_id, record, web3=connect(settings.effective_chain_rpc_url),
                storage=storage_from_settings(settings),
            )  # fmt: skip
    except PolyphonyError as error:
        console.print(f"[red]polyphony verify:[/] {error.message}")
        raise typer.Exit(2) from None
    _show(contribution_id, checks)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def _fetch_provenance(api: str, contribution_id: int) -> Provenance:
    url = f"{api.rstrip('/')}/contributions/{contribution_id}/provenance"
    try:
        answer = httpx.get(url, timeout=30)
    except httpx.TransportError as error:
        raise _ApiUnreachable(f"cannot reach the API at {api} ({type(error).__name__}): is it running?") from None
    if answer.status_code != 200:
        said = answer.json().get("error", {}) if "json" in answer.headers.get("content-type", "") else {}
        raise _ApiRefused(said.get("message") or f"the API answered {answer.status_code} for {url}")
    return Provenance(**answer.json())


def _show(contribution_id: int, checks: list[Check]) -> None:
    table = Table("check", "", "what was found", title=f"provenance of contribution {contribution_id}")
    for check in checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    console.print(table)


def _local_api(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.polyphony_api_port}"


class _ApiUnreachable(PolyphonyError):
    code = "api_unreachable"


class _ApiRefused(PolyphonyError):
    code = "api_refused"
