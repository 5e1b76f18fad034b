"""Where review leaves people when an epoch closes: each contributor's credibility, the documents reviewers
rejected, and each reviewer's tally. Read from the database for the epoch close; the rules are in
governance.reviews.credibility.

The epoch's cutoff decides what counts: a sample decided before it moves its contributor's credibility for this
epoch and every later one (what earlier epochs paid is never taken back), and a rejection decided before it
takes its document off a contribution this epoch pays; a review created within the epoch earns its reviewer a
part of this epoch's reviewers' share.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from governance.reviews.credibility import CREDIBILITY_START_BPS, REVIEW_PARAMS, ReviewerTally, ReviewParams
from governance.reviews.credibility import credibility_bps as moved_credibility
from governance.reviews.evidence import PENDING, ReviewEvidence, ReviewInputsEvidence, SampleEvidence
from polyphony.clock import as_utc
from polyphony.models.contribution import AnchorBatch, BatchStatus
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


def review_evidence(
    session: Session, contributors: Iterable[str], *, since: datetime | None, until: datetime
) -> ReviewInputsEvidence:
    """What `credibility_of` and `reviewer_tallies` read for an epoch, listed so anyone recomputes them: every
    sample decided by `until` whose contributor is one of `contributors` or which one of the epoch's reviewers
    reviewed, in decided order; then the samples pending at `until` reviewed in the window; and every review of
    them made by `until`, with its kind-2 leaf once anchored and whether it landed in (`since`, `until`]."""
    wanted = {address.lower() for address in contributors}
    reviews = list(session.exec(select(Review).where(Review.created_at <= until).order_by(col(Review.id))))

    def in_window(review: Review) -> bool:
        return since is None or as_utc(review.created_at) > as_utc(since)

    reviewers = {review.reviewer for review in reviews if in_window(review)}
    reviewed = {review.sample_id for review in reviews if review.reviewer in reviewers}
    windowed = {review.sample_id for review in reviews if in_window(review)}
    candidates = session.exec(
        select(ReviewSample).where(
            col(ReviewSample.id).in_(sorted(reviewed | windowed))
            | (col(ReviewSample.outcome).in_(DECIDED) & func.lower(ReviewSample.contributor).in_(sorted(wanted)))
        )
    )
    decided: list[ReviewSample] = []
    pending: list[ReviewSample] = []
    for sample in candidates:
        by_cutoff = sample.outcome in DECIDED and sample.decided_at is not None and as_utc(sample.decided_at) <= until
        if by_cutoff and (sample.contributor.lower() in wanted or sample.id in reviewed):
            decided.append(sample)
        elif not by_cutoff and sample.id in windowed:
            pending.append(sample)
    decided.sort(key=lambda sample: (as_utc(sample.decided_at or until), sample.id or 0))
    pending.sort(key=lambda sample: sample.id or 0)
    listed = [
        SampleEvidence(int(sample.id or 0), sample.contribution_id, sample.record, sample.contributor,
                       str(sample.outcome), as_utc(sample.decided_at or until).isoformat())
        for sample in decided
    ] + [
        SampleEvidence(int(sample.id or 0), sample.contribution_id, sample.record, sample.contributor, PENDING, None)
        for sample in pending
    ]  # fmt: skip
    ids = {sample.sample_id for sample in listed}
    anchored = set(session.exec(select(AnchorBatch.id).where(AnchorBatch.status == BatchStatus.ANCHORED)))
    of_samples = sorted((review for review in reviews if review.sample_id in ids),
                        key=lambda review: (review.sample_id, review.reviewer.lower()))  # fmt: skip
    return ReviewInputsEvidence(
        listed,
        [
            ReviewEvidence(
                review.sample_id, review.reviewer, review.accept, review.reason,
                review.leaf if review.batch_id in anchored else None, in_window(review),
            )
            for review in of_samples
        ],
    )  # fmt: skip
