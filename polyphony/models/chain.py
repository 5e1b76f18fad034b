"""Chain transactions as intents: written before anything is sent, so a restart resends, never re-creates.

A `ChainTransaction` is one thing we want done on-chain ("anchor batch 12"), unique per chain by `intent`.
Each signed version of it (the first, and any fee-bumped replacement with the same nonce) is a
`ChainTransactionAttempt` holding the exact raw bytes, so a resend after a crash is byte-identical.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class TxStatus(StrEnum):
    SIGNED = "signed"  # written and signed, perhaps not yet broadcast
    SENT = "sent"  # broadcast at least once, no receipt with enough confirmations yet
    MINED = "mined"  # succeeded, confirmed to the configured depth
    REVERTED = "reverted"  # mined, but the call reverted: final


class ChainTransaction(SQLModel, table=True):
    """One intent to change the chain, sent from `sender` with one nonce."""

    __tablename__ = "chain_transaction"
    __table_args__ = (UniqueConstraint("chain_id", "intent"),)

    id: int | None = Field(default=None, primary_key=True)
    # Chain ids, nonces and block numbers can pass 2**31 on some networks.
    chain_id: int = Field(sa_type=BigInteger)
    intent: str = Field(max_length=200)
    sender: str = Field(max_length=42, index=True)
    to: str | None = Field(default=None, max_length=42)
    data: str = Field(sa_column=Column(Text, nullable=False))
    value: str = Field(default="0", max_length=78)  # a uint256 in decimal: wider than any SQL integer
    nonce: int = Field(sa_type=BigInteger)
    gas_limit: int = Field(sa_type=BigInteger)
    status: TxStatus = Field(default=TxStatus.SIGNED, sa_type=String(16), index=True)
    tx_hash: str | None = Field(default=None, max_length=66)
    block_number: int | None = Field(default=None, sa_type=BigInteger)
    gas_used: int | None = Field(default=None, sa_type=BigInteger)
    contract_address: str | None = Field(default=None, max_length=42)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChainTransactionAttempt(SQLModel, table=True):
    """One signed version of a transaction: the raw bytes exactly as broadcast, and its fees."""

    __tablename__ = "chain_transaction_attempt"

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="chain_transaction.id", index=True)
    tx_hash: str = Field(max_length=66, unique=True)
    raw: str = Field(sa_column=Column(Text, nullable=False))
    max_fee_per_gas: str = Field(max_length=78)
    max_priority_fee_per_gas: str = Field(max_length=78)
    created_at: datetime = Field(default_factory=utcnow)
