"""Governance: proposals to approve a dataset for a training round, and the ballots and delegations we relay.

A `Proposal` row is written when a curator asks for one (origin `polyphony`); its id is the governor's own
proposal id (`hashProposal` of its actions and description), known before anything is sent. A proposal made
on the governor directly (Tally, a script: origin `direct`) gets its row when its `ProposalCreated` event is
indexed. Either is of kind `dataset_approval` (its one action is the timelock calling the dataset registry's
`approve`; the round, root and manifest CID are decoded from it), `demand` (every action sets the demand
registry: multipliers, topics, review parameters) or `other` (the dataset fields are null for both).
Its state, tallies and deadlines are read from the indexed governor events, never stored here. `final_state`
is set by the keeper once the state can no longer change, so it stops looking at the proposal.

A relayed ballot or delegation is a user's signature the backend checked and then paid gas for: one row per
signature, unique where the chain would accept it only once, so a replay is refused before it costs anything.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from polyphony.clock import utcnow


class ProposalKind(StrEnum):
    DATASET_APPROVAL = "dataset_approval"  # one action: the timelock calling DatasetRegistry.approve
    DEMAND = "demand"  # every action a setter of the DemandRegistry (multipliers, topics, review parameters)
    OTHER = "other"  # anything else a governor proposal can do


class ProposalOrigin(StrEnum):
    POLYPHONY = "polyphony"  # asked for through this backend (POST /proposals, `polyphony propose`)
    DIRECT = "direct"  # made on the governor itself (Tally, a script), found by the indexer


class Proposal(SQLModel, table=True):
    """A governor proposal: a dataset approval asked for here, or any proposal made on the governor directly."""

    __tablename__ = "proposal"
    __table_args__ = (UniqueConstraint("dataset_id", "round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: str = Field(max_length=78, unique=True)  # the governor's uint256 id, in decimal
    chain_id: int = Field(sa_type=BigInteger)
    governor: str = Field(max_length=42)
    kind: ProposalKind = Field(default=ProposalKind.DATASET_APPROVAL, sa_type=String(32), index=True)
    origin: ProposalOrigin = Field(default=ProposalOrigin.POLYPHONY, sa_type=String(16), index=True)
    # A dataset approval's decoded action; the dataset is linked when its (root, manifest CID) is known here.
    dataset_id: int | None = Field(default=None, foreign_key="dataset.id", index=True)
    round_number: int | None = Field(default=None, sa_type=BigInteger)
    manifest_root: str | None = Field(default=None, max_length=66)
    manifest_cid: str | None = Field(default=None, max_length=100)
    # What propose, queue and execute take, in order: [{"target", "value" (decimal string), "calldata" (0x-hex)}].
    actions: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    curator: str | None = Field(default=None, max_length=42, index=True)  # who asked here; null when direct
    relayed: bool  # True: the relayer key proposes; False: the curator (or, when direct, anyone) sent `propose`
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
