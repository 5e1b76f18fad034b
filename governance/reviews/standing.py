"""Where review leaves people when an epoch closes: each contributor's credibility, the documents reviewers
rejected, and each reviewer's tally. Read from the database for the epoch close; the rules are in
governance.reviews.credibility.

The epoch boundaries decide what counts where: a sample decided before the epoch began moves its contributor's
credibility for this epoch (a rejection lowers the epochs that follow the one it lands in, never one already
paid); a rejection decided before the epoch's cutoff takes its document off a contribution this epoch pays; a
review created within the epoch earns its reviewer a part of this epoch's reviewers' share.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from governance.reviews.credibility import CREDIBILITY_START_BPS, REVIEW_PARAMS, ReviewerTally, ReviewParams
from governance.reviews.credibility import credibility_bps as moved_credibility
from polyphony.models.review import Review, ReviewSample, SampleOutcome

DECIDED = (SampleOutcome.ACCEPTED, SampleOutcome.REJECTED)


def credibility_of(
    session: Session, contributors: Iterable[str], *, before: datetime | None, params: ReviewParams = REVIEW_PARAMS
) -> dict[str, int]:
    """Each contributor's credibility from their samples decided before `before` (none: nothing decided yet),
    in the order they were decided; a contributor never sampled keeps the start value."""
    wanted = {address.lower(): address for address in contributors}
    credibility = {address: CREDIBILITY_START_BPS for address in wanted.values()}
    if before is None or not wanted:
        return credibility
    decided = session.exec(
        select(ReviewSample.contributor, ReviewSample.outcome)
        .where(col(ReviewSample.outcome).in_(DECIDED), col(ReviewSample.decided_at) < before)
        .order_by(col(ReviewSample.decided_at), col(ReviewSample.id))
    )
    outcomes: dict[str, list[str]] = {}
    for contributor, outcome in decided:
        if contributor.lower() in wanted:
            outcomes.setdefault(wanted[contributor.lower()], []).append(str(outcome))
    for address, found in outcomes.items():
        credibility[address] = moved_credibility(CREDIBILITY_START_BPS, found, params)
    return credibility


@dataclass(frozen=True)
class Rejected:
    """What reviewers rejected of one contribution: how many of its documents, and their words."""

    records: int
    words: int


def rejected_of(session: Session, contribution_ids: Sequence[int], *, before: datetime) -> dict[int, Rejected]:
    """contribution id -> its documents a majority rejected before `before` (contributions with none left out)."""
    rows = session.exec(
        select(ReviewSample.contribution_id, ReviewSample.words).where(
            col(ReviewSample.contribution_id).in_(list(contribution_ids)),
            ReviewSample.outcome == SampleOutcome.REJECTED, col(ReviewSample.decided_at) < before,
        )
    )  # fmt: skip
    found: dict[int, Rejected] = {}
    for contribution_id, words in rows:
        seen = found.get(contribution_id, Rejected(0, 0))
        found[contribution_id] = Rejected(seen.records + 1, seen.words + words)
    return found


def reviewer_tallies(session: Session, *, since: datetime | None, until: datetime) -> list[ReviewerTally]:
    """Every reviewer with a review created in (`since`, `until`]: how many, and their agreement record up to
    `until` (reviews of samples a majority decided by then, and how many of those agree with it)."""
    landed = select(Review.reviewer, Review.id).where(Review.created_at <= until)
    if since is not None:
        landed = landed.where(Review.created_at > since)
    counts: dict[str, int] = {}
    for reviewer, _ in session.exec(landed):
        counts[reviewer] = counts.get(reviewer, 0) + 1
    record = session.exec(
        select(Review.reviewer, Review.accept, ReviewSample.outcome)
        .join(ReviewSample, col(ReviewSample.id) == col(Review.sample_id))
        .where(col(Review.reviewer).in_(list(counts)), Review.created_at <= until)
        .where(col(ReviewSample.outcome).in_(DECIDED), col(ReviewSample.decided_at) <= until)
    )
    agreed: dict[str, int] = {}
    decided: dict[str, int] = {}
    for reviewer, accept, outcome in record:
        decided[reviewer] = decided.get(reviewer, 0) + 1
        if accept == (outcome == SampleOutcome.ACCEPTED):
            agreed[reviewer] = agreed.get(reviewer, 0) + 1
    return [
        ReviewerTally(reviewer, reviews, agreed.get(reviewer, 0), decided.get(reviewer, 0))
        for reviewer, reviews in sorted(counts.items(), key=lambda item: item[0].lower())
    ]
