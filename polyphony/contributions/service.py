"""Contributions in the database: create, find, list, follow, and record each step of their life.

Services flush and never commit: the API request, task or command around them is the transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from polyphony.clock import utcnow
from polyphony.contributions.errors import AlreadyRevoked, ContributionNotFound, NotClaimable, NotYourContribution
from polyphony.db import page_of
from polyphony.models.contribution import (
    ANCHORED_OR_LATER,
    Contribution,
    ContributionEvent,
    ContributionStatus,
    Tombstone,
)
from polyphony.models.epoch import EpochReward
from polyphony.storage.base import StoredBlob


@dataclass(frozen=True)
class UploadFacts:
    """What an upload says about itself, checked: who, which bytes, which format, license and consent."""

    contributor: str
    sha256: str
    size: int
    filename: str
    content_format: str
    modality: str
    text_field: str | None
    title: str
    description: str
    license: str
    language: str | None
    topic: str | None
    consent_text: str
    consent_sha256: str
    content_report: dict[str, Any]
    idempotency_key: str | None


def find_same_upload(
    session: Session, *, contributor: str, sha256: str, idempotency_key: str | None
) -> Contribution | None:
    """The contribution these bytes (or this Idempotency-Key) already made for this contributor, if any."""
    same_bytes = select(Contribution).where(Contribution.contributor == contributor, Contribution.sha256 == sha256)
    found = session.exec(same_bytes).first()
    if found is None and idempotency_key is not None:
        same_key = select(Contribution).where(
            Contribution.contributor == contributor, Contribution.idempotency_key == idempotency_key
        )
        found = session.exec(same_key).first()
    return found


def begin_upload(session: Session, *, facts: UploadFacts) -> Contribution:
    """Write the contribution before its bytes go to storage, so a crash in between is found and swept."""
    contribution = Contribution(
        status=ContributionStatus.STORING, **{name: getattr(facts, name) for name in facts.__dataclass_fields__}
    )
    session.add(contribution)
    session.flush()
    record(session, contribution, step="uploaded", details={"size": facts.size, "format": facts.content_format})
    return contribution


def mark_stored(session: Session, contribution: Contribution, *, blob: StoredBlob) -> Contribution:
    """The bytes are in storage under `blob.cid`: the contribution waits for its claim."""
    contribution.cid = blob.cid
    _move(session, contribution, ContributionStatus.STORED, step="stored", details={"cid": blob.cid})
    return contribution


def get_claimable(session: Session, contribution_id: int, *, contributor: str) -> Contribution:
    """`contributor`'s contribution `contribution_id`, which must be a stored upload not claimed yet."""
    contribution = get_own(session, contribution_id, contributor=contributor)
    _check_claimable(contribution)
    return contribution


def record_claim(session: Session, contribution: Contribution, *, signature: str, deadline: int) -> Contribution:
    """Keep the contributor's verified claim signature."""
    _check_claimable(contribution)
    contribution.claim_signature, contribution.claim_deadline = signature, deadline
    _move(session, contribution, ContributionStatus.CLAIMED, step="claimed")
    return contribution


def _check_claimable(contribution: Contribution) -> None:
    if contribution.status != ContributionStatus.STORED:
        raise NotClaimable(f"contribution {contribution.id} is {contribution.status}: only a stored upload is claimed")


def get(session: Session, contribution_id: int) -> Contribution:
    """The contribution `contribution_id`, whoever gave it."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or contribution.status == ContributionStatus.STORING:
        raise ContributionNotFound(f"there is no contribution {contribution_id}")
    return contribution


def get_own(session: Session, contribution_id: int, *, contributor: str) -> Contribution:
    """The contribution `contribution_id`, which must be `contributor`'s."""
    contribution = get(session, contribution_id)
    if contribution.contributor != contributor:
        raise NotYourContribution(f"contribution {contribution_id} belongs to another contributor")
    return contribution


def list_contributions(
    session: Session, *, contributor: str | None, status: ContributionStatus | None, offset: int, limit: int
) -> tuple[Sequence[Contribution], int]:
    """One page of contributions, newest first, and how many match in all."""
    query = select(Contribution).where(Contribution.status != ContributionStatus.STORING)
    if contributor is not None:
        query = query.where(Contribution.contributor == contributor)
    if status is not None:
        query = query.where(Contribution.status == status)
    return page_of(session, query.order_by(col(Contribution.id).desc()), offset=offset, limit=limit)


def timeline(session: Session, contribution: Contribution) -> Sequence[ContributionEvent]:
    """Every step of `contribution`, oldest first."""
    query = select(ContributionEvent).where(ContributionEvent.contribution_id == contribution.id)
    return session.exec(query.order_by(col(ContributionEvent.id))).all()


def record(
    session: Session, contribution: Contribution, *, step: str, reason: str | None = None,
    tx_hash: str | None = None, details: dict[str, Any] | None = None,
) -> ContributionEvent:  # fmt: skip
    """Add a step to `contribution`'s timeline."""
    assert contribution.id is not None, "flush the contribution before recording its steps"
    event = ContributionEvent(
        contribution_id=contribution.id, step=step, reason=reason, tx_hash=tx_hash, details=details or {}
    )
    session.add(event)
    session.flush()
    return event


def _move(session: Session, contribution: Contribution, status: ContributionStatus, *, step: str, **event: Any) -> None:
    contribution.status = status
    contribution.updated_at = utcnow()
    session.add(contribution)
    record(session, contribution, step=step, **event)


def mark_anchored(session: Session, contribution: Contribution, *, tx_hash: str, batch_id: int) -> Contribution:
    """Its claim's batch root is on-chain."""
    if contribution.status == ContributionStatus.CLAIMED:
        _move(
            session, contribution, ContributionStatus.ANCHORED, step="anchored", tx_hash=tx_hash,
            details={"batch": batch_id},
        )  # fmt: skip
    return contribution


def mark_scored(session: Session, contribution: Contribution) -> Contribution:
    """Its score is in (the timeline's `scored` step is the score's own); a later score changes no status."""
    if contribution.status == ContributionStatus.ANCHORED:
        contribution.status, contribution.updated_at = ContributionStatus.SCORED, utcnow()
        session.add(contribution)
    return contribution


def mark_rewarded(session: Session, *, epoch_id: int, epoch_number: int) -> None:
    """The contributions epoch `epoch_number` pays more than nothing are `rewarded`, each with its step."""
    paid = _paid_by(epoch_id)
    session.execute(
        update(Contribution)
        .where(col(Contribution.id).in_(paid.with_only_columns(col(EpochReward.contribution_id))))
        .where(col(Contribution.status).in_(ANCHORED_OR_LATER))
        .values(status=ContributionStatus.REWARDED, updated_at=utcnow())
    )
    steps = [
        {"contribution_id": contribution_id, "step": "rewarded", "at": utcnow(), "reason": None, "tx_hash": None,
         "details": {"epoch": epoch_number, "amount": amount}}
        for contribution_id, amount in session.execute(paid)
    ]  # fmt: skip
    if steps:
        session.execute(insert(ContributionEvent), steps)


def unmark_rewarded(session: Session, *, epoch_id: int) -> None:
    """The epoch `epoch_id` was revoked: what it paid is `scored` again, for a later epoch to pay."""
    session.execute(
        update(Contribution)
        .where(col(Contribution.id).in_(_paid_by(epoch_id).with_only_columns(col(EpochReward.contribution_id))))
        .where(col(Contribution.status) == ContributionStatus.REWARDED)
        .values(status=ContributionStatus.SCORED, updated_at=utcnow())
    )


def _paid_by(epoch_id: int) -> Any:
    # Sub-selects, not id lists: an epoch may pay 100k contributions, past SQLite's bound parameters.
    return select(EpochReward.contribution_id, EpochReward.amount).where(
        EpochReward.epoch_id == epoch_id, EpochReward.amount != "0"
    )


def record_revocation(session: Session, contribution: Contribution, *, signature: str, deadline: int) -> Tombstone:
    """Tombstone `contribution` with its contributor's signed revocation."""
    if contribution.status == ContributionStatus.WITHDRAWN:
        raise AlreadyRevoked(f"contribution {contribution.id} was revoked already")
    assert contribution.id is not None
    tombstone = Tombstone(
        contribution_id=contribution.id, cid=contribution.cid, contributor=contribution.contributor,
        signature=signature, deadline=deadline,
    )  # fmt: skip
    session.add(tombstone)
    _move(
        session,
        contribution,
        ContributionStatus.WITHDRAWN,
        step="revoked",
        reason="consent withdrawn by the contributor",
    )
    return tombstone


def list_tombstones(session: Session, *, offset: int, limit: int) -> tuple[Sequence[Tombstone], int]:
    """One page of tombstones, newest first, and how many there are."""
    return page_of(session, select(Tombstone).order_by(col(Tombstone.id).desc()), offset=offset, limit=limit)
