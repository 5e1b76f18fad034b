"""Reward epochs: close the epoch that is over (default queue), then publish, activate and relay (chain queue).

Each task reloads by number or id and calls one service; each is safe to run twice (see governance/rewards/epochs.py).
"""

from chain.client import connect
from chain.keys import KeyRole
from chain.senders import actor_for, configured_deployment
from governance.rewards import claims, epochs
from polyphony.clock import utcnow
from polyphony.errors import Unavailable
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from workers.app import app


@app.task(name="rewards.close_due_epoch", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def close_due_epoch() -> int | None:
    """Close the epoch that ended, if none covers it yet; its number (its root is proposed next, by job)."""
    settings = get_settings()
    deployment = configured_deployment(settings)
    if deployment is None:
        return None
    epoch = epochs.close_due_epoch(
        now=utcnow(), policy=epochs.EpochPolicy.of(settings), deployment=deployment,
        storage=storage_from_settings(settings), web3=connect(settings.effective_chain_rpc_url),
    )  # fmt: skip
    return epoch.number if epoch else None


@app.task(name="rewards.propose_epoch_root", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def propose_epoch_root(number: int) -> str:
    """Propose epoch `number`'s cumulative root to the distributor with the rewarder key; its status after."""
    rewarder = actor_for(get_settings(), KeyRole.REWARDER)
    if rewarder is None:
        return "no deployment"
    return str(epochs.propose(number, sender=rewarder.sender, deployment=rewarder.deployment).status)


@app.task(name="rewards.keep_epochs", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def keep_epochs() -> list[int]:
    """Mark revoked roots, propose computed epochs, activate roots whose challenge delay is over."""
    rewarder = actor_for(get_settings(), KeyRole.REWARDER)
    return epochs.keep(sender=rewarder.sender, deployment=rewarder.deployment) if rewarder else []


@app.task(name="rewards.relay_claim", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def relay_claim(claim_id: int) -> str:
    """Send relayed claim `claim_id` with the relayer key; its status after."""
    relayer = actor_for(get_settings(), KeyRole.RELAYER)
    if relayer is None:
        return "no deployment"
    return str(claims.relay(claim_id, sender=relayer.sender, deployment=relayer.deployment).status)
