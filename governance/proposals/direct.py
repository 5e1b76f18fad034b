"""Proposals made on the governor directly (Tally, a script, `cast send`), recorded from their indexed events.

The indexer stores every `ProposalCreated` event of the deployment's governor; each one whose proposal id has
no row yet becomes a `direct` proposal. Its actions come from the event, its kind from them
(`governance/proposals/actions.py`): a dataset approval is linked to the dataset whose (root, manifest CID) it
approves, when this backend built that dataset and no other proposal holds it for that round. Recording is
idempotent, so the indexing task runs it after every pass.

A reorg that takes a `ProposalCreated` event away leaves the row; its state reads `unsubmitted` until the
proposal is made again. The keeper leaves direct proposals alone: queueing and executing are open to anyone,
and the relayer's gas is not for actions nobody here asked for.
"""

from pathlib import Path

from sqlmodel import Session, select
from web3 import Web3

from chain.bindings import Deployment, read_deployment
from chain.client import rpc_errors
from chain.indexer import DEPLOYMENT_CURSOR, events
from governance.proposals.actions import Action, DatasetApproval, actions_from_event, dataset_approval
from governance.proposals.demand import is_demand_proposal
from polyphony.db import session_scope
from polyphony.models.dataset import Dataset
from polyphony.models.indexer import ChainEvent
from polyphony.models.proposal import Proposal, ProposalKind, ProposalOrigin


def record_indexed_proposals(web3: Web3, *, deployments_dir: Path) -> int:
    """After an indexing pass: record the direct proposals it found, in a transaction of its own; how many."""
    with rpc_errors():
        deployment = read_deployment(deployments_dir, web3.eth.chain_id)
    if deployment is None:
        return 0
    with session_scope() as session:
        return len(record_direct_proposals(session, web3=web3, deployment=deployment))


def record_direct_proposals(session: Session, *, web3: Web3, deployment: Deployment) -> list[Proposal]:
    """A row for every indexed `ProposalCreated` of the governor that has none yet; the rows added (flushed)."""
    governor = Web3.to_checksum_address(deployment.contracts["governor"].address)
    known = set(session.exec(select(Proposal.proposal_id).where(Proposal.chain_id == deployment.chain_id)))
    added: list[Proposal] = []
    for event in events(session, cursor=DEPLOYMENT_CURSOR, contract=governor, name="ProposalCreated"):
        if str(event.args["proposalId"]) in known:
            continue
        proposal = _direct_proposal(session, event, web3=web3, deployment=deployment, governor=governor)
        session.add(proposal)
        session.flush()  # so the next approval of the same dataset and round sees this one holds it
        known.add(proposal.proposal_id)
        added.append(proposal)
    return added


def _direct_proposal(
    session: Session, event: ChainEvent, *, web3: Web3, deployment: Deployment, governor: str
) -> Proposal:
    actions = actions_from_event(event.args)
    approval = dataset_approval(web3, deployment, actions)
    proposal = Proposal(
        proposal_id=str(event.args["proposalId"]), chain_id=deployment.chain_id, governor=governor,
        kind=_kind(web3, deployment, actions, approval=approval), origin=ProposalOrigin.DIRECT,
        actions=[action.to_json() for action in actions], description=str(event.args["description"]),
        relayed=False,
    )  # fmt: skip
    if approval is not None:
        proposal.round_number, proposal.manifest_root = approval.round_number, approval.manifest_root
        proposal.manifest_cid, proposal.dataset_id = approval.manifest_cid, _free_dataset(session, approval)
    return proposal


def _kind(
    web3: Web3, deployment: Deployment, actions: list[Action], *, approval: DatasetApproval | None
) -> ProposalKind:
    if approval is not None:
        return ProposalKind.DATASET_APPROVAL
    return ProposalKind.DEMAND if is_demand_proposal(web3, deployment, actions) else ProposalKind.OTHER


def _free_dataset(session: Session, approval: DatasetApproval) -> int | None:
    """The id of the dataset `approval` approves, unless another proposal already holds it for that round."""
    dataset = session.exec(
        select(Dataset)
        .where(Dataset.root == approval.manifest_root.lower(), Dataset.manifest_cid == approval.manifest_cid)
        .order_by(Dataset.id)  # type: ignore[arg-type]
    ).first()
    if dataset is None:
        return None
    held = select(Proposal.id).where(Proposal.dataset_id == dataset.id, Proposal.round_number == approval.round_number)
    return None if session.exec(held).first() is not None else dataset.id
