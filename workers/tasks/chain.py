"""Chain tasks: the event indexer (and the direct proposals it finds), claim and revocation anchoring, and the
senders' resumption (on the chain queue, see polyphony.queue)."""

from chain.anchoring import anchor_with_settings
from chain.client import connect
from chain.indexer import index_deployment
from chain.keys import KeyRole, MissingKey
from chain.review_anchoring import anchor_reviews_with_settings
from chain.revocation_anchoring import anchor_revocations_with_settings
from chain.senders import sender_for
from governance.proposals.direct import record_indexed_proposals
from polyphony.errors import Unavailable
from polyphony.settings import get_settings
from workers.app import app


@app.task(name="chain.index_events", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def index_events() -> int:
    """Store the contract set's new events (reorg-safe), then record proposals made on the governor directly;
    return how many events."""
    settings = get_settings()
    web3 = connect(settings.effective_chain_rpc_url)
    stored = index_deployment(
        web3, deployments_dir=settings.deployments_dir, confirmations=settings.polyphony_chain_confirmations
    )
    record_indexed_proposals(web3, deployments_dir=settings.deployments_dir)
    return stored


@app.task(name="chain.anchor_claims", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def anchor_claims() -> int | None:
    """Anchor the waiting claims as one Merkle batch (or finish an interrupted one); return its id."""
    batch = anchor_with_settings(get_settings())
    return batch.id if batch is not None else None


@app.task(name="chain.anchor_revocations", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def anchor_revocations() -> int | None:
    """Anchor the waiting revocations as one Merkle batch of the revocation kind; return its id."""
    batch = anchor_revocations_with_settings(get_settings())
    return batch.id if batch is not None else None


@app.task(name="chain.anchor_reviews", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def anchor_reviews() -> int | None:
    """Anchor the waiting signed reviews as one Merkle batch of the review kind; return its id."""
    batch = anchor_reviews_with_settings(get_settings())
    return batch.id if batch is not None else None


# The keys the workers send with; the deployer's sends only from `polyphony deploy`.
WORKER_KEYS = (KeyRole.ANCHORER, KeyRole.REWARDER, KeyRole.RELAYER, KeyRole.SCORER)


@app.task(name="chain.resume_sends", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=5)
def resume_sends() -> int:
    """Finish each worker key's transactions left without a receipt or lost to a reorg (an embedded anvil killed
    before it saved its state), even when the key has nothing new to send; return how many keys were checked."""
    settings = get_settings()
    checked = 0
    for role in WORKER_KEYS:
        try:
            sender = sender_for(settings, role)
        except MissingKey:  # a chain this stack does not send on
            continue
        sender.resume_unfinished()
        checked += 1
    return checked
