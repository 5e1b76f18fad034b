"""A contribution's score under one scoring policy: the integer, the verdict, every dimension, the attestation.

One row per (contribution, policy hash). A `no-verdict` row (storage down, worker lost) is a placeholder that
is retried; it never counts as a low score. `ScoringPolicy` records each policy document once: where it is
pinned and the transaction that registered its hash on the provenance registry.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    NO_VERDICT = "no-verdict"  # an infrastructure error, not a judgement: retried, never paid less


class ContributionScore(SQLModel, table=True):
    """The result of scoring one contribution with one policy."""

    __tablename__ = "contribution_score"
    __table_args__ = (UniqueConstraint("contribution_id", "policy_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True)
    policy_hash: str = Field(max_length=66, index=True)
    verdict: Verdict = Field(sa_type=String(16), index=True)
    score: int | None = None  # 0-10000; None while no-verdict
    # {"dimension name": {"value": ..., "compared_with": ..., "reason": "..."}}: the explainable vector
    dimensions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    language: str | None = Field(default=None, max_length=16)
    # The earlier contribution (in anchoring order) this one exactly or nearly copies; None when original.
    duplicate_of: int | None = Field(default=None, foreign_key="contribution.id")
    # The duplicate facts the report was finalised with, so an auditor can re-check each one.
    exact_of: int | None = Field(default=None, foreign_key="contribution.id")
    near_of: int | None = Field(default=None, foreign_key="contribution.id")
    near_similarity_bp: int | None = None
    # The canonical report bytes (what `polyphony verify score` recomputes), and its plain-words summary.
    report: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Advisory, not part of the report: semantic novelty against the corpus (basis points, 10000 = novel).
    novelty_bp: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why no verdict yet
    task_id: str | None = Field(default=None, max_length=64)
    scorer: str | None = Field(default=None, max_length=42)
    attestation_signature: str | None = Field(default=None, max_length=140)
    scored_at: datetime = Field(default_factory=utcnow, index=True)


class ScoringPolicy(SQLModel, table=True):
    """A scoring policy document: its hash, where it is pinned, and its registration on-chain."""

    __tablename__ = "scoring_policy"

    id: int | None = Field(default=None, primary_key=True)
    policy_hash: str = Field(max_length=66, unique=True)
    version: str = Field(max_length=32)
    document_cid: str = Field(max_length=100)
    tx_hash: str | None = Field(default=None, max_length=66)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    registered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
