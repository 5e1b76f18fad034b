"""`polyphony verify ...`: recompute and check what the API says, from the chain and the stored bytes."""

from typing import Annotated, Any

import httpx
import typer

from chain.client import connect, rpc_errors
from chain.provenance import Provenance
from chain.verify.provenance import verify_provenance
from chain.verify.score import ScoreSources, verify_score
from cli.command import ApiOption, api_url, one_line_errors, report_checks
from polyphony.errors import PolyphonyError
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import BlobReader
from polyphony.storage.gateway import GatewayBlobs

verify_app = typer.Typer(help="Check provenance, scores and epochs without trusting the API.")
FromStorageOption = Annotated[
    bool,
    typer.Option("--from-storage", help="Read bytes from the configured store instead of the API's /ipfs gateway."),
]


@verify_app.command("provenance")
def provenance(contribution_id: int, api: ApiOption = None, from_storage: FromStorageOption = False) -> None:
    """Check a contribution's claim, Merkle proof, on-chain anchor and stored bytes."""
    base, blobs = _sources(api, from_storage=from_storage)
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors():
        record = _fetch_provenance(base, contribution_id)
        with rpc_errors(rpc_url):
            checks = verify_provenance(contribution_id, record, web3=connect(rpc_url), blobs=blobs)
    report_checks(checks, title=f"provenance of contribution {contribution_id}")


@verify_app.command("score")
def score(contribution_id: int, api: ApiOption = None, from_storage: FromStorageOption = False) -> None:
    """Recompute a contribution's score from its bytes and the policy, and compare it byte for byte."""
    base, blobs = _sources(api, from_storage=from_storage)
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors():
        record = _fetch_json(base, f"/contributions/{contribution_id}/score")
        with rpc_errors(rpc_url):
            sources = ScoreSources(
                record=record, contribution=lambda other: _fetch_json(base, f"/contributions/{other}"), blobs=blobs,
                web3=connect(rpc_url),
            )  # fmt: skip
            checks = verify_score(sources)
    report_checks(checks, title=f"score of contribution {contribution_id}")


def _sources(api: str | None, *, from_storage: bool) -> tuple[str, BlobReader]:
    """The API's base URL, and where the bytes are read: the configured store, or the API's gateway."""
    base = api_url(api)
    return base, storage_from_settings(get_settings()) if from_storage else GatewayBlobs(httpx.Client(base_url=base))


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


class _ApiUnreachable(PolyphonyError):
    code = "api_unreachable"


class _ApiRefused(PolyphonyError):
    code = "api_refused"
