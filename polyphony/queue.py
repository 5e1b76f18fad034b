"""The Celery configuration every process shares: senders (API, CLI) and workers route tasks the same way."""

from functools import lru_cache

from celery import Celery

from polyphony.settings import Settings, get_settings

DEFAULT_QUEUE = "default"
# Chain writes go to their own queue, consumed with concurrency 1, so one process owns each key's nonces.
CHAIN_QUEUE = "chain"
# Scoring is CPU-heavy: its own queue and workers, so outbox sweeps and chain work never wait behind it.
SCORING_QUEUE = "scoring"


def make_celery(settings: Settings) -> Celery:
    """A Celery app wired to the configured Redis, with at-least-once delivery."""
    app = Celery("polyphony", broker=settings.effective_redis_url, backend=settings.effective_redis_url)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=DEFAULT_QUEUE,
        task_routes={"chain.*": {"queue": CHAIN_QUEUE}, "scoring.*": {"queue": SCORING_QUEUE}},
        # A task is acknowledged only when it finished, and requeued if its worker died mid-way:
        # tasks are idempotent, so running one twice is safe, losing one is not.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        result_expires=3600,
        timezone="UTC",
    )
    return app


@lru_cache
def get_celery() -> Celery:
    """The process-wide Celery app for sending tasks and pinging workers."""
    return make_celery(get_settings())
