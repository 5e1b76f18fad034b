"""What an epoch's review inputs follow from, as its /3 report lists it, and their recomputation: pure.

The evidence names the samples that move the epoch's credibility and agreement figures (each decided by the
cutoff whose contributor has an input in the epoch or which one of its reviewers reviewed, in the order they were
decided; then the samples still pending at the cutoff that a review of the epoch's window reviewed) and every
review of them made by the cutoff, with its kind-2 leaf when anchored and whether it landed in the epoch's window.
From it anyone recomputes each contributor's credibility (`credibility_bps` over their samples decided before
the cutoff, in order) and each reviewer's tally (reviews in the window; agreed and decided over their reviews of
samples decided by the cutoff), and checks each decided sample's outcome is the majority of its reviews.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.reviews.credibility import CREDIBILITY_START_BPS, REVIEW_PARAMS, ReviewerTally, ReviewParams
from governance.reviews.credibility import credibility_bps as moved_credibility
from governance.reviews.sampling import ACCEPTED, REJECTED, majority

PENDING = "pending"


@dataclass(frozen=True)
class SampleEvidence:
    """A sampled document as the cutoff left it: its outcome then (pending if not decided by it) and when decided."""

    sample_id: int
    contribution_id: int
    record: int
    contributor: str
    outcome: str  # ACCEPTED, REJECTED or PENDING
    decided_at: str | None  # ISO 8601, UTC

    def to_json(self) -> dict[str, Any]:
        """The sample as a report lists it."""
        return {
            "sample_id": self.sample_id, "contribution_id": self.contribution_id, "record": self.record,
            "contributor": self.contributor, "outcome": self.outcome, "decided_at": self.decided_at,
        }  # fmt: skip

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "SampleEvidence":
        """The sample back from its listed form."""
        decided_at = entry["decided_at"]
        return cls(
            int(entry["sample_id"]), int(entry["contribution_id"]), int(entry["record"]), str(entry["contributor"]),
            str(entry["outcome"]), None if decided_at is None else str(decided_at),
        )  # fmt: skip


@dataclass(frozen=True)
class ReviewEvidence:
    """A review of a listed sample: its reviewer's word, its kind-2 leaf (None until anchored), and whether it
    landed in the epoch's window (what the reviewer is paid for this epoch)."""

    sample_id: int
    reviewer: str
    accept: bool
    reason: str
    leaf: str | None
    in_epoch: bool

    def to_json(self) -> dict[str, Any]:
        """The review as a report lists it."""
        return {
            "sample_id": self.sample_id, "reviewer": self.reviewer, "accept": self.accept, "reason": self.reason,
            "leaf": self.leaf, "in_epoch": self.in_epoch,
        }  # fmt: skip

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "ReviewEvidence":
        """The review back from its listed form."""
        leaf = entry["leaf"]
        return cls(
            int(entry["sample_id"]), str(entry["reviewer"]), bool(entry["accept"]), str(entry["reason"]),
            None if leaf is None else str(leaf), bool(entry["in_epoch"]),
        )  # fmt: skip


@dataclass(frozen=True)
class ReviewInputsEvidence:
    """The samples and reviews an epoch's credibility and reviewer tallies follow from."""

    samples: list[SampleEvidence] = field(default_factory=list)
    reviews: list[ReviewEvidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The evidence as a /3 report lists it: samples in decided order, reviews by sample then reviewer."""
        return {
            "samples": [sample.to_json() for sample in self.samples],
            "reviews": [review.to_json() for review in self.reviews],
        }

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> "ReviewInputsEvidence":
        """The evidence back from a report."""
        return cls(
            [SampleEvidence.from_json(sample) for sample in entry["samples"]],
            [ReviewEvidence.from_json(review) for review in entry["reviews"]],
        )


def recomputed_credibility(
    evidence: ReviewInputsEvidence, contributors: Sequence[str], *, cutoff: str, params: ReviewParams = REVIEW_PARAMS
) -> dict[str, int]:
    """Each contributor's credibility from their listed samples decided before `cutoff`, in listed order."""
    before = _instant(cutoff)
    wanted = {address.lower(): address for address in contributors}
    outcomes: dict[str, list[str]] = {address: [] for address in wanted.values()}
    for sample in evidence.samples:
        if _decided_by(sample, before, strictly=True) and sample.contributor.lower() in wanted:
            outcomes[wanted[sample.contributor.lower()]].append(sample.outcome)
    return {address: moved_credibility(CREDIBILITY_START_BPS, found, params) for address, found in outcomes.items()}


def recomputed_tallies(evidence: ReviewInputsEvidence, *, cutoff: str) -> list[ReviewerTally]:
    """Every reviewer with a listed review in the window: how many, and their agreement over their listed reviews
    of samples decided by `cutoff`; by lower-case address."""
    until = _instant(cutoff)
    decided = {sample.sample_id: sample.outcome for sample in evidence.samples if _decided_by(sample, until)}
    reviews: dict[str, int] = {}
    agreed: dict[str, int] = {}
    counted: dict[str, int] = {}
    for review in evidence.reviews:
        if review.in_epoch:
            reviews[review.reviewer] = reviews.get(review.reviewer, 0) + 1
    for review in evidence.reviews:
        outcome = decided.get(review.sample_id)
        if review.reviewer not in reviews or outcome is None:
            continue
        counted[review.reviewer] = counted.get(review.reviewer, 0) + 1
        if review.accept == (outcome == ACCEPTED):
            agreed[review.reviewer] = agreed.get(review.reviewer, 0) + 1
    return [
        ReviewerTally(reviewer, count, agreed.get(reviewer, 0), counted.get(reviewer, 0))
        for reviewer, count in sorted(reviews.items(), key=lambda item: item[0].lower())
    ]


def evidence_differences(
    evidence: ReviewInputsEvidence,
    *,
    cutoff: str,
    credibility: Mapping[str, int],
    tallies: Sequence[ReviewerTally],
    params: ReviewParams = REVIEW_PARAMS,
) -> list[str]:
    """Where the report's review inputs (each contributor's `credibility`, the reviewers' `tallies`) do not follow
    from `evidence`, in words; empty when every figure recomputes."""  # fmt: skip
    found = _sample_differences(evidence, cutoff=cutoff)
    recomputed = recomputed_credibility(evidence, list(credibility), cutoff=cutoff, params=params)
    for address, listed in credibility.items():
        if recomputed[address] != listed:
            found.append(
                f"contributor {address}: credibility {listed} in the report, {recomputed[address]} from its samples"
            )
    mine = {tally.address.lower(): tally for tally in recomputed_tallies(evidence, cutoff=cutoff)}
    theirs = {tally.address.lower(): tally for tally in tallies}
    for address in sorted(set(mine) | set(theirs)):
        left, right = theirs.get(address), mine.get(address)
        if left is None or right is None:
            where = "the report's reviewers" if left is None else "the reviews listed"
            found.append(f"reviewer {address}: missing from {where}")
        elif (left.reviews, left.agreed, left.decided) != (right.reviews, right.agreed, right.decided):
            found.append(
                f"reviewer {left.address}: reviews/agreed/decided {left.reviews}/{left.agreed}/{left.decided} in the "
                f"report, {right.reviews}/{right.agreed}/{right.decided} from the reviews listed"
            )
    return found


def _sample_differences(evidence: ReviewInputsEvidence, *, cutoff: str) -> list[str]:
    """Listed samples out of decided order, decided after the cutoff, or with an outcome that is not their reviews'
    majority; reviews of samples not listed."""
    until = _instant(cutoff)
    found: list[str] = []
    listed = {sample.sample_id for sample in evidence.samples}
    if len(listed) != len(evidence.samples):
        found.append("a sample is listed twice")
    votes: dict[int, list[str]] = {}
    for review in evidence.reviews:
        if review.sample_id not in listed:
            found.append(f"review by {review.reviewer} of sample {review.sample_id}, which is not listed")
        votes.setdefault(review.sample_id, []).append(ACCEPTED if review.accept else REJECTED)
    last: tuple[datetime, int] | None = None
    for sample in evidence.samples:
        if sample.outcome == PENDING:
            continue
        if sample.outcome not in (ACCEPTED, REJECTED) or sample.decided_at is None:
            found.append(f"sample {sample.sample_id}: outcome {sample.outcome!r} with decided_at {sample.decided_at}")
            continue
        key = (_instant(sample.decided_at), sample.sample_id)
        if key[0] > until:
            found.append(f"sample {sample.sample_id}: decided at {sample.decided_at}, after the cutoff {cutoff}")
        if last is not None and key < last:
            found.append(f"sample {sample.sample_id}: listed out of decided order")
        last = key
        cast = votes.get(sample.sample_id, [])
        if majority(cast) != sample.outcome:
            found.append(
                f"sample {sample.sample_id}: {sample.outcome} in the report, but the majority of its {len(cast)} "
                f"listed reviews is {majority(cast) or 'none'}"
            )
    return found


def _decided_by(sample: SampleEvidence, instant: datetime, *, strictly: bool = False) -> bool:
    if sample.outcome not in (ACCEPTED, REJECTED) or sample.decided_at is None:
        return False
    decided = _instant(sample.decided_at)
    return decided < instant if strictly else decided <= instant


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
