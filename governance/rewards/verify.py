"""Verify an epoch without trusting the backend: recompute its report from the inputs it lists (by the formula
version it names), check those inputs against the scores (verdict and score; under /2 also the records read,
kept and the kept words), rebuild the tree, and compare with the root proposed on-chain."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from chain.bindings import load_artifact
from chain.verify.checks import Check
from governance.rewards.documents import PaidDocuments, document_fields
from governance.rewards.report import compute, cumulative_of, first_difference, inputs_from_report
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


@dataclass(frozen=True)
class ProposedRoot:
    """What the distributor's RootProposed event for the epoch says."""

    root: str
    total: int
    report_cid: str


def check_epoch(
    *, report: bytes, report_cid: str, previous: bytes | None, proposed: ProposedRoot | None, scores: ScoreLookup | None
) -> list[Check]:
    """Every check of one epoch, in order; byte-identical or the first difference."""
    document = json.loads(report)
    checks = [Check("report CID", cid_of(report) == report_cid, f"{len(report):,} bytes hash to {cid_of(report)}")]
    base = cumulative_of(json.loads(previous)) if previous is not None else {}
    recomputed = compute(inputs_from_report(document, base=base))
    difference = None if recomputed.report == report else first_difference(document, json.loads(recomputed.report))
    checks.append(Check("recomputed report", difference is None, difference or "byte-identical"))
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
