"""Sampled peer review: draw each anchored batch's sample once its seed block is mined, and give the sampled
documents their reviewers."""

from chain.client import connect
from chain.senders import configured_deployment
from governance.reviews.service import keep_reviews, reviewer_min_votes
from polyphony.errors import Unavailable
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from workers.app import app


@app.task(name="reviews.keep", autoretry_for=(Unavailable,), retry_backoff=True, max_retries=3)
def keep() -> tuple[int, int]:
    """Sample what is due and assign reviewers; return (batches sampled, samples assigned)."""
    settings = get_settings()
    deployment = configured_deployment(settings)
    if deployment is None:
        return 0, 0
    web3 = connect(settings.effective_chain_rpc_url)
    return keep_reviews(
        web3=web3, deployment=deployment, storage=storage_from_settings(settings),
        min_votes=reviewer_min_votes(web3, deployment),
    )  # fmt: skip
