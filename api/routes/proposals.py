"""Proposals: propose a dataset for a training round, follow the vote, and hand in signed ballots."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentContributor, DeploymentDep, RelayAdmission, SessionDep, SettingsDep, Web3Dep
from api.schemas.demand import DemandProposalRequest
from api.schemas.errors import ErrorPublic
from api.schemas.fields import MAX_ROW_ID, MAX_STORED_INTEGER, Offset
from api.schemas.pages import Page
from api.schemas.proposals import (
    BallotRequest,
    ProposalIdPath,
    ProposalPublic,
    ProposalRequest,
    RelayedBallotPublic,
    SupportName,
    VotePublic,
)
from governance.proposals import demand, votes
from governance.proposals import service as proposals
from governance.proposals.service import SUPPORT
from governance.proposals.votes_cast import votes_on
from polyphony.models.proposal import ProposalKind, ProposalOrigin

router = APIRouter(prefix="/proposals", tags=["governance"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic} for code in (400, 401, 403, 404, 409, 429, 503)
}


@router.post("", status_code=201, response_model=ProposalPublic, responses=_ERRORS)
def create_proposal(
    body: ProposalRequest, session: SessionDep, me: CurrentContributor, web3: Web3Dep, deployment: DeploymentDep,
    settings: SettingsDep, admit: RelayAdmission,
) -> ProposalPublic:  # fmt: skip
    """Propose the signed-in curator's dataset for a round: the timelock calling DatasetRegistry.approve.

    Relayed (default): the backend sends `propose`. With `"relay": false` it is only recorded, and the curator
    sends the returned `action` to the governor's `propose` from their own wallet.
    """
    proposal = proposals.create_proposal(
        session, web3=web3, deployment=deployment, dataset_id=body.dataset_id, round_number=body.round,
        curator=me, relay=body.relay, keys_dir=settings.keys_dir,
    )  # fmt: skip
    if body.relay:
        admit(action="proposals", address=me)
    return ProposalPublic.of(proposals.view_proposal(session, proposal, web3=web3, deployment=deployment))


@router.post("/demand", status_code=201, response_model=ProposalPublic, responses=_ERRORS)
def create_demand_proposal(
    body: DemandProposalRequest, session: SessionDep, me: CurrentContributor, web3: Web3Dep,
    deployment: DeploymentDep, settings: SettingsDep, admit: RelayAdmission,
) -> ProposalPublic:  # fmt: skip
    """Propose demand changes (multipliers, topics, review parameters): the timelock calling the DemandRegistry.

    Each change is checked against the registry's bounds and state now (400 `invalid_demand` naming it). Relayed
    (default): the backend sends `propose`. With `"relay": false` it is only recorded, and the proposer sends the
    returned `actions` to the governor's `propose` from their own wallet.
    """
    proposal = demand.create_demand_proposal(
        session, web3=web3, deployment=deployment, changes=body.changes(), proposer=me, relay=body.relay,
        keys_dir=settings.keys_dir,
    )  # fmt: skip
    if body.relay:
        admit(action="proposals", address=me)
    return ProposalPublic.of(proposals.view_proposal(session, proposal, web3=web3, deployment=deployment))


@router.get("", response_model=Page[ProposalPublic], responses=_ERRORS)
def list_proposals(
    session: SessionDep, web3: Web3Dep, deployment: DeploymentDep,
    round_number: Annotated[int | None, Query(alias="round", ge=0, le=MAX_STORED_INTEGER)] = None,
    dataset_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    kind: ProposalKind | None = None, origin: ProposalOrigin | None = None,
    offset: Offset = 0, limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ProposalPublic]:  # fmt: skip
    """Proposals, newest first, by round, dataset, kind and origin, each with its state, tallies and decoded actions.

    Proposals made on the governor directly (Tally, a script) are listed too (`origin: direct`), whatever they do
    (`kind: other` when they do anything but approve a dataset).
    """
    page, total = proposals.list_proposals(
        session, round_number=round_number, dataset_id=dataset_id, kind=kind, origin=origin, offset=offset,
        limit=limit,
    )  # fmt: skip
    items = [
        ProposalPublic.of(view) for view in proposals.view_proposals(session, page, web3=web3, deployment=deployment)
    ]
    return Page.of(items, total=total, offset=offset, limit=limit)


@router.get("/{proposal_id}", response_model=ProposalPublic, responses=_ERRORS)
def get_proposal(
    proposal_id: ProposalIdPath, session: SessionDep, web3: Web3Dep, deployment: DeploymentDep
) -> ProposalPublic:
    """One proposal: state, tallies, quorum, snapshot, deadline and eta, from the indexed governor events."""
    proposal = proposals.get_proposal(session, proposal_id)
    return ProposalPublic.of(proposals.view_proposal(session, proposal, web3=web3, deployment=deployment))


@router.get("/{proposal_id}/ballot", responses=_ERRORS)
def get_ballot(
    proposal_id: ProposalIdPath,
    voter: str,
    support: SupportName,
    session: SessionDep,
    web3: Web3Dep,
    deployment: DeploymentDep,
) -> dict[str, Any]:
    """The EIP-712 Ballot (as `eth_signTypedData_v4` takes it) `voter` signs to vote `support` by relay."""
    proposal = proposals.get_proposal(session, proposal_id)
    return votes.ballot_typed_data(web3, deployment, proposal, voter=voter, support=SUPPORT[support])


@router.post("/{proposal_id}/votes", status_code=202, response_model=RelayedBallotPublic, responses=_ERRORS)
def relay_vote(
    proposal_id: ProposalIdPath, body: BallotRequest, session: SessionDep, web3: Web3Dep, deployment: DeploymentDep,
    admit: RelayAdmission,
) -> RelayedBallotPublic:  # fmt: skip
    """Hand in a signed Ballot; once every check passes (signer, active, not yet voted, nonce) it is relayed (429
    past the relayer's quotas or spending cap)."""
    proposal = proposals.get_proposal(session, proposal_id)
    ballot = votes.accept_ballot(
        session, proposal, web3=web3, deployment=deployment, voter=body.voter, support=body.support_number,
        signature=bytes.fromhex(body.signature[2:]), nonce=body.nonce,
    )  # fmt: skip
    admit(action="ballots", address=ballot.voter)
    return RelayedBallotPublic.of(ballot)


@router.get("/{proposal_id}/votes", response_model=Page[VotePublic], responses=_ERRORS)
def list_votes(
    proposal_id: ProposalIdPath, session: SessionDep, offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[VotePublic]:  # fmt: skip
    """Every vote on this proposal: first those the governor counted, in chain order (sent directly, from Tally or
    a wallet, or relayed here), then relayed ballots not counted yet (accepted, or failed with the reason)."""
    proposal = proposals.get_proposal(session, proposal_id)
    page, total = votes_on(session, proposal, offset=offset, limit=limit)
    return Page.of([VotePublic.of(vote) for vote in page], total=total, offset=offset, limit=limit)
