"""Governance tasks: relayed proposals, ballots and delegations, and the keeper (all on the chain queue)."""

from chain.keys import KeyRole
from chain.senders import actor_for
from governance.proposals import keeper, votes
from polyphony.errors import Unavailable
from polyphony.settings import get_settings
from workers.app import app


@app.task(name="governance.submit_proposal", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def submit_proposal(proposal_ref: int) -> str | None:
    """Send a relayed proposal's `propose` (once); return its tx hash, None when there is nothing to send."""
    relayer = actor_for(get_settings(), KeyRole.RELAYER)
    return keeper.submit_proposal(proposal_ref, relayer=relayer) if relayer else None


@app.task(name="governance.relay_ballot", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def relay_ballot(ballot_id: int) -> str | None:
    """Send an accepted ballot to `castVoteBySig` (once); return its relay status."""
    relayer = actor_for(get_settings(), KeyRole.RELAYER)
    if relayer is None:
        return None
    return str(votes.relay_ballot(ballot_id, sender=relayer.sender, deployment=relayer.deployment).status)


@app.task(name="governance.relay_delegation", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def relay_delegation(delegation_id: int) -> str | None:
    """Send an accepted delegation to `delegateBySig` (once); return its relay status."""
    relayer = actor_for(get_settings(), KeyRole.RELAYER)
    if relayer is None:
        return None
    return str(votes.relay_delegation(delegation_id, sender=relayer.sender, deployment=relayer.deployment).status)


@app.task(name="governance.keep_proposals", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def keep_proposals() -> list[str]:
    """Submit, queue and execute the proposals that are due; return what was done."""
    relayer = actor_for(get_settings(), KeyRole.RELAYER)
    return keeper.keep_proposals(relayer=relayer) if relayer else []
