"""A contribution: one uploaded file, who gave it, under which license and consent, and its timeline.

Every step of its life is a `ContributionEvent` row (the timeline the API shows), written in the same
transaction as the change it records.
"""

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class ContributionStatus(StrEnum):
    STORING = "storing"  # a row written before the bytes go to storage: a crash here is swept, never kept
    STORED = "stored"  # bytes in storage under `cid`, waiting for the contributor's signed claim
    CLAIMED = "claimed"  # the contributor's EIP-712 claim is verified and kept
    ANCHORED = "anchored"  # its claim is a leaf of a batch whose Merkle root is on-chain
    SCORED = "scored"  # anchored, and its score (pass or fail) is in
    REWARDED = "rewarded"  # anchored, scored, and a closed epoch that was not revoked pays it
    WITHDRAWN = "withdrawn"  # the contributor revoked consent: tombstoned


# Anchored and whatever a contribution becomes after, short of being withdrawn: what scoring, rescoring and
# datasets select.
ANCHORED_OR_LATER = (ContributionStatus.ANCHORED, ContributionStatus.SCORED, ContributionStatus.REWARDED)


class Contribution(SQLModel, table=True):
    """One file given by one contributor; the same bytes from the same contributor are one contribution."""

    __tablename__ = "contribution"
    __table_args__ = (
        UniqueConstraint("contributor", "sha256"),
        UniqueConstraint("contributor", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contributor: str = Field(max_length=42, index=True)
    status: ContributionStatus = Field(default=ContributionStatus.STORING, sa_type=String(16), index=True)
    sha256: str = Field(max_length=64, index=True)
    cid: str | None = Field(default=None, max_length=100, index=True)
    size: int = Field(sa_type=BigInteger)
    filename: str = Field(max_length=255)
    content_format: str = Field(max_length=16)
    modality: str = Field(max_length=16)
    text_field: str | None = Field(default=None, max_length=64)  # a record's text field, when the upload names one
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    license: str = Field(max_length=100)
    language: str | None = Field(default=None, max_length=16)
    topic: str | None = Field(default=None, max_length=64)  # one of the demand registry's topics, when declared
    consent_text: str = Field(sa_column=Column(Text, nullable=False))
    consent_sha256: str = Field(max_length=64)
    content_report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    idempotency_key: str | None = Field(default=None, max_length=200)
    claim_deadline: int | None = Field(default=None, sa_type=BigInteger)
    # Text: a key's signature is 65 bytes, a contract wallet's (a Safe's owners') any length the API allows.
    claim_signature: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    batch_id: int | None = Field(default=None, foreign_key="anchor_batch.id", index=True)
    leaf: str | None = Field(default=None, max_length=66)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class ContributionEvent(SQLModel, table=True):
    """One step of a contribution's timeline: what happened, when, and the proof of it (tx, task, reason)."""

    __tablename__ = "contribution_event"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True)
    step: str = Field(max_length=32)
    at: datetime = Field(default_factory=utcnow)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    tx_hash: str | None = Field(default=None, max_length=66)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class BatchStatus(StrEnum):
    BUILT = "built"  # members and root fixed; manifest not yet pinned or root not yet on-chain
    ANCHORED = "anchored"  # the root is on-chain, confirmed


class BatchKind(IntEnum):
    """What a batch's leaves are; the provenance registry stores it with the root (uint8, open to new kinds)."""

    CLAIMS = 0
    REVOCATIONS = 1
    REVIEWS = 2


class AnchorBatch(SQLModel, table=True):
    """A Merkle batch of claims or revocations: its kind, root, manifest on storage, and its anchoring tx."""

    __tablename__ = "anchor_batch"

    id: int | None = Field(default=None, primary_key=True)
    status: BatchStatus = Field(default=BatchStatus.BUILT, sa_type=String(16), index=True)
    kind: int = Field(default=BatchKind.CLAIMS, index=True)
    root: str = Field(max_length=66, unique=True)
    count: int
    manifest_cid: str | None = Field(default=None, max_length=100)
    chain_id: int = Field(sa_type=BigInteger)
    registry_address: str = Field(max_length=42)
    tx_hash: str | None = Field(default=None, max_length=66)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    anchored_at: datetime | None = None


class Tombstone(SQLModel, table=True):
    """A contribution its contributor withdrew, with the signed revocation: excluded from every later manifest."""

    __tablename__ = "tombstone"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", unique=True)
    cid: str | None = Field(default=None, max_length=100, index=True)
    contributor: str = Field(max_length=42, index=True)
    signature: str = Field(sa_column=Column(Text, nullable=False))  # a key's or a contract wallet's, as claims
    deadline: int = Field(sa_type=BigInteger)
    revoked_at: datetime = Field(default_factory=utcnow, index=True)
    batch_id: int | None = Field(default=None, foreign_key="anchor_batch.id", index=True)
    leaf: str | None = Field(default=None, max_length=66)
