"""Request and response models of proposals, relayed ballots and relayed delegations."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from web3 import Web3

from api.schemas.fields import MAX_ROW_ID, MAX_SAFE_INTEGER, MAX_STORED_INTEGER, Signature
from governance.proposals.service import SUPPORT, ProposalView
from polyphony.models.proposal import RelayedBallot

_SUPPORT_NAMES = {number: name for name, number in SUPPORT.items()}
SupportName = Literal["for", "against", "abstain"]


class ProposalRequest(BaseModel):
    """`POST /proposals`: propose dataset `dataset_id` for training round `round`."""

    dataset_id: int = Field(ge=1, le=MAX_ROW_ID)
    round: int = Field(ge=0, le=MAX_SAFE_INTEGER)
    relay: bool = Field(
        default=True,
        description="True: the backend's relayer sends `propose` and pays gas. False: only record it and return "
        "the action, which the curator sends from their own wallet (needed when the proposal threshold is > 0).",
    )


class ProposalActionPublic(BaseModel):
    """What `propose` takes (as one-element lists), and `queue`/`execute` with the description's hash."""

    governor: str
    target: str
    value: str = "0"
    calldata: str
    description: str
    description_hash: str


class ProposalPublic(BaseModel):
    """A proposal with its state, tallies and deadlines as the indexed governor events say."""

    id: str = Field(description="The governor's proposal id (uint256, decimal), as Tally shows it.")
    number: int = Field(description="A short local number; /proposals/{number} works too.")
    dataset_id: int
    round: int
    manifest_root: str
    manifest_cid: str
    curator: str
    relayed: bool
    state: str = Field(description="pending, active, canceled, defeated, succeeded, queued, expired, executed; "
                       "unsubmitted until the governor's ProposalCreated event is indexed.")  # fmt: skip
    votes: dict[str, str] = Field(description="for / against / abstain, in token base units (decimal strings).")
    quorum: str | None = Field(description="Votes (for + abstain) needed; known once the snapshot has passed.")
    snapshot: int | None = Field(description="Unix time voting power is read at; voting opens right after.")
    deadline: int | None = Field(description="Unix time voting closes.")
    eta: int | None = Field(description="Unix time a queued proposal may execute from.")
    proposer: str | None
    transactions: dict[str, str]
    action: ProposalActionPublic
    created_at: datetime

    @classmethod
    def of(cls, view: ProposalView) -> "ProposalPublic":
        """The public view of a proposal."""
        p = view.proposal
        action = ProposalActionPublic(
            governor=p.governor, target=p.target, calldata=p.calldata, description=p.description,
            description_hash="0x" + Web3.keccak(text=p.description).hex().removeprefix("0x"),
        )  # fmt: skip
        return cls(
            id=p.proposal_id, number=int(p.id or 0), dataset_id=p.dataset_id, round=p.round_number,
            manifest_root=p.manifest_root, manifest_cid=p.manifest_cid, curator=p.curator, relayed=p.relayed,
            state=view.state, votes={name: str(weight) for name, weight in view.votes.items()},
            quorum=None if view.quorum is None else str(view.quorum), snapshot=view.snapshot,
            deadline=view.deadline, eta=view.eta, proposer=view.proposer, transactions=view.transactions,
            action=action, created_at=p.created_at,
        )  # fmt: skip


class BallotRequest(BaseModel):
    """`POST /proposals/{id}/votes`: a holder's OZ `Ballot` signature, relayed to `castVoteBySig`."""

    voter: str
    support: SupportName | Literal[0, 1, 2] = Field(description="for, against, abstain (or 1, 0, 2).")
    signature: Signature
    nonce: int | None = Field(
        default=None, ge=0, le=MAX_STORED_INTEGER, description="The nonce signed; default: the voter's current."
    )

    @property
    def support_number(self) -> int:
        """Support as GovernorCountingSimple numbers it."""
        return self.support if isinstance(self.support, int) else SUPPORT[self.support]


class RelayedBallotPublic(BaseModel):
    """A relayed ballot: accepted (checked, waiting for the relayer), mined, or failed (with the reason)."""

    id: int
    voter: str
    support: str
    nonce: int
    status: str
    tx_hash: str | None
    error: str | None
    created_at: datetime

    @classmethod
    def of(cls, ballot: RelayedBallot) -> "RelayedBallotPublic":
        """The public view of a relayed ballot."""
        fields: dict[str, Any] = ballot.model_dump(include={"id", "voter", "nonce", "tx_hash", "error", "created_at"})
        return cls(**fields, support=_SUPPORT_NAMES[ballot.support], status=str(ballot.status))
