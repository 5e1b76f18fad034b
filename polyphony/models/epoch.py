"""Reward epochs: each close splits a budget over the contributions scored in it, and publishes a new root.

An `Epoch` row is written once per number, in the same transaction as every `EpochReward` (one per paid
contribution, with each term of the formula) and every `EpochBalance` (the cumulative amount of each account
since the first epoch: the leaves of the root proposed to the rewards distributor). Amounts are token base
units as decimal strings: a uint256 is wider than any SQL integer.
A `RewardClaim` is one relayed claim an account asked for, sent by the relayer key.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow

AMOUNT_LENGTH = 78  # digits of the largest uint256


class EpochStatus(StrEnum):
    COMPUTED = "computed"  # rewards, balances and the pinned report are fixed; the root is not on-chain yet
    PROPOSED = "proposed"  # the root is on-chain, waiting out the challenge delay
    ACTIVE = "active"  # the root is the one claims are checked against
    REVOKED = "revoked"  # the timelock revoked the root: it pays nothing, a later epoch pays its contributions


class Epoch(SQLModel, table=True):
    """One closed epoch: its budget, what it allocated, the cumulative root and the pinned report."""

    __tablename__ = "epoch"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    status: EpochStatus = Field(default=EpochStatus.COMPUTED, sa_type=String(16), index=True)
    cutoff: datetime  # scores that landed before this instant are paid by this epoch
    formula_version: str = Field(max_length=40)
    budget: str = Field(max_length=AMOUNT_LENGTH)
    allocated: str = Field(max_length=AMOUNT_LENGTH)
    cumulative_total: str = Field(max_length=AMOUNT_LENGTH)
    # The active epoch whose cumulative amounts this one extends; None for the first.
    base_epoch: int | None = None
    contribution_count: int
    account_count: int
    chain_id: int = Field(sa_type=BigInteger)
    distributor: str = Field(max_length=42)
    root: str = Field(max_length=66)
    report_cid: str = Field(max_length=100)
    report_sha256: str = Field(max_length=64)
    propose_tx_hash: str | None = Field(default=None, max_length=66)
    activates_at: int | None = Field(default=None, sa_type=BigInteger)  # chain time, unix seconds
    activate_tx_hash: str | None = Field(default=None, max_length=66)
    created_at: datetime = Field(default_factory=utcnow)
    proposed_at: datetime | None = None
    activated_at: datetime | None = None
    revoked_at: datetime | None = None


class EpochReward(SQLModel, table=True):
    """What one contribution earned in one epoch, with every term of the formula that gave it."""

    __tablename__ = "epoch_reward"
    __table_args__ = (UniqueConstraint("epoch_id", "contribution_id"),)

    id: int | None = Field(default=None, primary_key=True)
    epoch_id: int = Field(foreign_key="epoch.id", index=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True)
    contributor: str = Field(max_length=42, index=True)
    amount: str = Field(max_length=AMOUNT_LENGTH)
    terms: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EpochBalance(SQLModel, table=True):
    """An account's cumulative reward since the first epoch, as of one epoch: one leaf of its root."""

    __tablename__ = "epoch_balance"

    epoch_id: int = Field(foreign_key="epoch.id", primary_key=True)
    account: str = Field(max_length=42, primary_key=True)
    cumulative: str = Field(max_length=AMOUNT_LENGTH)


class ClaimStatus(StrEnum):
    QUEUED = "queued"  # waiting for the chain worker
    MINED = "mined"  # paid on-chain
    REFUSED = "refused"  # the distributor refused it (claimed meanwhile, or the root changed): nothing paid


class RewardClaim(SQLModel, table=True):
    """A claim the backend relays for an account: the relayer key pays the gas, the tokens go to the account."""

    __tablename__ = "reward_claim"
    __table_args__ = (UniqueConstraint("distributor", "account", "cumulative"),)

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=42, index=True)
    distributor: str = Field(max_length=42)
    epoch: int
    cumulative: str = Field(max_length=AMOUNT_LENGTH)
    amount: str = Field(max_length=AMOUNT_LENGTH)
    status: ClaimStatus = Field(default=ClaimStatus.QUEUED, sa_type=String(16), index=True)
    tx_hash: str | None = Field(default=None, max_length=66)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
