"""Scores in the database: what is due for scoring, in which order, and recording each result.

A score row is final once its verdict is pass or fail; a `no-verdict` row only says scoring could not finish
(storage down) and is replaced when a retry succeeds. Services flush and never commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from polyphony.clock import utcnow
from polyphony.contributions import service as contributions
from polyphony.models.contribution import ANCHORED_OR_LATER, AnchorBatch, BatchStatus, Contribution, ContributionStatus
from polyphony.models.score import ContributionScore, ScoringPolicy, Verdict
from polyphony.scores.errors import ScoreNotFound
from polyphony.scores.index import anchoring_position

FINAL = (Verdict.PASS, Verdict.FAIL)


@dataclass(frozen=True)
class ScoringTarget:
    """What a scoring task needs of a contribution, read in a short transaction."""

    contribution_id: int
    cid: str | None
    content_format: str
    modality: str
    text_field: str | None  # the upload's text field, else None: the policy's is read
    status: ContributionStatus
    position: int | None  # None until its batch is anchored


@dataclass(frozen=True)
class ScoreOutcome:
    """A finished score, ready to record."""

    policy_hash: str
    score: int
    verdict: Verdict
    dimensions: dict[str, Any]
    summary: str
    report: str
    language: str | None
    exact_of: int | None
    near_of: int | None
    near_similarity_bp: int | None
    novelty_bp: int | None
    scorer: str | None
    attestation_signature: str | None
    task_id: str | None
    details: dict[str, Any] = field(default_factory=dict)


def load_target(session: Session, contribution_id: int) -> ScoringTarget:
    """The contribution `contribution_id` as a scoring task sees it."""
    contribution = contributions.get(session, contribution_id)
    return ScoringTarget(
        contribution_id=contribution_id, cid=contribution.cid, content_format=contribution.content_format,
        modality=contribution.modality, text_field=contribution.text_field, status=contribution.status,
        position=_position(session, contribution),
    )  # fmt: skip


def _position(session: Session, contribution: Contribution) -> int | None:
    if contribution.batch_id is None or contribution.id is None:
        return None
    batch = session.get(AnchorBatch, contribution.batch_id)
    if batch is None or batch.status != BatchStatus.ANCHORED:
        return None
    return anchoring_position(batch_id=contribution.batch_id, contribution_id=contribution.id)


def final_score(session: Session, contribution_id: int, *, policy_hash: str) -> ContributionScore | None:
    """The pass or fail score of `contribution_id` under `policy_hash`, if it was scored."""
    row = _row(session, contribution_id, policy_hash=policy_hash)
    return row if row is not None and row.verdict in FINAL else None


def _row(session: Session, contribution_id: int, *, policy_hash: str) -> ContributionScore | None:
    query = select(ContributionScore).where(
        ContributionScore.contribution_id == contribution_id, ContributionScore.policy_hash == policy_hash
    )
    return session.exec(query).first()


def _anchored_unscored(policy_hash: str | None) -> Any:
    """Anchored contributions with no final score under `policy_hash` (None: under any policy)."""
    final = col(ContributionScore.verdict).in_(FINAL)
    under = final if policy_hash is None else and_(col(ContributionScore.policy_hash) == policy_hash, final)
    scored = select(ContributionScore.contribution_id).where(under)
    return (
        select(Contribution.id)
        .join(AnchorBatch, col(AnchorBatch.id) == col(Contribution.batch_id))
        .where(
            col(Contribution.status).in_(ANCHORED_OR_LATER),
            AnchorBatch.status == BatchStatus.ANCHORED,
            col(Contribution.id).not_in(scored),
        )
        .order_by(col(Contribution.batch_id), col(Contribution.id))
    )


def due(session: Session, *, limit: int) -> list[int]:
    """Anchored contributions never scored under any policy, in anchoring order.

    One scored under an earlier policy keeps its score: `polyphony rescore` scores it again, on purpose.
    """
    return [int(i) for i in session.exec(_anchored_unscored(None).limit(limit))]


def scored_under_other_policies(session: Session, *, policy_hash: str, among: Sequence[int] | None = None) -> list[int]:
    """Anchored contributions (of `among`, else all) with a final score under another policy and none under
    `policy_hash`, in anchoring order: what a new policy's duplicate index must hold before it scores anything."""
    other = select(ContributionScore.contribution_id).where(
        ContributionScore.policy_hash != policy_hash, col(ContributionScore.verdict).in_(FINAL)
    )
    query = _anchored_unscored(policy_hash).where(col(Contribution.id).in_(other))
    if among is not None:
        query = query.where(col(Contribution.id).in_(among))
    return [int(i) for i in session.exec(query)]


def unscored_before(session: Session, *, position: int, policy_hash: str) -> list[int]:
    """Anchored contributions earlier than `position` in anchoring order and not yet scored."""
    batch_id, contribution_id = position >> 32, position & 0xFFFFFFFF
    earlier = or_(
        col(Contribution.batch_id) < batch_id,
        and_(col(Contribution.batch_id) == batch_id, col(Contribution.id) < contribution_id),
    )
    return [int(i) for i in session.exec(_anchored_unscored(policy_hash).where(earlier))]


def record_score(session: Session, contribution_id: int, *, outcome: ScoreOutcome) -> ContributionScore:
    """Keep `outcome` as the score of `contribution_id` (once: a second recording returns the first)."""
    row = _row(session, contribution_id, policy_hash=outcome.policy_hash)
    if row is not None and row.verdict in FINAL:
        return row
    row = row or _placeholder(contribution_id, policy_hash=outcome.policy_hash)
    for name in (
        "score", "verdict", "dimensions", "summary", "report", "language", "exact_of", "near_of",
        "near_similarity_bp", "novelty_bp", "scorer", "attestation_signature", "task_id",
    ):  # fmt: skip
        setattr(row, name, getattr(outcome, name))
    row.duplicate_of, row.reason, row.scored_at = outcome.exact_of or outcome.near_of, None, utcnow()
    session.add(row)
    session.flush()
    contribution = contributions.get(session, contribution_id)
    contributions.mark_scored(session, contribution)
    contributions.record(
        session, contribution, step="scored", reason=outcome.summary,
        details={
            "task_id": outcome.task_id, "policy_hash": outcome.policy_hash, "score": outcome.score,
            "verdict": str(outcome.verdict), **outcome.details,
        },
    )  # fmt: skip
    return row


def record_no_verdict(
    session: Session, contribution_id: int, *, policy_hash: str, reason: str, task_id: str | None
) -> ContributionScore:
    """Say that `contribution_id` could not be scored yet and why; a final score is left as it is."""
    row = _row(session, contribution_id, policy_hash=policy_hash)
    if row is not None and row.verdict in FINAL:
        return row
    first = row is None
    row = row or _placeholder(contribution_id, policy_hash=policy_hash)
    row.reason, row.task_id, row.scored_at = reason, task_id, utcnow()
    session.add(row)
    session.flush()
    if first:
        contributions.record(
            session, contributions.get(session, contribution_id), step="scoring_deferred", reason=reason,
            details={"task_id": task_id, "policy_hash": policy_hash},
        )  # fmt: skip
    return row


def _placeholder(contribution_id: int, *, policy_hash: str) -> ContributionScore:
    return ContributionScore(contribution_id=contribution_id, policy_hash=policy_hash, verdict=Verdict.NO_VERDICT)


def latest(session: Session, contribution_id: int) -> ContributionScore | None:
    """The most recent score of `contribution_id` under any policy (a final one before a no-verdict)."""
    return latest_of(session, [contribution_id]).get(contribution_id)


def latest_of(session: Session, contribution_ids: Sequence[int]) -> dict[int, ContributionScore]:
    """`latest` of each contribution that has a score, in one query (a page of a list)."""
    query = select(ContributionScore).where(col(ContributionScore.contribution_id).in_(contribution_ids))
    found: dict[int, ContributionScore] = {}
    for row in session.exec(query.order_by(col(ContributionScore.scored_at).desc(), col(ContributionScore.id).desc())):
        kept = found.get(row.contribution_id)
        if kept is None or (kept.verdict not in FINAL and row.verdict in FINAL):
            found[row.contribution_id] = row
    return found


def get_latest(session: Session, contribution_id: int) -> ContributionScore:
    """The most recent score of `contribution_id`; 404 when it has none yet."""
    contributions.get(session, contribution_id)
    row = latest(session, contribution_id)
    if row is None:
        raise ScoreNotFound(f"contribution {contribution_id} has no score yet: it is scored once it is anchored")
    return row


@dataclass(frozen=True)
class ScoreRecord:
    """A score with what an auditor needs to recompute it: the contribution's bytes and the policy document."""

    score: ContributionScore
    cid: str | None
    content_format: str
    modality: str
    text_field: str | None
    policy: ScoringPolicy | None


def score_record(session: Session, contribution_id: int) -> ScoreRecord:
    """The latest score of `contribution_id` with its contribution's CID and format and its policy's document."""
    row = get_latest(session, contribution_id)
    contribution = contributions.get(session, contribution_id)
    return ScoreRecord(
        score=row, cid=contribution.cid, content_format=contribution.content_format,
        modality=contribution.modality, text_field=contribution.text_field, policy=policy(session, row.policy_hash),
    )  # fmt: skip


def policy(session: Session, policy_hash: str) -> ScoringPolicy | None:
    """The recorded policy document of `policy_hash`, if it was pinned."""
    return session.exec(select(ScoringPolicy).where(ScoringPolicy.policy_hash == policy_hash)).first()


def keep_policy(session: Session, *, policy_hash: str, version: str, document_cid: str) -> ScoringPolicy:
    """Record that the policy `policy_hash` is pinned at `document_cid` (once)."""
    kept = policy(session, policy_hash)
    if kept is None:
        kept = ScoringPolicy(policy_hash=policy_hash, version=version, document_cid=document_cid)
        session.add(kept)
        session.flush()
    return kept


def mark_policy_registered(session: Session, policy_hash: str, *, tx_hash: str | None, block_number: int) -> None:
    """Record the transaction (or the block, when someone else registered it) that put `policy_hash` on-chain."""
    kept = policy(session, policy_hash)
    assert kept is not None, "pin a policy before registering it"
    kept.tx_hash, kept.block_number, kept.registered_at = tx_hash, block_number, utcnow()
    session.add(kept)
