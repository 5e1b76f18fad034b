"""Scoring tasks: send what is due, score one contribution, register the policy (the work: polyphony.scores.flow)."""

from functools import lru_cache
from typing import Any

from redis import Redis

from chain.scoring import attestor, register_policy_with_settings
from polyphony.errors import Unavailable
from polyphony.queue import RETRY_BACKOFF_MAX_S
from polyphony.scores import flow
from polyphony.settings import get_settings
from polyphony.storage import storage_from_settings
from workers.app import app


@lru_cache
def _redis() -> Redis:
    return Redis.from_url(get_settings().effective_redis_url, socket_timeout=10, socket_connect_timeout=5)


@app.task(name="scoring.enqueue_due")
def enqueue_due() -> int:
    """Send every anchored, unscored contribution for scoring, in anchoring order; return how many went."""
    return flow.send_due(_redis())


@app.task(name="scoring.score_contribution", bind=True, acks_late=True, max_retries=60)
def score_contribution(self: Any, contribution_id: int) -> dict[str, Any] | None:
    """Score one contribution under the current policy (once: a scored one is left as it is).

    An infrastructure failure is retried after 2 s, 4 s, ... up to RETRY_BACKOFF_MAX_S; the contribution's mark as
    sent then lapses a lease after the retry is due (`flow.await_retry`), so a retry lost with its worker is sent
    again by the beat task soon after, and none is sent twice meanwhile.
    """
    settings = get_settings()
    run = flow.ScoringRun(
        redis=_redis(), storage=storage_from_settings(settings), attest=attestor(settings), task_id=str(self.request.id)
    )
    try:
        return flow.score(contribution_id, run=run)
    except flow.WaitingForEarlier as waiting:
        raise self.retry(countdown=flow.RECHECK_EARLIER_S, max_retries=None, exc=waiting) from None
    except Unavailable as failure:
        countdown = min(2 ** (self.request.retries + 1), RETRY_BACKOFF_MAX_S)
        flow.await_retry(run.redis, contribution_id, due_in_s=countdown)
        raise self.retry(countdown=countdown, exc=failure) from None


@app.task(
    name="scoring.fill_index", autoretry_for=(Unavailable,), retry_backoff=True, retry_backoff_max=RETRY_BACKOFF_MAX_S,
    max_retries=10,
)  # fmt: skip
def fill_index() -> int:
    """Index every contribution scored under an earlier policy before the current one scores anything new."""
    return flow.fill_index(_redis(), storage=storage_from_settings(get_settings()))


@app.task(
    name="scoring.register_policy", autoretry_for=(Unavailable,), retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_S, max_retries=10,
)  # fmt: skip
def register_policy() -> int | None:
    """Pin the current policy document and register its hash on the provenance registry (once); its block."""
    settings = get_settings()
    return register_policy_with_settings(settings, storage=storage_from_settings(settings))
