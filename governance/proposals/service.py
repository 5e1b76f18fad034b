"""Proposals: a curator asks the DAO to approve a dataset for a training round; what the vote stands at.

Proposals made on the governor directly (Tally, a script) are recorded from their indexed `ProposalCreated`
events by `governance/proposals/direct.py` and shown here the same way, whatever their actions.

A proposal's single action is the timelock calling `DatasetRegistry.approve(round, root, manifestCid)`, and its
description names the dataset and its manifest CID, so any OZ Governor client (Tally) shows a normal proposal.
Its id is the governor's `hashProposal`, computed here before anything is sent.

Who proposes: by default the relayer key, on the curator's behalf (the curator signs in; the backend pays gas).
The governor lets an address propose only with at least `proposalThreshold` votes. The deployment's default
threshold is 0, so the relayer can; an operator who sets a threshold makes curators propose from their own
wallet (`relay: false`, `polyphony propose --self`) and the relayed path answers 409 saying so.

State, tallies, snapshot, deadline and eta come from the indexed governor events and the chain's clock; the
quorum (fixed at the snapshot) from a view call.
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from web3 import Web3
from web3.exceptions import ContractLogicError

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.indexer import DEPLOYMENT_CURSOR, events
from chain.keys import KeyRole, load_keys
from governance.proposals.actions import Action, DecodedAction, decode, governor_args_of
from governance.proposals.errors import (
    AlreadyProposed,
    InvalidProposalId,
    NotTheCurator,
    ProposalDatasetNotFound,
    ProposalNotFound,
    ProposalThresholdNotMet,
)
from polyphony.db import page_of
from polyphony.jobs import enqueue
from polyphony.models.dataset import Dataset
from polyphony.models.indexer import ChainEvent
from polyphony.models.proposal import Proposal, ProposalKind, ProposalOrigin
from polyphony.tokens import format_tokens

# OZ IGovernor.ProposalState, in its order; "unsubmitted" is ours: no ProposalCreated event indexed yet.
STATES = ("pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed")
FINAL_STATES = frozenset({"canceled", "defeated", "expired", "executed"})
SUPPORT = {"against": 0, "for": 1, "abstain": 2}  # GovernorCountingSimple.VoteType
_GOVERNOR_EVENTS = ("ProposalCreated", "VoteCast", "VoteCastWithParams", "ProposalQueued", "ProposalExecuted",
                    "ProposalCanceled")  # fmt: skip
# Proposal ids are keccak hashes: any id this short is a local proposal number instead.
_LOCAL_NUMBER_DIGITS = 15
_UINT256_LIMIT = 2**256


@dataclass(frozen=True)
class ProposalView:
    """A proposal as the indexer and the chain's clock see it."""

    proposal: Proposal
    state: str
    votes: dict[str, int]  # "for" / "against" / "abstain" -> weight in token base units
    quorum: int | None  # votes needed (for + abstain), known once the snapshot has passed
    snapshot: int | None  # timestamp the voting power is read at; voting opens just after it
    deadline: int | None  # timestamp voting closes at
    eta: int | None  # timestamp the queued action may execute from
    proposer: str | None
    transactions: dict[str, str]  # "created" / "queued" / "executed" / "canceled" -> tx hash
    actions: list[DecodedAction]


def approval_description(dataset: Dataset, *, round_number: int) -> str:
    """The proposal text: its first line is the title governor clients show; the manifest is linked."""
    return (
        f"# Approve dataset {dataset.name} ({dataset.manifest_cid}) for training round {round_number}\n\n"
        f"Manifest (Croissant JSON-LD): ipfs://{dataset.manifest_cid}\n\n"
        f"Merkle root over its {dataset.item_count} contributions: {dataset.root}\n\n"
        f"Curator: {dataset.curator}\n"
    )


def proposal_id_of(*, target: str, calldata: bytes, description: str) -> int:
    """The governor's `hashProposal` of a one-action proposal, computed without the chain."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [[Web3.to_checksum_address(target)], [0], [calldata], Web3.keccak(text=description)],
    )
    return int.from_bytes(Web3.keccak(encoded), "big")


def governor_args(proposal: Proposal) -> tuple[list[str], list[int], list[bytes]]:
    """(targets, values, calldatas) of `proposal`, as propose, queue and execute take them."""
    return governor_args_of(actions_of(proposal))


def actions_of(proposal: Proposal) -> list[Action]:
    """The calls `proposal` asks for, in order."""
    return [Action.from_json(stored) for stored in proposal.actions]


def description_hash(proposal: Proposal) -> bytes:
    """keccak256 of the description, as queue and execute take it."""
    return bytes(Web3.keccak(text=proposal.description))


def create_proposal(
    session: Session, *, web3: Web3, deployment: Deployment, dataset_id: int, round_number: int, curator: str,
    relay: bool, keys_dir: Path,
) -> Proposal:  # fmt: skip
    """Record the proposal to approve dataset `dataset_id` for `round_number`; when relayed, have it sent."""
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise ProposalDatasetNotFound(f"there is no dataset {dataset_id}: create it first (POST /datasets)")
    if dataset.curator.lower() != curator.lower():
        raise NotTheCurator(f"dataset {dataset_id} was curated by {dataset.curator}: only its curator proposes it")
    _refuse_second_proposal(session, dataset_id=dataset_id, round_number=round_number)
    if relay:
        check_relayer_may_propose(web3, deployment, keys_dir=keys_dir)
    proposal = _new_proposal(web3, deployment, dataset, round_number=round_number, relay=relay)
    session.add(proposal)
    try:
        session.flush()
    except IntegrityError:
        raise _already_proposed(dataset_id, round_number) from None
    if relay:
        enqueue(session, "governance.submit_proposal", proposal_ref=proposal.id)
    return proposal


def _refuse_second_proposal(session: Session, *, dataset_id: int, round_number: int) -> None:
    existing = session.exec(
        select(Proposal).where(Proposal.dataset_id == dataset_id, Proposal.round_number == round_number)
    ).first()
    if existing is not None:
        raise _already_proposed(dataset_id, round_number, existing.proposal_id)


def _already_proposed(dataset_id: int, round_number: int, proposal_id: str | None = None) -> AlreadyProposed:
    which = f" (proposal {proposal_id})" if proposal_id else ""
    return AlreadyProposed(f"dataset {dataset_id} is already proposed for round {round_number}{which}")


def check_relayer_may_propose(web3: Web3, deployment: Deployment, *, keys_dir: Path) -> None:
    """Raise unless the relayer holds the votes the governor needs to propose (none, by default)."""
    governor, token = deployment.bind(web3, "governor"), deployment.bind(web3, "token")
    with rpc_errors():
        threshold = int(governor.functions.proposalThreshold().call())
        if threshold == 0:
            return
        relayer = load_keys(keys_dir)[KeyRole.RELAYER].address
        clock = int(token.functions.clock().call())
        votes = int(token.functions.getPastVotes(relayer, clock - 1).call())
    if votes < threshold:
        raise ProposalThresholdNotMet(
            f"the governor needs {format_tokens(threshold)} of votes to propose and the relayer holds "
            f"{format_tokens(votes)}: propose from your own "
            'wallet instead (`polyphony propose --self`, or POST /proposals with "relay": false)'
        )


def _new_proposal(web3: Web3, deployment: Deployment, dataset: Dataset, *, round_number: int, relay: bool) -> Proposal:
    registry = deployment.bind(web3, "datasetRegistry")
    call = call_of(registry, "approve", round_number, bytes.fromhex(dataset.root[2:]), dataset.manifest_cid)
    description = approval_description(dataset, round_number=round_number)
    proposal_id = proposal_id_of(target=registry.address, calldata=call.data, description=description)
    return Proposal(
        proposal_id=str(proposal_id), chain_id=deployment.chain_id,
        governor=deployment.contracts["governor"].address, dataset_id=int(dataset.id or 0),
        round_number=round_number, manifest_root=dataset.root, manifest_cid=dataset.manifest_cid,
        actions=[Action(registry.address, 0, call.data).to_json()], description=description,
        curator=dataset.curator, relayed=relay,
    )  # fmt: skip


def get_proposal(session: Session, proposal_id: str) -> Proposal:
    """The proposal with governor id `proposal_id` (or, for a short number, the local proposal number)."""
    canonical = _canonical_proposal_id(proposal_id)
    found = session.exec(select(Proposal).where(Proposal.proposal_id == canonical)).first()
    if found is None and len(canonical) <= _LOCAL_NUMBER_DIGITS:
        found = session.get(Proposal, int(canonical))
    if found is None:
        raise ProposalNotFound(f"there is no proposal {canonical}: list them with GET /proposals")
    return found


def _canonical_proposal_id(proposal_id: str) -> str:
    """`proposal_id` as the governor writes it (decimal, no leading zeros); a 400 unless it is a uint256."""
    # isdigit alone takes other scripts' digits ("١٢"), which int() reads but no client means.
    if proposal_id.isascii() and proposal_id.isdigit() and len(proposal_id) <= 80 and int(proposal_id) < _UINT256_LIMIT:
        return str(int(proposal_id))
    shown = proposal_id if len(proposal_id) <= 40 else proposal_id[:40] + "..."
    raise InvalidProposalId(
        f"{shown!r} is not a proposal id: use the governor's id (a uint256 in decimal, ASCII digits only, as "
        "GET /proposals gives it in `id`) or the proposal's short `number`"
    )


def list_proposals(
    session: Session, *, round_number: int | None, dataset_id: int | None, kind: ProposalKind | None,
    origin: ProposalOrigin | None, offset: int, limit: int,
) -> tuple[list[Proposal], int]:  # fmt: skip
    """One page of proposals, newest first, by round, dataset, kind and origin, and how many match in all."""
    query = select(Proposal)
    if round_number is not None:
        query = query.where(Proposal.round_number == round_number)
    if dataset_id is not None:
        query = query.where(Proposal.dataset_id == dataset_id)
    if kind is not None:
        query = query.where(Proposal.kind == kind)
    if origin is not None:
        query = query.where(Proposal.origin == origin)
    return page_of(session, query.order_by(col(Proposal.id).desc()), offset=offset, limit=limit)


def proposal_events(session: Session, proposal: Proposal) -> list[ChainEvent]:
    """The indexed governor events of `proposal`, oldest first."""
    return events_by_proposal(session, proposal.governor).get(proposal.proposal_id, [])


def events_by_proposal(session: Session, governor: str) -> dict[str, list[ChainEvent]]:
    """Every indexed proposal event of `governor`, by proposal id (decimal), each list oldest first."""
    grouped: dict[str, list[ChainEvent]] = defaultdict(list)
    for name in _GOVERNOR_EVENTS:
        for event in events(session, cursor=DEPLOYMENT_CURSOR, contract=governor, name=name):
            grouped[str(event.args.get("proposalId"))].append(event)
    for found in grouped.values():
        found.sort(key=lambda event: (event.block_number, event.log_index))
    return grouped


def view_proposals(
    session: Session, proposals: list[Proposal], *, web3: Web3, deployment: Deployment
) -> list[ProposalView]:
    """`view_proposal` of each of `proposals`, reading the governor's events once for the lot."""
    by_governor = {governor: events_by_proposal(session, governor) for governor in {p.governor for p in proposals}}
    return [
        view_proposal(
            session, p, web3=web3, deployment=deployment, found=by_governor[p.governor].get(p.proposal_id, [])
        )
        for p in proposals
    ]


def view_proposal(
    session: Session, proposal: Proposal, *, web3: Web3, deployment: Deployment, found: list[ChainEvent] | None = None
) -> ProposalView:
    """`proposal`'s state, tallies, quorum, deadlines and transactions, from the indexer and the chain's clock.

    `found`: the proposal's events when the caller has read them already (`view_proposals`).
    """
    found = proposal_events(session, proposal) if found is None else found
    decoded = [decode(web3, deployment, action) for action in actions_of(proposal)]
    by_name: dict[str, ChainEvent] = {event.name: event for event in found}
    votes = tally(found)
    created = by_name.get("ProposalCreated")
    if created is None:
        return ProposalView(proposal, "unsubmitted", votes, None, None, None, None, None, {}, decoded)
    snapshot, deadline = int(created.args["voteStart"]), int(created.args["voteEnd"])
    with rpc_errors():
        now = int(web3.eth.get_block("latest")["timestamp"])
        quorum = _quorum(deployment.bind(web3, "governor"), snapshot) if now > snapshot else None
    queued = by_name.get("ProposalQueued")
    return ProposalView(
        proposal, _state(by_name, now=now, snapshot=snapshot, deadline=deadline, votes=votes, quorum=quorum),
        votes, quorum, snapshot, deadline, int(queued.args["etaSeconds"]) if queued else None,
        str(created.args["proposer"]),
        {step: by_name[name].tx_hash for step, name in _STEPS.items() if name in by_name}, decoded,
    )  # fmt: skip


_SETTLING_EVENTS = (("ProposalExecuted", "executed"), ("ProposalCanceled", "canceled"), ("ProposalQueued", "queued"))
_STEPS = {"created": "ProposalCreated", "queued": "ProposalQueued", "executed": "ProposalExecuted",
          "canceled": "ProposalCanceled"}  # fmt: skip


def tally(found: list[ChainEvent]) -> dict[str, int]:
    """For, against and abstain weights of the VoteCast events in `found`."""
    votes = dict.fromkeys(SUPPORT, 0)
    names = {number: name for name, number in SUPPORT.items()}
    for event in found:
        if event.name in ("VoteCast", "VoteCastWithParams"):
            votes[names[int(event.args["support"])]] += int(event.args["weight"])
    return votes


def _quorum(governor: Any, snapshot: int) -> int | None:
    try:
        return int(governor.functions.quorum(snapshot).call())
    except ContractLogicError:  # the node's clock has not passed the snapshot yet
        return None


def _state(
    by_name: dict[str, ChainEvent], *, now: int, snapshot: int, deadline: int, votes: dict[str, int], quorum: int | None
) -> str:
    """OZ Governor's `state()`, replayed from the events (GovernorCountingSimple: for + abstain meet quorum)."""
    for name, state in _SETTLING_EVENTS:
        if name in by_name:
            return state
    if now <= snapshot:
        return "pending"
    if now <= deadline:
        return "active"
    reached = quorum is not None and votes["for"] + votes["abstain"] >= quorum
    return "succeeded" if reached and votes["for"] > votes["against"] else "defeated"
