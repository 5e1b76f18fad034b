"""Sampled peer review, kept in the database: sample each anchored claims batch once, assign reviewers, take
their signed reviews and decide each sample by majority.

The rules themselves (which documents, which reviewers, what a majority is) are pure, in
governance.reviews.sampling; this module feeds them what the database and the chain hold. Sampling waits for
two things: every member of the batch scored (the sample is drawn from kept documents), and the block after the
batch's anchoring block mined (its hash seeds the draw, so nobody knew the sample when uploading).
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select
from web3 import Web3
from web3.contract import Contract

from chain.bindings import Deployment
from chain.client import rpc_errors
from chain.demand import demand_now
from chain.eip712 import DocumentReview, TypedData, typed_data, verify
from chain.provenance import claim_domain
from governance.reviews.credibility import REVIEW_PARAMS, TOKEN_UNIT
from governance.reviews.errors import (
    AlreadyReviewed,
    BadReason,
    NotAReviewer,
    NotAssigned,
    SampleDecided,
    SampleNotFound,
)
from governance.reviews.sampling import (
    ACCEPTED,
    REJECT_REASONS,
    REVIEWS_PER_DOCUMENT,
    Candidate,
    assigned_reviewers,
    majority,
    sample_seed,
    sampled_documents,
)
from polyphony.clock import utcnow
from polyphony.contributions import service as contributions
from polyphony.db import session_scope
from polyphony.formats.declared import Modality
from polyphony.models.contribution import AnchorBatch, BatchKind, BatchStatus, Contribution, ContributionStatus
from polyphony.models.epoch import Epoch
from polyphony.models.review import BatchSampling, Review, ReviewAssignment, Reviewer, ReviewSample, SampleOutcome
from polyphony.models.score import ContributionScore, Verdict
from polyphony.scores.documents import document_fates
from polyphony.scores.service import latest_of
from polyphony.scoring.document import words_of
from polyphony.scoring.parse import parse
from polyphony.scoring.policy import current_policy
from polyphony.scoring.tables import rows_of
from polyphony.storage.base import Storage
from polyphony.storage.errors import BlobNotFound

log = logging.getLogger(__name__)

SEED_BLOCK_DISTANCE = 1  # the seed is the hash of the first block mined after the anchoring block
REVIEW_WINDOW_S = 3600  # how long a served review form may be signed and sent


# Reviewers


def opt_in(session: Session, address: str) -> Reviewer:
    """`address` reviews from now on (eligible while its delegated votes reach the minimum)."""
    reviewer = session.get(Reviewer, address) or Reviewer(address=address)
    reviewer.active = True
    session.add(reviewer)
    return reviewer


def opt_out(session: Session, address: str) -> Reviewer:
    """`address` gets no new documents; what it was assigned already is still its to review."""
    reviewer = session.get(Reviewer, address) or Reviewer(address=address)
    reviewer.active = False
    session.add(reviewer)
    return reviewer


def opted_in(session: Session) -> list[str]:
    """Every address that opted in, in address order."""
    return list(session.exec(select(Reviewer.address).where(col(Reviewer.active)).order_by(col(Reviewer.address))))


def eligible_reviewers(addresses: Sequence[str], *, token: Contract, min_votes: int) -> list[str]:
    """Those of `addresses` whose votes (delegated to them, now) reach `min_votes`."""
    return [address for address in addresses if int(token.functions.getVotes(address).call()) >= min_votes]


# Sampling


def batches_waiting(session: Session) -> list[AnchorBatch]:
    """Anchored claims batches not sampled yet whose every member has a score (or was withdrawn)."""
    sampled = select(BatchSampling.batch_id)
    anchored = select(AnchorBatch).where(
        AnchorBatch.status == BatchStatus.ANCHORED, AnchorBatch.kind == BatchKind.CLAIMS,
        col(AnchorBatch.id).not_in(sampled),
    )  # fmt: skip
    decided = select(ContributionScore.contribution_id).where(ContributionScore.verdict != Verdict.NO_VERDICT)
    unscored = select(Contribution.batch_id).where(
        col(Contribution.batch_id).is_not(None), Contribution.status != ContributionStatus.WITHDRAWN,
        col(Contribution.id).not_in(decided),
    )  # fmt: skip
    return list(session.exec(anchored.where(col(AnchorBatch.id).not_in(unscored)).order_by(col(AnchorBatch.id))))


def candidates_of(session: Session, batch_id: int) -> list[Candidate]:
    """The batch's kept documents: every document the gates kept of each passing member (a file judged as a
    whole is its document 0)."""
    members = list(session.exec(select(Contribution).where(Contribution.batch_id == batch_id)))
    scores = latest_of(session, [member.id for member in members if member.id is not None])
    found: list[Candidate] = []
    for member in members:
        score = scores.get(member.id or 0)
        if member.status == ContributionStatus.WITHDRAWN or score is None or score.verdict != Verdict.PASS:
            continue
        found += [Candidate(member.id or 0, record, member.contributor) for record in _kept_records(score)]
    return found


def _kept_records(score: ContributionScore) -> list[int]:
    fates = document_fates(score)
    if fates is None:
        return [0]
    dropped = {index for indices in fates.dropped.values() for index in indices}
    return [index for index in range(fates.count) if index not in dropped]


def epoch_start(session: Session) -> datetime | None:
    """When the open epoch began: the last closed epoch's cutoff (None before the first)."""
    return session.exec(select(func.max(Epoch.cutoff))).one()


def covered_contributors(session: Session, *, since: datetime | None) -> frozenset[str]:
    """Contributors who had a document sampled in the open epoch already."""
    query = select(ReviewSample.contributor).distinct()
    if since is not None:
        query = query.where(ReviewSample.sampled_at >= since)
    return frozenset(address.lower() for address in session.exec(query))


def sample_batch(
    session: Session, batch: AnchorBatch, *, seed_block: int, seed_block_hash: bytes, storage: Storage
) -> BatchSampling:
    """Draw `batch`'s sample with the seed of block `seed_block` and record it (once: the batch is the key),
    each sampled document with its words as the scorer counts them."""
    assert batch.id is not None
    seed = sample_seed(seed_block_hash, bytes.fromhex(batch.root.removeprefix("0x")))
    candidates = candidates_of(session, batch.id)
    covered = covered_contributors(session, since=epoch_start(session))
    chosen = sampled_documents(seed, candidates, covered=covered)
    sampling = BatchSampling(
        batch_id=batch.id, seed_block=seed_block, seed_block_hash="0x" + seed_block_hash.hex(), seed="0x" + seed.hex(),
        candidates=len(candidates), sampled=len(chosen),
    )  # fmt: skip
    session.add(sampling)
    texts = DocumentTexts(storage)
    for candidate in chosen:
        contribution = contributions.get(session, candidate.contribution_id)
        text = texts.of(contribution, candidate.record)
        session.add(ReviewSample(
            contribution_id=candidate.contribution_id, record=candidate.record, contributor=candidate.contributor,
            words=0 if text is None else words_of(text), batch_id=batch.id, seed=sampling.seed,
        ))  # fmt: skip
    return sampling


def sample_waiting_batches(web3: Web3, *, storage: Storage) -> list[BatchSampling]:
    """Workflow: sample every batch that waits and whose seed block is mined, each in its own transaction (a
    concurrent run that sampled it first wins; this one changes nothing). A batch with a member whose bytes
    cannot be read now is left for the next run, and the batches after it go on."""
    with session_scope() as session:
        waiting = [(batch.id, batch.block_number) for batch in batches_waiting(session)]
    head = web3.eth.block_number
    done: list[BatchSampling] = []
    for batch_id, anchored_in in waiting:
        seed_block = (anchored_in or 0) + SEED_BLOCK_DISTANCE
        if anchored_in is None or seed_block > head:
            continue
        block_hash = bytes(web3.eth.get_block(seed_block)["hash"])
        try:
            with session_scope() as session:
                batch = session.get(AnchorBatch, batch_id)
                assert batch is not None
                sampling = sample_batch(
                    session, batch, seed_block=seed_block, seed_block_hash=block_hash, storage=storage
                )
                session.flush()
                session.expunge(sampling)
        except IntegrityError:
            continue
        except BlobNotFound as missing:
            log.warning("batch %s is not sampled yet: %s", batch_id, missing.message)
            continue
        done.append(sampling)
    return done


# Assignment


def assign_waiting(session: Session, eligible: Sequence[str]) -> int:
    """Give each pending sample that has no reviewers yet its three, seeded as its draw; one with fewer than three
    eligible reviewers besides its contributor waits. How many samples got reviewers."""
    assigned = select(ReviewAssignment.sample_id)
    waiting = session.exec(
        select(ReviewSample).where(
            ReviewSample.outcome == SampleOutcome.PENDING, col(ReviewSample.id).not_in(assigned)
        ).order_by(col(ReviewSample.id))
    ).all()  # fmt: skip
    count = 0
    for sample in waiting:
        candidate = Candidate(sample.contribution_id, sample.record, sample.contributor)
        chosen = assigned_reviewers(bytes.fromhex(sample.seed.removeprefix("0x")), candidate, eligible)
        if chosen is None:  # too few besides its contributor: it waits, and the others go on
            continue
        for reviewer in chosen:
            session.add(ReviewAssignment(sample_id=sample.id or 0, reviewer=reviewer))
        count += 1
    return count


@dataclass(frozen=True)
class Waiting:
    """What the review queue holds: samples without reviewers (too few eligible ones), samples assigned and
    waiting on their reviews, and how many reviewers opted in."""

    unassigned: int
    pending: int
    opted_in_reviewers: int


def queue_state(session: Session) -> Waiting:
    """How many samples wait for reviewers, and how many for reviews."""
    assigned = select(ReviewAssignment.sample_id)
    pending = ReviewSample.outcome == SampleOutcome.PENDING
    unassigned = session.exec(
        select(func.count()).select_from(ReviewSample).where(pending, col(ReviewSample.id).not_in(assigned))
    ).one()
    waiting = session.exec(select(func.count()).select_from(ReviewSample).where(pending)).one()
    reviewers = session.exec(select(func.count()).select_from(Reviewer).where(col(Reviewer.active))).one()
    return Waiting(unassigned=unassigned, pending=waiting - unassigned, opted_in_reviewers=reviewers)


# Reviewing


def next_assignment(session: Session, reviewer: str) -> ReviewSample | None:
    """The oldest pending sample assigned to `reviewer` that it has not reviewed."""
    reviewed = select(Review.sample_id).where(Review.reviewer == reviewer)
    mine = select(ReviewAssignment.sample_id).where(ReviewAssignment.reviewer == reviewer)
    query = select(ReviewSample).where(
        col(ReviewSample.id).in_(mine), col(ReviewSample.id).not_in(reviewed),
        ReviewSample.outcome == SampleOutcome.PENDING,
    )  # fmt: skip
    return session.exec(query.order_by(col(ReviewSample.id))).first()


def review_message(sample: ReviewSample, contribution: Contribution, *, reviewer: str, accept: bool, reason: str,
                   deadline: int) -> DocumentReview:  # fmt: skip
    """What `reviewer` signs to review `sample`."""
    return DocumentReview(
        reviewer=reviewer, sample_id=sample.id or 0, contribution_cid=contribution.cid or "", record=sample.record,
        accept=accept, reason=reason, deadline=deadline,
    )  # fmt: skip


def review_form(
    sample: ReviewSample, contribution: Contribution, *, reviewer: str, deployment: Deployment
) -> TypedData:
    """The typed data to sign, as an acceptance; a rejection signs the same with `accept` false and a reason."""
    deadline = int(time.time()) + REVIEW_WINDOW_S
    message = review_message(sample, contribution, reviewer=reviewer, accept=True, reason="", deadline=deadline)
    return typed_data(claim_domain(deployment), message=message)


def submit_review(
    session: Session, *, reviewer: str, sample_id: int, accept: bool, reason: str, deadline: int, signature: bytes,
    deployment: Deployment, web3: Web3,
) -> Review:  # fmt: skip
    """Check and keep `reviewer`'s signed review of sample `sample_id`; three decide it by majority."""
    sample = sample_of(session, sample_id)
    _check_may_review(session, sample, reviewer=reviewer)
    _check_reason(accept=accept, reason=reason)
    contribution = contributions.get(session, sample.contribution_id)
    message = review_message(sample, contribution, reviewer=reviewer, accept=accept, reason=reason, deadline=deadline)
    typed = typed_data(claim_domain(deployment), message=message)
    verify(typed, signature=signature, signer=reviewer, now=int(time.time()), web3=web3)
    review = Review(sample_id=sample_id, reviewer=reviewer, accept=accept, reason=reason, deadline=deadline,
                    signature="0x" + signature.hex())  # fmt: skip
    session.add(review)
    session.flush()
    _decide(session, sample, contribution)
    return review


def _check_may_review(session: Session, sample: ReviewSample, *, reviewer: str) -> None:
    assigned = session.exec(
        select(ReviewAssignment).where(ReviewAssignment.sample_id == sample.id, ReviewAssignment.reviewer == reviewer)
    ).first()
    if assigned is None:
        raise NotAssigned(f"document {sample.id} was not assigned to {reviewer}: ask GET /reviews/next for yours")
    if session.exec(select(Review).where(Review.sample_id == sample.id, Review.reviewer == reviewer)).first():
        raise AlreadyReviewed(f"{reviewer} reviewed document {sample.id} already: a review counts once")
    if sample.outcome != SampleOutcome.PENDING:
        raise SampleDecided(f"document {sample.id} was {sample.outcome!s} by a majority already")


def _check_reason(*, accept: bool, reason: str) -> None:
    if accept and reason:
        raise BadReason("an acceptance carries no reason: send an empty reason, or reject")
    if not accept and reason not in REJECT_REASONS:
        raise BadReason(f"a rejection needs one of these reasons: {', '.join(REJECT_REASONS)} (got {reason!r})")


def _decide(session: Session, sample: ReviewSample, contribution: Contribution) -> None:
    """Set the sample's outcome once a majority of its reviews agree; a rejection goes on the timeline."""
    reviews = list(session.exec(select(Review).where(Review.sample_id == sample.id).order_by(col(Review.id))))
    outcome = majority([ACCEPTED if review.accept else review.reason for review in reviews])
    if outcome is None:
        return
    sample.outcome = SampleOutcome(outcome)
    sample.decided_at = utcnow()
    session.add(sample)
    if sample.outcome == SampleOutcome.REJECTED:
        reasons = sorted({review.reason for review in reviews if not review.accept})
        contributions.record(
            session, contribution, step="review_rejected",
            reason=f"document {sample.record} rejected by {sum(not r.accept for r in reviews)} of "
            f"{REVIEWS_PER_DOCUMENT} reviewers: {', '.join(reasons)}",
            details={"record": sample.record, "sample_id": sample.id, "reasons": reasons},
        )  # fmt: skip


def rejected_records(session: Session, contribution_ids: Sequence[int]) -> dict[int, set[int]]:
    """contribution id -> the records a majority of reviewers rejected (they leave datasets and rewards)."""
    rows = session.exec(
        select(ReviewSample.contribution_id, ReviewSample.record).where(
            col(ReviewSample.contribution_id).in_(list(contribution_ids)),
            ReviewSample.outcome == SampleOutcome.REJECTED,
        )
    )  # fmt: skip
    found: dict[int, set[int]] = {}
    for contribution_id, record in rows:
        found.setdefault(contribution_id, set()).add(record)
    return found


def reviews_of_contribution(session: Session, contribution_id: int) -> list[tuple[ReviewSample, list[Review]]]:
    """A contribution's sampled documents, each with its reviews so far (what its contributor sees)."""
    samples = session.exec(
        select(ReviewSample).where(ReviewSample.contribution_id == contribution_id).order_by(col(ReviewSample.record))
    ).all()
    return [
        (sample, list(session.exec(select(Review).where(Review.sample_id == sample.id).order_by(col(Review.id)))))
        for sample in samples
    ]


def require_reviewer(session: Session, address: str) -> None:
    """Raise `NotAReviewer` unless `address` opted in."""
    reviewer = session.get(Reviewer, address)
    if reviewer is None or not reviewer.active:
        raise NotAReviewer(f"{address} has not opted in to review: POST /reviews/reviewer first")


def reviewer_min_votes(web3: Web3, deployment: Deployment) -> int:
    """The delegated votes a reviewer needs: governance's, on the demand registry (the published default for a
    deployment made before it)."""
    if "demandRegistry" not in deployment.contracts:
        return REVIEW_PARAMS.min_voting_power_tokens * TOKEN_UNIT
    return demand_now(web3, deployment).demand.review.reviewer_min_votes


def keep_reviews(*, web3: Web3, deployment: Deployment, storage: Storage, min_votes: int) -> tuple[int, int]:
    """Workflow (beat): sample the batches whose seed block is mined, then give waiting samples reviewers
    among the eligible ones (the votes are read outside any transaction). (batches sampled, samples assigned)."""
    with rpc_errors():
        sampled = sample_waiting_batches(web3, storage=storage)
        with session_scope() as session:
            addresses = opted_in(session)
        eligible = eligible_reviewers(addresses, token=deployment.bind(web3, "token"), min_votes=min_votes)
    with session_scope() as session:
        return len(sampled), assign_waiting(session, eligible)


class DocumentTexts:
    """Documents of uploads as the scorer read them, each upload read and parsed once."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._documents: dict[str, tuple[str | None, ...]] = {}

    def of(self, contribution: Contribution, record: int) -> str | None:
        """Document `record` of `contribution`: a text's document, a table's row (its cells, " | " between
        them); None for one without text (an image)."""
        cid = contribution.cid or ""
        if cid not in self._documents:
            self._documents[cid] = self._read(contribution)
        documents = self._documents[cid]
        return documents[record] if record < len(documents) else None

    def _read(self, contribution: Contribution) -> tuple[str | None, ...]:
        content = b"".join(self.storage.cat(contribution.cid or ""))
        if contribution.modality == Modality.TABULAR:
            return tuple(" | ".join(row.cells) for row in rows_of(content, content_format=contribution.content_format))
        policy, _ = current_policy()
        parsed = parse(content, content_format=contribution.content_format, policy=policy,
                       text_field=contribution.text_field)  # fmt: skip
        return parsed.documents or (parsed.text or None,)


def document_text(storage: Storage, contribution: Contribution, record: int) -> str | None:
    """Document `record` of `contribution` as the scorer read it; None for one without text (an image)."""
    return DocumentTexts(storage).of(contribution, record)


def sample_of(session: Session, sample_id: int) -> ReviewSample:
    """Sampled document `sample_id`; `SampleNotFound` when there is none."""
    sample = session.get(ReviewSample, sample_id)
    if sample is None:
        raise SampleNotFound(f"no sampled document {sample_id}")
    return sample
