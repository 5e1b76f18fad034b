"""Request and response models of proposals, relayed ballots and relayed delegations."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field
from web3 import Web3

from api.schemas.fields import MAX_ROW_ID, MAX_SAFE_INTEGER, MAX_STORED_INTEGER, Signature
from governance.proposals.actions import DecodedAction
from governance.proposals.demand import describe
from governance.proposals.service import SUPPORT, ProposalView
from governance.proposals.votes_cast import CastVote
from polyphony.models.proposal import ProposalKind, ProposalOrigin, RelayedBallot

_SUPPORT_NAMES = {number: name for name, number in SUPPORT.items()}
SupportName = Literal["for", "against", "abstain"]
# Checked by the service (a 400 `invalid_proposal_id` names the mistake), not by a pattern here (a 422).
ProposalIdPath = Annotated[
    str,
    Path(
        description="The governor's proposal id (a uint256 in decimal, ASCII digits only), or the proposal's "
        "short local `number`.",
        examples=["73490119420118462891604374425262958349451385094802418226539738421557938946097", "3"],
    ),
]


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
    """A one-action proposal's action as `propose` takes it (as one-element lists), and `queue`/`execute` with the
    description's hash."""

    governor: str
    target: str
    value: str = "0"
    calldata: str
    description: str
    description_hash: str


class ProposalCallPublic(BaseModel):
    """One call a proposal asks the timelock to make, decoded when its target is one of the deployment's contracts."""

    target: str
    value: str = Field(description="Wei sent with the call, as a decimal string.")
    calldata: str = Field(description="0x-hex, as the governor's `propose` took it.")
    contract: str | None = Field(description="The deployment's name of the target (e.g. datasetRegistry), or null "
                                 "when the target is not one of the deployment's contracts.")  # fmt: skip
    function: str | None = Field(description="The function called, e.g. approve(uint256,bytes32,string); null when "
                                 "not decoded.")  # fmt: skip
    args: dict[str, Any] | None = Field(description="Its named arguments (bytes as 0x-hex, every integer as a "
                                        "decimal string); null when not decoded.")  # fmt: skip
    says: str | None = Field(default=None, description="What the call does, in words, for a demand-registry "
                             "call (\"Set the language multiplier for 'fr' to 1.5x\"); null for others.")  # fmt: skip

    @classmethod
    def of(cls, decoded: DecodedAction) -> "ProposalCallPublic":
        """The public view of one decoded action."""
        action = decoded.action
        return cls(
            target=action.target, value=str(action.value), calldata="0x" + action.calldata.hex(),
            contract=decoded.contract, function=decoded.function, args=decoded.args, says=describe(decoded),
        )  # fmt: skip


class ProposalPublic(BaseModel):
    """A governor proposal, asked for here or made on the governor directly (Tally, a script), with its state,
    tallies and deadlines as the indexed governor events say."""

    id: str = Field(description="The governor's proposal id (uint256, decimal string: a JSON number would lose "
                    "precision), as Tally shows it.")  # fmt: skip
    number: int = Field(description="A short local number; /proposals/{number} works too.")
    kind: ProposalKind = Field(description="dataset_approval: its one action is the timelock calling the dataset "
                               "registry's approve (round, manifest_root and manifest_cid are decoded from it); "
                               "demand: every action sets the demand registry (multipliers, topics, review; each "
                               "action's `says` tells it in words); other: anything else (the dataset fields are "
                               "null but for a dataset approval).")  # fmt: skip
    origin: ProposalOrigin = Field(description="polyphony: asked for through this API or CLI; direct: made on the "
                                   "governor itself (Tally, a script), found by the indexer.")  # fmt: skip
    dataset_id: int | None = Field(description="The dataset approved, when this backend built it; else null.")
    round: int | None = Field(description="The training round a dataset approval is for; null for other kinds.")
    manifest_root: str | None
    manifest_cid: str | None
    curator: str | None = Field(description="Who asked for it here; null for a proposal made directly.")
    relayed: bool = Field(description="True when the backend's relayer sent `propose`.")
    state: str = Field(description="pending, active, canceled, defeated, succeeded, queued, expired, executed; "
                       "unsubmitted until the governor's ProposalCreated event is indexed.")  # fmt: skip
    votes: dict[str, str] = Field(description="for / against / abstain, in token base units (decimal strings), "
                                  "counting votes sent directly and relayed.")  # fmt: skip
    quorum: str | None = Field(description="Votes (for + abstain) needed; known once the snapshot has passed.")
    snapshot: int | None = Field(description="Unix time voting power is read at; voting opens right after.")
    deadline: int | None = Field(description="Unix time voting closes.")
    eta: int | None = Field(description="Unix time a queued proposal may execute from.")
    proposer: str | None = Field(description="Who sent `propose`, as the ProposalCreated event says.")
    transactions: dict[str, str]
    governor: str
    description: str = Field(description="The proposal text; its first line is the title governor clients show.")
    description_hash: str = Field(description="keccak256 of the description, as queue and execute take it.")
    actions: list[ProposalCallPublic] = Field(description="Every call, in order, as propose took them.")
    action: ProposalActionPublic | None = Field(
        description="The one action of a one-action proposal (every dataset approval); null when it has several "
        "(send `actions` to `propose` then)."
    )
    created_at: datetime = Field(description="When this backend recorded it.")

    @classmethod
    def of(cls, view: ProposalView) -> "ProposalPublic":
        """The public view of a proposal."""
        p = view.proposal
        description_hash = "0x" + Web3.keccak(text=p.description).hex().removeprefix("0x")
        actions = [ProposalCallPublic.of(decoded) for decoded in view.actions]
        action = None
        if len(actions) == 1:
            action = ProposalActionPublic(
                governor=p.governor, target=actions[0].target, value=actions[0].value, calldata=actions[0].calldata,
                description=p.description, description_hash=description_hash,
            )  # fmt: skip
        return cls(
            id=p.proposal_id, number=int(p.id or 0), kind=p.kind, origin=p.origin, dataset_id=p.dataset_id,
            round=p.round_number, manifest_root=p.manifest_root, manifest_cid=p.manifest_cid, curator=p.curator,
            relayed=p.relayed, state=view.state, votes={name: str(weight) for name, weight in view.votes.items()},
            quorum=None if view.quorum is None else str(view.quorum), snapshot=view.snapshot,
            deadline=view.deadline, eta=view.eta, proposer=view.proposer, transactions=view.transactions,
            governor=p.governor, description=p.description, description_hash=description_hash, actions=actions,
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


class VotePublic(BaseModel):
    """One vote on a proposal: counted by the governor (sent directly, or relayed), or a relayed ballot not counted
    (yet)."""

    id: int | None = Field(description="The relayed ballot's id; null for a vote sent to the governor directly.")
    voter: str
    support: str = Field(description="for, against or abstain.")
    relayed: bool = Field(description="True when handed in here and sent by the relayer (castVoteBySig).")
    status: str = Field(description="accepted (waiting for the relayer), mined (on chain; a direct vote always is) "
                        "or failed (the chain refused the relay; see error).")  # fmt: skip
    weight: str | None = Field(description="Votes counted, in token base units (decimal string); null until the "
                               "governor's VoteCast event is indexed.")  # fmt: skip
    reason: str | None = Field(description="The reason given on chain (castVoteWithReason), or empty; null until "
                               "counted.")  # fmt: skip
    nonce: int | None = Field(description="The governor nonce the relayed ballot signed; null when sent directly.")
    tx_hash: str | None
    block_number: int | None
    error: str | None
    created_at: datetime | None = Field(description="When the relayed ballot was handed in; null when sent directly.")

    @classmethod
    def of(cls, vote: CastVote) -> "VotePublic":
        """The public view of a vote."""
        ballot = vote.ballot
        return cls(
            id=None if ballot is None else ballot.id, voter=vote.voter, support=_SUPPORT_NAMES[vote.support],
            relayed=ballot is not None, status=str(vote.status),
            weight=None if vote.weight is None else str(vote.weight), reason=vote.reason,
            nonce=None if ballot is None else ballot.nonce, tx_hash=vote.tx_hash, block_number=vote.block_number,
            error=None if ballot is None else ballot.error, created_at=vote.created_at,
        )  # fmt: skip
