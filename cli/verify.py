"""`polyphony verify provenance|score|epoch|withdrawals`: check what the API says, from the chain and the bytes.

The API only says where to look. Every check is made by `chain.verify` (provenance, scores),
`governance.rewards.verify` (epochs) or `governance.rounds.withdrawn` (withdrawals); this module fetches their
inputs and prints what was checked.
"""

import json
from typing import Annotated, Any

import typer

from chain.client import connect, rpc_errors
from chain.provenance import Provenance
from chain.verify.provenance import verify_provenance
from chain.verify.reviews import chain_reviews
from chain.verify.score import ScoreSources, verify_score
from cli.client import ClientError, PolyphonyClient
from cli.command import ApiOption, api_url, console, one_line_errors, report_checks
from cli.datasets import REFUSALS, provenance_registry_address
from governance.rewards.documents import paid_documents
from governance.rewards.verify import ScoredAs, ScoreLookup, check_epoch, proposed_root
from governance.rounds.withdrawn import checked_withdrawals
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import BlobReader
from polyphony.storage.gateway import GatewayBlobs

verify_app = typer.Typer(help="Check provenance, scores, epochs and withdrawals without trusting the API.")
FromStorageOption = Annotated[
    bool,
    typer.Option("--from-storage", help="Read bytes from the configured store instead of the API's /ipfs gateway."),
]
SkipScoresOption = Annotated[bool, typer.Option("--skip-scores", help="Do not ask the API for each score.")]


@verify_app.command("provenance")
def provenance(contribution_id: int, api: ApiOption = None, from_storage: FromStorageOption = False) -> None:
    """Check a contribution's claim, Merkle proof, on-chain anchor and stored bytes."""
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        record = Provenance(**client.call("GET", f"/contributions/{contribution_id}/provenance"))
        with rpc_errors(rpc_url):
            checks = verify_provenance(
                contribution_id, record, web3=connect(rpc_url), blobs=_blobs(client, from_storage=from_storage)
            )
    report_checks(checks, title=f"provenance of contribution {contribution_id}")


@verify_app.command("score")
def score(contribution_id: int, api: ApiOption = None, from_storage: FromStorageOption = False) -> None:
    """Recompute a contribution's score from its bytes and the policy, and compare it byte for byte."""
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        record = client.call("GET", f"/contributions/{contribution_id}/score")
        with rpc_errors(rpc_url):
            sources = ScoreSources(
                record=record, contribution=lambda other: dict(client.call("GET", f"/contributions/{other}")),
                blobs=_blobs(client, from_storage=from_storage), web3=connect(rpc_url),
            )  # fmt: skip
            checks = verify_score(sources)
    report_checks(checks, title=f"score of contribution {contribution_id}")


@verify_app.command("epoch")
def epoch(number: int, api: ApiOption = None, skip_scores: SkipScoresOption = False) -> None:
    """Recompute epoch <n> from its pinned report and the scores (under /3 its review inputs from the samples and
    reviews it lists, each anchored review found on-chain), rebuild the tree, compare with the chain."""
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors(), PolyphonyClient(api_url(api)) as client:
        shown = client.call("GET", f"/epochs/{number}")
        gateway = GatewayBlobs(client.http)
        report = b"".join(gateway.cat(shown["report_cid"]))
        with rpc_errors(rpc_url):
            web3 = connect(rpc_url)
            proposed = proposed_root(web3, distributor=shown["distributor"], epoch=number)
            checks = check_epoch(
                report=report, report_cid=shown["report_cid"], previous=_previous_report(report, gateway),
                proposed=proposed, scores=None if skip_scores else _scores_from(client),
                anchored_reviews=lambda: chain_reviews(
                    web3, registry=provenance_registry_address(web3, client.http), blobs=gateway
                ),  # asked only of a /3 report: where the review batches are anchored
            )  # fmt: skip
    report_checks(checks, title=f"epoch {number} ({shown['status']})")


@verify_app.command("withdrawals")
def withdrawals(api: ApiOption = None) -> None:
    """Read every revocation batch anchored on-chain, check its manifest and signatures, and check that the API's
    /tombstones lists each of those withdrawals and claims no anchoring the chain lacks."""
    rpc_url = get_settings().effective_chain_rpc_url
    with one_line_errors(refused=REFUSALS), PolyphonyClient(api_url(api)) as client, rpc_errors(rpc_url):
        web3 = connect(rpc_url)
        registry = provenance_registry_address(web3, client.http)
        checked = checked_withdrawals(client.http, web3=web3, registry=registry, blobs=GatewayBlobs(client.http))
    console.print(checked.summary())
    for number, found in sorted(checked.on_chain.items()):
        console.print(f"  contribution {number}: withdrawn on-chain, batch {found.root} in tx {found.tx_hash}")
    for number in sorted(checked.pending):
        console.print(f"  contribution {number}: revoked, its revocation batch not anchored yet")


def _blobs(client: PolyphonyClient, *, from_storage: bool) -> BlobReader:
    """Where the bytes are read: the configured store, or the API's gateway (every byte is re-hashed anyway)."""
    return storage_from_settings(get_settings()) if from_storage else GatewayBlobs(client.http)


def _previous_report(report: bytes, gateway: GatewayBlobs) -> bytes | None:
    previous: dict[str, Any] = json.loads(report).get("previous") or {}
    cid = previous.get("report_cid")
    return b"".join(gateway.cat(cid)) if cid else None


def _scores_from(client: PolyphonyClient) -> ScoreLookup:
    def lookup(contribution_id: int) -> ScoredAs:
        try:
            shown = client.call("GET", f"/contributions/{contribution_id}/score")
        except ClientError as error:
            if error.status != 404:
                raise
            return ScoredAs(verdict=None, score=None)  # not scored (any more): the check names it
        verdict = str(shown["verdict"])
        return ScoredAs(verdict, shown.get("score"), paid_documents(shown.get("report"), verdict=verdict))

    return lookup
