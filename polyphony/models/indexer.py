"""Chain events as the indexer stored them, and the named cursors that say how far each follower has read.

A cursor follows a set of contracts on one chain. It remembers the last block it indexed (number and hash)
and, as `IndexerCheckpoint` rows, the blocks where its last few passes ended: after a reorg the indexer
walks those back to the newest block the node still agrees with. Events belong to the cursor that stored
them, so a rollback removes only that cursor's events and two cursors never fight over a row.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class IndexerCursor(SQLModel, table=True):
    """How far one named follower of a chain's events has read."""

    __tablename__ = "indexer_cursor"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    chain_id: int = Field(sa_type=BigInteger)
    start_block: int = Field(sa_type=BigInteger)
    # The last block indexed: start_block - 1 (and no hash) before the first pass.
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str | None = Field(default=None, max_length=66)
    updated_at: datetime = Field(default_factory=utcnow)


class IndexerCheckpoint(SQLModel, table=True):
    """A block where a pass of the cursor ended, with the hash it had then."""

    __tablename__ = "indexer_checkpoint"
    __table_args__ = (UniqueConstraint("cursor_id", "block_number"),)

    id: int | None = Field(default=None, primary_key=True)
    cursor_id: int = Field(foreign_key="indexer_cursor.id")
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)


class ChainEvent(SQLModel, table=True):
    """One decoded contract event, stored once per cursor; `args` holds JSON-safe values."""

    __tablename__ = "chain_event"
    __table_args__ = (
        UniqueConstraint("cursor_id", "block_hash", "log_index"),
        Index("ix_chain_event_lookup", "cursor_id", "contract", "name", "block_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cursor_id: int = Field(foreign_key="indexer_cursor.id")
    contract: str = Field(max_length=42)
    name: str = Field(max_length=100)
    args: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    tx_hash: str = Field(max_length=66)
    log_index: int
    indexed_at: datetime = Field(default_factory=utcnow)
