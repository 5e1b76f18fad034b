"""`verify epoch` on a closed /3 epoch: its credibility and reviewer tallies recompute from the samples and reviews
its report lists, each listed review's leaf is found in a review batch anchored on-chain, and no anchored review
of a listed sample is left out. Reviews are signed by real keys and anchored by the chain worker; a report whose
evidence or figures were changed is named."""

import json
import time
from datetime import UTC, datetime
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.bindings import Deployment
from chain.eip712 import DocumentReview, provenance_domain, sign, typed_data
from chain.verify.checks import Check
from chain.verify.reviews import chain_reviews
from governance.rewards.report import canonical_json, compute, cumulative_of, inputs_from_report
from governance.rewards.verify import check_epoch, proposed_root
from polyphony.db import session_scope
from polyphony.models.contribution import Contribution
from polyphony.models.review import Review
from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.unixfs import cid_of
from tests.integration.rewards.conftest import Closer, decided_sample, new_address, pinned_report, scored


def _signed_and_decided(
    contribution_id: int, contributor: str, verdicts: dict[LocalAccount, bool], *, deployment: Deployment
) -> None:
    """Document 0 of `contribution_id` sampled, reviewed by each wallet with a real signature, and decided now."""
    registry = deployment.contracts["provenanceRegistry"].address
    with session_scope() as session:
        sample = decided_sample(session, contribution_id, contributor, accepts=sum(verdicts.values()),
                                reviews=len(verdicts), chain_id=deployment.chain_id, registry=registry)  # fmt: skip
        cid = session.get_one(Contribution, contribution_id).cid or ""
        for wallet, accept in verdicts.items():
            reason = "" if accept else "machine-generated"
            message = DocumentReview(reviewer=wallet.address, sample_id=sample.id or 0, contribution_cid=cid,
                                     record=0, accept=accept, reason=reason, deadline=2**40)  # fmt: skip
            signature = sign(typed_data(provenance_domain(deployment.chain_id, registry=registry), message=message),
                             account=wallet)  # fmt: skip
            session.add(Review(sample_id=sample.id or 0, reviewer=wallet.address, accept=accept, reason=reason,
                               deadline=2**40, signature="0x" + signature.hex()))  # fmt: skip


def _pinned(settings: Settings, number: int) -> tuple[bytes, str]:
    report = pinned_report(settings, number)
    return report, cid_of(report)


def _previous(settings: Settings, document: dict[str, Any]) -> bytes | None:
    """The report of the active epoch `document` builds on (an earlier test's), as `verify epoch` reads it."""
    previous = document.get("previous")
    return None if previous is None else b"".join(storage_from_settings(settings).cat(previous["report_cid"]))


def _checks(report: bytes, *, web3: Web3, deployment: Deployment, settings: Settings) -> dict[str, Check]:
    document = json.loads(report)
    registry = deployment.contracts["provenanceRegistry"].address
    storage = storage_from_settings(settings)
    checks = check_epoch(
        report=report, report_cid=cid_of(report), previous=_previous(settings, document), scores=None,
        proposed=proposed_root(web3, distributor=document["distributor"], epoch=int(document["epoch"])),
        anchored_reviews=lambda: chain_reviews(web3, registry=registry, blobs=storage),
    )  # fmt: skip
    return {check.name: check for check in checks}


def _rewritten(report: bytes, change: Any, *, settings: Settings) -> bytes:
    """The report with `change` made to its document, its figures recomputed so only the review inputs lie."""
    document = json.loads(report)
    change(document)
    previous = _previous(settings, document)
    base = {} if previous is None else cumulative_of(json.loads(previous))
    return compute(inputs_from_report(document, base=base)).report


def test_verify_epoch_recomputes_the_review_inputs_and_finds_each_listed_review_anchored(
    close: Closer, activate: Any, settings: Settings, web3: Web3, rewards_stack: Deployment
) -> None:
    farmer, honest = new_address(), new_address()
    careful, also_careful, careless = Account.create(), Account.create(), Account.create()
    filler, prose = scored(farmer, score=8_000), scored(honest, score=8_000)
    scored(farmer, score=8_000)
    _signed_and_decided(filler, farmer, {careful: False, also_careful: False, careless: True},
                        deployment=rewards_stack)  # fmt: skip
    _signed_and_decided(prose, honest, {careful: True, also_careful: True, careless: True}, deployment=rewards_stack)
    get_celery().send_task("chain.anchor_reviews").get(timeout=120)

    epoch = close()
    assert epoch is not None
    activate(epoch.number)
    report, cid = _pinned(settings, epoch.number)
    evidence = json.loads(report)["review_evidence"]
    ours = [review for review in evidence["reviews"] if review["reviewer"] in {careful.address, careless.address}]
    assert len(ours) == 4 and all(review["leaf"] and review["in_epoch"] for review in ours), ours
    assert cid_of(report) == cid
    checks = _checks(report, web3=web3, deployment=rewards_stack, settings=settings)
    assert all(check.ok for check in checks.values()), [str(check) for check in checks.values() if not check.ok]
    assert {"review inputs", "reviews anchored", "root on-chain"} <= set(checks)

    # A report that raises the farmer's credibility (its amounts recomputed to match) passes the byte check but
    # not the review inputs: the farmer's rejected sample is listed.
    def kinder(document: dict[str, Any]) -> None:
        for entry in document["contributions"]:
            if entry["contributor"] == farmer:
                entry["credibility_bps"] = 10_000

    checks = _checks(
        _rewritten(report, kinder, settings=settings), web3=web3, deployment=rewards_stack, settings=settings
    )
    assert checks["recomputed report"].ok and not checks["review inputs"].ok
    assert (
        f"contributor {farmer}: credibility 10000 in the report, 5000 from its samples"
        in checks["review inputs"].detail
    )

    # The careless reviewer's accepting review turned into a rejection: their tally no longer follows.
    def rewrite_review(document: dict[str, Any]) -> None:
        for review in document["review_evidence"]["reviews"]:
            if review["reviewer"] == careless.address and review["accept"]:
                review["accept"], review["reason"] = False, "spam"
                return

    checks = _checks(
        _rewritten(report, rewrite_review, settings=settings), web3=web3, deployment=rewards_stack, settings=settings
    )
    assert not checks["review inputs"].ok and "in the report" in checks["review inputs"].detail

    # A listed review whose leaf no batch on-chain holds.
    def unanchored(document: dict[str, Any]) -> None:
        next(r for r in document["review_evidence"]["reviews"] if r["reviewer"] == careful.address)["leaf"] = (
            "0x" + "ab" * 32
        )

    checks = _checks(
        _rewritten(report, unanchored, settings=settings), web3=web3, deployment=rewards_stack, settings=settings
    )
    assert not checks["reviews anchored"].ok and "0x" + "ab" * 32 in checks["reviews anchored"].detail

    # The careless reviewer's anchored review of the filler left out (its tally left as it was): the chain has it,
    # anchored before the cutoff. (The suite's chain runs ahead of the wall clock, as earlier tests moved its time:
    # the cutoff is set on the chain's clock, after the anchoring block, as a live chain would have it.)
    def hidden(document: dict[str, Any]) -> None:
        reviews = document["review_evidence"]["reviews"]
        reviews.remove(next(r for r in reviews if r["reviewer"] == careless.address and r["sample_id"] == sample_of))
        chain_now = int(web3.eth.get_block("latest")["timestamp"])
        document["cutoff"] = datetime.fromtimestamp(max(chain_now, time.time()) + 1, UTC).isoformat()

    sample_of = next(s["sample_id"] for s in evidence["samples"] if s["contributor"] == farmer)
    checks = _checks(
        _rewritten(report, hidden, settings=settings), web3=web3, deployment=rewards_stack, settings=settings
    )
    assert not checks["reviews anchored"].ok
    assert (
        f"review by {careless.address} of sample {sample_of} (accepts), anchored on-chain in batch"
        in checks["reviews anchored"].detail
    ) and "is left out of the report" in checks["reviews anchored"].detail
    assert canonical_json(json.loads(report)) == report
