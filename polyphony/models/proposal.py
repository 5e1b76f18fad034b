"""Governance: proposals to approve a dataset for a training round, and the ballots and delegations we relay.

A `Proposal` row is written when a curator asks for one; its id is the governor's own proposal id
(`hashProposal` of its single action and description), known before anything is sent. Its state, tallies and
deadlines are read from the indexed governor events, never stored here. `final_state` is set by the keeper
once the state can no longer change, so it stops looking at the proposal.

A relayed ballot or delegation is a user's signature the backend checked and then paid gas for: one row per
signature, unique where the chain would accept it only once, so a replay is refused before it costs anything.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class Proposal(SQLModel, table=True):
    """A governor proposal whose single action is the timelock calling `DatasetRegistry.approve`."""

    __tablename__ = "proposal"
    __table_args__ = (UniqueConstraint("dataset_id", "round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: str = Field(max_length=78, unique=True)  # the governor's uint256 id, in decimal
    chain_id: int = Field(sa_type=BigInteger)
    governor: str = Field(max_length=42)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    round_number: int = Field(sa_type=BigInteger)
    manifest_root: str = Field(max_length=66)
    manifest_cid: str = Field(max_length=100)
    target: str = Field(max_length=42)  # the dataset registry
    calldata: str = Field(sa_column=Column(Text, nullable=False))  # 0x-hex approve(round, root, cid)
    description: str = Field(sa_column=Column(Text, nullable=False))
    curator: str = Field(max_length=42, index=True)
    relayed: bool  # True: the relayer key proposes; False: the curator sends `propose` from their own wallet
    final_state: str | None = Field(default=None, max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class RelayStatus(StrEnum):
    ACCEPTED = "accepted"  # the signature checked out; the chain worker will send it
    MINED = "mined"  # the relayer's transaction succeeded
    FAILED = "failed"  # the chain refused it (e.g. the holder acted directly meanwhile): final


class RelayedBallot(SQLModel, table=True):
    """A holder's signed vote (OZ `Ballot`), relayed to `castVoteBySig`; one per holder and proposal."""

    __tablename__ = "relayed_ballot"
    __table_args__ = (UniqueConstraint("proposal_ref", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_ref: int = Field(foreign_key="proposal.id", index=True)
    voter: str = Field(max_length=42, index=True)
    support: int  # 0 against, 1 for, 2 abstain
    nonce: int = Field(sa_type=BigInteger)
    signature: str = Field(sa_column=Column(Text, nullable=False))  # a key's 65 bytes, or a Safe's, longer
    status: RelayStatus = Field(default=RelayStatus.ACCEPTED, sa_type=String(16), index=True)
    tx_hash: str | None = Field(default=None, max_length=66)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RelayedDelegation(SQLModel, table=True):
    """A holder's signed delegation (OZ `Delegation`), relayed to `delegateBySig`; one per holder and nonce."""

    __tablename__ = "relayed_delegation"
    __table_args__ = (UniqueConstraint("chain_id", "token", "delegator", "nonce"),)

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_type=BigInteger)
    token: str = Field(max_length=42)
    delegator: str = Field(max_length=42, index=True)
    delegatee: str = Field(max_length=42)
    nonce: int = Field(sa_type=BigInteger)
    expiry: int = Field(sa_type=BigInteger)
    signature: str = Field(sa_column=Column(Text, nullable=False))
    status: RelayStatus = Field(default=RelayStatus.ACCEPTED, sa_type=String(16), index=True)
    tx_hash: str | None = Field(default=None, max_length=66)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
