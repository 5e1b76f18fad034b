"""Verify an epoch without trusting the backend: recompute its report from the inputs it lists (by the formula
version it names), check those inputs against the scores (verdict and score; under /2 also the records read,
kept and the kept words), rebuild the tree, and compare with the root proposed on-chain."""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web3 import Web3

from chain.bindings import load_artifact
from chain.verify.checks import Check
from chain.verify.reviews import AnchoredReview, ReviewsTampered
from governance.reviews.credibility import CREDIBILITY_START_BPS
from governance.reviews.evidence import evidence_differences
from governance.rewards.documents import PaidDocuments, document_fields
from governance.rewards.formula import FORMULA_V3
from governance.rewards.report import EpochInputs, compute, cumulative_of, first_difference, inputs_from_report
from polyphony.storage.unixfs import cid_of
from polyphony.tokens import format_tokens


@dataclass(frozen=True)
class ScoredAs:
    """What a contribution's latest score says: its verdict, score and documents (None if it judges none)."""

    verdict: str | None
    score: int | None
    documents: PaidDocuments | None = None

    def listed(self) -> dict[str, Any]:
        """The same, named as an epoch report's input lists it."""
        return {"verdict": self.verdict, "score": self.score, **document_fields(self.documents)}


# contribution id -> what its score says now
ScoreLookup = Callable[[int], ScoredAs]
# kind-2 leaf hash -> the review as the batch on-chain whose manifest holds it has it (every review batch anchored)
AnchoredReviews = Callable[[], Mapping[str, AnchoredReview]]


@dataclass(frozen=True)
class ProposedRoot:
    """What the distributor's RootProposed event for the epoch says."""

    root: str
    total: int
    report_cid: str


def check_epoch(
    *,
    report: bytes,
    report_cid: str,
    previous: bytes | None,
    proposed: ProposedRoot | None,
    scores: ScoreLookup | None,
    anchored_reviews: AnchoredReviews | None = None,
) -> list[Check]:
    """Every check of one epoch, in order; byte-identical or the first difference. Under /3 the review inputs are
    recomputed from the samples and reviews the report lists and, with `anchored_reviews`, each listed review's
    leaf is looked for in the review batches anchored on-chain."""  # fmt: skip
    document = json.loads(report)
    checks = [Check("report CID", cid_of(report) == report_cid, f"{len(report):,} bytes hash to {cid_of(report)}")]
    base = cumulative_of(json.loads(previous)) if previous is not None else {}
    inputs = inputs_from_report(document, base=base)
    recomputed = compute(inputs)
    difference = None if recomputed.report == report else first_difference(document, json.loads(recomputed.report))
    checks.append(Check("recomputed report", difference is None, difference or "byte-identical"))
    if inputs.formula_version == FORMULA_V3:
        checks.append(_review_inputs_check(inputs))
        if anchored_reviews is not None:
            checks.append(_anchored_reviews_check(inputs, anchored_reviews))
    if scores is not None:
        checks.append(_scores_check(document["contributions"], scores))
    checks.append(_chain_check(recomputed.root, total=recomputed.cumulative_total, cid=report_cid, proposed=proposed))
    return checks


def _scores_check(contributions: list[Mapping[str, Any]], scores: ScoreLookup) -> Check:
    for entry in contributions:
        now = scores(int(entry["contribution_id"])).listed()
        # A /1 report lists no documents: only what it lists is compared.
        differing = [name for name, value in now.items() if name in entry and entry[name] != value]
        if differing:
            return Check(
                "inputs match the scores", False,
                f"contribution {entry['contribution_id']}: "
                + ", ".join(f"{name} is {entry[name]} in the report, {now[name]} in the scores" for name in differing),
            )  # fmt: skip
    return Check("inputs match the scores", True, f"{len(contributions):,} contributions")


def _review_inputs_check(inputs: EpochInputs) -> Check:
    evidence = inputs.review_evidence
    if evidence is None:
        return Check("review inputs", False, "the report lists no review evidence: its review inputs cannot be checked")
    credibility: dict[str, int] = {}
    for item in inputs.items:
        listed = CREDIBILITY_START_BPS if item.credibility_bps is None else item.credibility_bps
        if credibility.setdefault(item.contributor, listed) != listed:
            return Check("review inputs", False, f"contributor {item.contributor}: two credibilities in one epoch")
    differences = evidence_differences(
        evidence, cutoff=inputs.cutoff, credibility=credibility, tallies=inputs.reviewers, params=inputs.review
    )
    if differences:
        more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
        return Check("review inputs", False, differences[0] + more)
    return Check(
        "review inputs", True,
        f"{len(credibility):,} credibilities and {len(inputs.reviewers):,} reviewer tallies recomputed from "
        f"{len(evidence.samples):,} samples and {len(evidence.reviews):,} reviews",
    )  # fmt: skip


def _anchored_reviews_check(inputs: EpochInputs, anchored_reviews: AnchoredReviews) -> Check:
    """Each listed review's leaf is in a batch anchored on-chain, and no review of a listed sample that the chain
    anchored by the cutoff is left out or listed the other way (a review is made before it is anchored)."""
    reviews = inputs.review_evidence.reviews if inputs.review_evidence is not None else []
    leaves = [review for review in reviews if review.leaf is not None]
    try:
        on_chain = anchored_reviews()
    except ReviewsTampered as error:
        return Check("reviews anchored", False, str(error))
    for review in leaves:
        if str(review.leaf).lower() not in on_chain:
            return Check(
                "reviews anchored", False,
                f"review by {review.reviewer} of sample {review.sample_id}: leaf {review.leaf} is in no review "
                "batch anchored on-chain",
            )  # fmt: skip
    left_out = _left_out(inputs, on_chain.values())
    if left_out:
        return Check("reviews anchored", False, left_out)
    roots = {on_chain[str(review.leaf).lower()].root for review in leaves}
    return Check(
        "reviews anchored", True,
        f"{len(leaves):,} of {len(reviews):,} listed reviews in {len(roots):,} kind-2 batches on-chain "
        f"({len(reviews) - len(leaves):,} not anchored yet), and none of their samples' anchored reviews left out",
    )  # fmt: skip


def _left_out(inputs: EpochInputs, on_chain: Iterable[AnchoredReview]) -> str | None:
    """The first review of a listed sample anchored by the cutoff that the report leaves out or lists the other
    way, in words; None when there is none. (A sample left out whole is not seen here.)"""
    evidence = inputs.review_evidence
    if evidence is None:
        return None
    samples = {sample.sample_id for sample in evidence.samples}
    listed = {(review.reviewer.lower(), review.sample_id): review.accept for review in evidence.reviews}
    cutoff = datetime.fromisoformat(inputs.cutoff).timestamp()
    for anchored in on_chain:
        if anchored.sample_id not in samples or anchored.anchored_at > cutoff:
            continue
        said = "accepts" if anchored.accept else "rejects"
        accept = listed.get((anchored.reviewer.lower(), anchored.sample_id))
        if accept is None:
            return (
                f"review by {anchored.reviewer} of sample {anchored.sample_id} ({said}), anchored on-chain in batch "
                f"{anchored.root} before the cutoff, is left out of the report"
            )
        if accept != anchored.accept:
            return (
                f"review by {anchored.reviewer} of sample {anchored.sample_id}: it {said} on-chain, not in the report"
            )
    return None


def _chain_check(root: str, *, total: int, cid: str, proposed: ProposedRoot | None) -> Check:
    if proposed is None:
        return Check("root on-chain", False, "no RootProposed event for this epoch on the distributor")
    for name, mine, theirs in (("root", root, proposed.root), ("total", total, proposed.total),
                               ("report CID", cid, proposed.report_cid)):  # fmt: skip
        if mine != theirs:
            return Check("root on-chain", False, f"{name}: recomputed {mine}, on-chain {theirs}")
    return Check("root on-chain", True, f"{root} (total {format_tokens(total)})")


def proposed_root(web3: Web3, *, distributor: str, epoch: int) -> ProposedRoot | None:
    """What the distributor's latest `RootProposed` event for `epoch` says; None when it has none."""
    contract = web3.eth.contract(
        address=Web3.to_checksum_address(distributor), abi=load_artifact("RewardsDistributor").abi
    )
    logs = contract.events.RootProposed.get_logs(from_block=0, argument_filters={"epoch": epoch})
    if not logs:
        return None
    args = logs[-1]["args"]  # a re-proposal of the same epoch replaces the earlier one
    return ProposedRoot("0x" + bytes(args["root"]).hex(), int(args["total"]), str(args["reportCid"]))
