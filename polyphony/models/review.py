"""Sampled peer review: who reviews, which documents were sampled from which batch, who must review each, and
the signed reviews.

A claims batch is sampled once (`BatchSampling`), with a seed read from a block mined after its anchoring; each
sampled document is a `ReviewSample`, with the reviewers it was assigned to (`ReviewAssignment`) and their
signed `Review`s. Three reviews decide a sample by majority; a rejected sample drops its document from datasets
and rewards, as a failed gate does.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class SampleOutcome(StrEnum):
    PENDING = "pending"  # fewer than a majority of its reviews agree yet
    ACCEPTED = "accepted"  # a majority accepted the document
    REJECTED = "rejected"  # a majority rejected it: dropped from datasets and rewards


class Reviewer(SQLModel, table=True):
    """A token holder who opted in to review; eligible while their delegated votes reach the minimum."""

    address: str = Field(primary_key=True, max_length=42)
    opted_in_at: datetime = Field(default_factory=utcnow)
    active: bool = Field(default=True, index=True)


class BatchSampling(SQLModel, table=True):
    """That a claims batch was sampled, and from which seed: its primary key makes sampling happen once."""

    __tablename__ = "batch_sampling"

    batch_id: int = Field(primary_key=True, foreign_key="anchor_batch.id")
    seed_block: int = Field(sa_type=BigInteger)
    seed_block_hash: str = Field(max_length=66)
    seed: str = Field(max_length=66)
    candidates: int  # kept documents the batch held
    sampled: int
    sampled_at: datetime = Field(default_factory=utcnow)


class ReviewSample(SQLModel, table=True):
    """One sampled document: a record of a contribution, waiting for or decided by its reviews."""

    __tablename__ = "review_sample"
    __table_args__ = (UniqueConstraint("contribution_id", "record"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True)
    record: int
    words: int  # its words as the scorer counts them: what a rejection takes off the contribution's kept words
    contributor: str = Field(max_length=42, index=True)
    batch_id: int = Field(foreign_key="anchor_batch.id", index=True)
    seed: str = Field(max_length=66)
    outcome: SampleOutcome = Field(default=SampleOutcome.PENDING, sa_type=String(16), index=True)
    sampled_at: datetime = Field(default_factory=utcnow, index=True)
    decided_at: datetime | None = Field(default=None, index=True)


class ReviewAssignment(SQLModel, table=True):
    """A reviewer chosen for a sample, by the same seed; assigned once three eligible reviewers exist."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("sample_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="review_sample.id", index=True)
    reviewer: str = Field(max_length=42, index=True)
    assigned_at: datetime = Field(default_factory=utcnow)


class Review(SQLModel, table=True):
    """A reviewer's signed word on one sampled document: accept, or reject with a reason."""

    __table_args__ = (UniqueConstraint("sample_id", "reviewer"),)

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="review_sample.id", index=True)
    reviewer: str = Field(max_length=42, index=True)
    accept: bool
    reason: str = Field(default="", max_length=32)  # one of the published reasons when rejected; "" when accepted
    deadline: int = Field(sa_type=BigInteger)
    signature: str = Field(sa_column=Column(Text, nullable=False))  # a key's, or a contract wallet's
    created_at: datetime = Field(default_factory=utcnow, index=True)
    batch_id: int | None = Field(default=None, foreign_key="anchor_batch.id", index=True)  # its kind-2 batch
    leaf: str | None = Field(default=None, max_length=66)
