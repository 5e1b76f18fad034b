"""An epoch's report: every input, weight and amount, the formula version, and the cumulative tree it gives.

The report is canonical JSON (sorted keys, no spaces, ASCII, integers that can pass 2**53 as decimal strings),
so the same inputs give the same bytes, hence the same CID, on any machine. `compute()` is the one function
both the epoch close and `polyphony verify epoch` run: the close pins its bytes, the verifier rebuilds them
from the pinned report's inputs and compares byte for byte. The formula version a report names selects the
formula it recomputes with, so an epoch closed under /1 keeps verifying as it was pinned.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chain.merkle import StandardMerkleTree
from governance.reviews.credibility import REVIEW_PARAMS, ReviewerTally, ReviewParams
from governance.reviews.evidence import ReviewInputsEvidence
from governance.rewards.formula import (
    FORMULA_CONSTANTS,
    FORMULA_V3,
    FORMULA_VERSION,
    Allocation,
    Corpus,
    RewardInput,
    allocate,
    allocate_reviewers,
    checked_version,
)

REPORT_FORMAT = "polyphony-epoch-report/1"
# The distributor's leaf: (account, token, cumulative amount), hashed as OpenZeppelin's StandardMerkleTree does.
REWARD_LEAF = ["address", "address", "uint256"]


@dataclass(frozen=True)
class EpochInputs:
    """Everything an epoch's amounts and root follow from."""

    number: int
    cutoff: str  # ISO 8601, UTC
    budget: int
    contributor_cap: int
    chain_id: int
    distributor: str
    token: str
    corpus: Corpus
    items: list[RewardInput]
    base: dict[str, int]  # the cumulative amounts of the last active epoch
    previous: dict[str, Any] | None = None  # {"epoch", "root", "report_cid"} of that epoch
    excluded: list[dict[str, Any]] = field(default_factory=list)  # {"contribution_id", "reason"}
    formula_version: str = FORMULA_VERSION  # a closed epoch's report keeps the version it was closed with
    # /3: the reviewers whose reviews landed in the epoch, each with their agreement record; the review
    # parameters in force (governance's, on the DemandRegistry); the demand read at the cutoff (None: none);
    # the samples and reviews the credibility and the tallies follow from (None: a report closed without them).
    reviewers: list[ReviewerTally] = field(default_factory=list)
    review: ReviewParams = REVIEW_PARAMS
    demand: dict[str, Any] | None = None
    review_evidence: ReviewInputsEvidence | None = None


@dataclass(frozen=True)
class EpochOutcome:
    """What the inputs give: the split, the new cumulative amounts, their root and the report bytes."""

    allocation: Allocation
    reviewers: dict[str, int]  # /3: what each reviewer earned (nothing before /3)
    cumulative: dict[str, int]
    root: str
    report: bytes

    @property
    def allocated(self) -> int:
        """What the epoch gives away: the contributors' amounts and the reviewers'."""
        return self.allocation.allocated + sum(self.reviewers.values())

    @property
    def cumulative_total(self) -> int:
        """The sum of every cumulative amount: the total the distributor is funded to."""
        return sum(self.cumulative.values())


def canonical_json(document: Any) -> bytes:
    """The one byte form of `document`."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def reward_tree(cumulative: Mapping[str, int], *, token: str) -> StandardMerkleTree:
    """The distributor's tree over (account, token, cumulative amount), accounts in ascending order."""
    leaves = [[account, token, amount] for account, amount in sorted(cumulative.items(), key=_address_key)]
    return StandardMerkleTree.of(leaves, leaf_encoding=REWARD_LEAF)


def compute(inputs: EpochInputs) -> EpochOutcome:
    """Split the budget, add it to the base cumulative amounts, build the tree and write the report."""
    allocation = allocate(
        inputs.items, budget=inputs.budget, contributor_cap=inputs.contributor_cap, corpus=inputs.corpus,
        version=inputs.formula_version, review=inputs.review,
    )  # fmt: skip
    v3 = inputs.formula_version == FORMULA_V3
    reviewers = allocate_reviewers(inputs.reviewers, budget=inputs.budget, review=inputs.review) if v3 else {}
    cumulative = dict(inputs.base)
    for account, amount in [*allocation.contributors.items(), *reviewers.items()]:
        if amount > 0:
            cumulative[account] = cumulative.get(account, 0) + amount
    root = reward_tree(cumulative, token=inputs.token).root if cumulative else "0x" + "00" * 32
    outcome = EpochOutcome(allocation, reviewers, cumulative, root, b"")
    report = canonical_json(_document(inputs, outcome))
    return EpochOutcome(allocation, reviewers, cumulative, root, report)


def _document(inputs: EpochInputs, outcome: EpochOutcome) -> dict[str, Any]:
    document = _contributors_document(inputs, outcome.allocation, outcome.cumulative, outcome.root)
    document["allocated"] = str(outcome.allocated)
    document["unallocated"] = str(inputs.budget - outcome.allocated)
    if inputs.formula_version == FORMULA_V3:
        document["formula"]["constants"] = FORMULA_CONSTANTS[FORMULA_V3] | inputs.review.to_json()
        document["demand"] = inputs.demand
        document["reviewers"] = [
            {"account": tally.address, "reviews": tally.reviews, "agreed": tally.agreed, "decided": tally.decided,
             "amount": str(outcome.reviewers.get(tally.address, 0))}
            for tally in sorted(inputs.reviewers, key=lambda tally: tally.address.lower())
        ]  # fmt: skip
        if inputs.review_evidence is not None:
            document["review_evidence"] = inputs.review_evidence.to_json()
    return document


def _contributors_document(
    inputs: EpochInputs, allocation: Allocation, cumulative: dict[str, int], root: str
) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "formula": {"version": inputs.formula_version, "constants": FORMULA_CONSTANTS[inputs.formula_version]},
        "epoch": inputs.number, "cutoff": inputs.cutoff, "chain_id": inputs.chain_id,
        "distributor": inputs.distributor, "token": inputs.token,
        "budget": str(inputs.budget), "contributor_cap": str(inputs.contributor_cap),
        "allocated": str(allocation.allocated), "unallocated": str(inputs.budget - allocation.allocated),
        "approved_corpus": inputs.corpus.to_json(),
        "previous": inputs.previous,
        "contributions": [
            _contribution(item, allocation, version=inputs.formula_version)
            for item in sorted(inputs.items, key=_by_id)
        ],
        "excluded": sorted(inputs.excluded, key=lambda entry: int(entry["contribution_id"])),
        "contributors": [
            {"account": account, "amount": str(amount), "capped": account in allocation.capped}
            for account, amount in sorted(allocation.contributors.items(), key=_address_key)
        ],
        "cumulative": [
            {"account": account, "amount": str(amount)}
            for account, amount in sorted(cumulative.items(), key=_address_key)
        ],
        "cumulative_total": str(sum(cumulative.values())),
        "root": root,
    }  # fmt: skip


def _contribution(item: RewardInput, allocation: Allocation, *, version: str) -> dict[str, Any]:
    terms = allocation.terms[item.contribution_id]
    return {
        **item.to_json(version),
        "terms": {**terms, "weight": str(terms["weight"])},
        "amount": str(allocation.amounts[item.contribution_id]),
    }


def inputs_from_report(report: Mapping[str, Any], *, base: dict[str, int]) -> EpochInputs:
    """The inputs a pinned report lists, with the base cumulative amounts (from the previous active report)."""
    if report.get("format") != REPORT_FORMAT:
        raise ValueError(f"not an epoch report of format {REPORT_FORMAT}: {report.get('format')!r}")
    version = checked_version(str(report["formula"]["version"]))
    return EpochInputs(
        number=int(report["epoch"]), cutoff=str(report["cutoff"]), budget=int(report["budget"]),
        contributor_cap=int(report["contributor_cap"]), chain_id=int(report["chain_id"]),
        distributor=str(report["distributor"]), token=str(report["token"]),
        corpus=Corpus.from_json(report["approved_corpus"]),
        items=[RewardInput.from_json(entry, version) for entry in report["contributions"]],
        base=base, previous=report.get("previous"), excluded=list(report.get("excluded", [])),
        formula_version=version, reviewers=[_tally(entry) for entry in report.get("reviewers", [])],
        review=_review_params(report["formula"]["constants"]) if version == FORMULA_V3 else REVIEW_PARAMS,
        demand=report.get("demand"),
        review_evidence=ReviewInputsEvidence.from_json(report["review_evidence"]) if "review_evidence" in report
        else None,
    )  # fmt: skip


def _review_params(constants: Mapping[str, Any]) -> ReviewParams:
    """The review parameters a /3 report published among its constants."""
    return ReviewParams.from_json({name: constants[name] for name in REVIEW_PARAMS.to_json()})


def _tally(entry: Mapping[str, Any]) -> ReviewerTally:
    return ReviewerTally(str(entry["account"]), int(entry["reviews"]), int(entry["agreed"]), int(entry["decided"]))


def cumulative_of(report: Mapping[str, Any]) -> dict[str, int]:
    """The cumulative amounts a report ends with (the base of the epoch after it)."""
    return {entry["account"]: int(entry["amount"]) for entry in report["cumulative"]}


def first_difference(expected: Any, found: Any, path: str = "$") -> str | None:
    """The JSON path of the first place two documents differ, with both values; None when equal."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in sorted(set(expected) | set(found)):
            if key not in expected or key not in found:
                return f"{path}.{key}: present in only one ({'recomputed' if key in found else 'pinned'})"
            difference = first_difference(expected[key], found[key], f"{path}.{key}")
            if difference:
                return difference
        return None
    if isinstance(expected, list) and isinstance(found, list):
        for index, (left, right) in enumerate(zip(expected, found, strict=False)):
            difference = first_difference(left, right, f"{path}[{index}]")
            if difference:
                return difference
        return None if len(expected) == len(found) else f"{path}: {len(expected)} items pinned, {len(found)} recomputed"
    return None if expected == found else f"{path}: pinned {expected!r}, recomputed {found!r}"


def _by_id(item: RewardInput) -> int:
    return item.contribution_id


def _address_key(entry: tuple[str, int]) -> str:
    return entry[0].lower()
