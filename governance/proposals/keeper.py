"""The keeper: submits relayed proposals, queues the ones that passed, executes the queued ones when due.

It runs on the chain queue (one worker, so one nonce owner for the relayer key) from the beat schedule. Each
move is a transaction intent named by the proposal id ("proposal:queue:<governor>:<id>"), so a keeper run
cut short, or two runs in a row, never sends anything twice. Before each move the governor's own `state()`
is asked: the keeper never sends a transaction the governor would refuse. Queue and execute are open to
anyone, so holders and other clients (Tally) may do them first; the keeper then finds nothing to do.

The keeper moves only the proposals asked for through this backend. Proposals made on the governor directly
(`governance/proposals/direct.py`) are listed and counted, but their proposer or anyone else queues and
executes them: the relayer pays gas only for actions someone asked for here.
"""

import logging

from sqlmodel import col, select
from web3 import Web3
from web3.contract import Contract

from chain.bindings import call_of
from chain.errors import TxReverted
from chain.senders import Actor
from chain.tx import Call
from governance.proposals.service import FINAL_STATES, STATES, description_hash, governor_args
from polyphony.db import session_scope
from polyphony.models.proposal import Proposal, ProposalOrigin

log = logging.getLogger(__name__)


def submit_proposal(proposal_ref: int, *, relayer: Actor) -> str | None:
    """Send relayed proposal `proposal_ref`'s `propose` unless the governor has it already; the tx hash.

    A workflow that owns its transactions: it reads in one, sends and waits for the receipt outside any (a
    transaction open across a receipt wait would hold the database), and records the outcome in another.
    """
    with session_scope() as session:
        proposal = session.get_one(Proposal, proposal_ref)
    governor = relayer.deployment.bind(relayer.sender.web3, "governor")
    if not proposal.relayed or int(governor.functions.proposalSnapshot(int(proposal.proposal_id)).call()) != 0:
        return None
    call = call_of(governor, "propose", *governor_args(proposal), proposal.description)
    return relayer.sender.send(f"proposal:propose:{governor.address}:{proposal.proposal_id}", call).tx_hash


def keep_proposals(*, relayer: Actor) -> list[str]:
    """One keeper pass over every proposal not yet settled; what it did, e.g. ["queue 123..."].

    A workflow that owns its transactions: it reads in one, sends and waits for the receipt outside any (a
    transaction open across a receipt wait would hold the database), and records the outcome in another.
    """
    with session_scope() as session:
        open_proposals = list(
            session.exec(
                select(Proposal)
                .where(Proposal.chain_id == relayer.deployment.chain_id, col(Proposal.final_state).is_(None))
                .where(Proposal.origin == ProposalOrigin.POLYPHONY)
                .order_by(col(Proposal.id))
            )
        )
    done: list[str] = []
    for proposal in open_proposals:
        try:
            move = _keep(proposal, relayer=relayer)
        except TxReverted as refused:  # e.g. someone else queued it between our view call and our send
            log.warning("proposal %s: %s", proposal.proposal_id, refused.message)
            continue
        if move:
            done.append(f"{move} {proposal.proposal_id}")
    return done


def _keep(proposal: Proposal, *, relayer: Actor) -> str | None:
    web3 = relayer.sender.web3
    governor = relayer.deployment.bind(web3, "governor")
    pid = int(proposal.proposal_id)
    if int(governor.functions.proposalSnapshot(pid).call()) == 0:
        return "propose" if submit_proposal(int(proposal.id or 0), relayer=relayer) else None
    state = STATES[int(governor.functions.state(pid).call())]
    intent = f"{governor.address}:{proposal.proposal_id}"
    if state == "succeeded":
        relayer.sender.send(f"proposal:queue:{intent}", _lifecycle_call(governor, "queue", proposal))
        return "queue"
    if state == "queued" and _due(web3, int(governor.functions.proposalEta(pid).call())):
        relayer.sender.send(f"proposal:execute:{intent}", _lifecycle_call(governor, "execute", proposal))
        _settle(proposal, "executed")
        return "execute"
    if state in FINAL_STATES:
        _settle(proposal, state)
    return None


def _lifecycle_call(governor: Contract, step: str, proposal: Proposal) -> Call:
    return call_of(governor, step, *governor_args(proposal), description_hash(proposal))


def _due(web3: Web3, eta: int) -> bool:
    return eta != 0 and int(web3.eth.get_block("latest")["timestamp"]) >= eta


def _settle(proposal: Proposal, state: str) -> None:
    with session_scope() as session:
        row = session.get_one(Proposal, proposal.id)
        row.final_state = state
        session.add(row)
