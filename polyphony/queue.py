"""The Celery configuration every process shares: senders (API, CLI) and workers route tasks the same way.

Jobs are sent by name through this app, which registers no tasks, so a queue option on a task's decorator would
never reach the sender. Every task's queue is therefore named here, in one table, and a task name says its
domain (the module that defines it), not its queue.
"""

import json
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from celery import Celery

from polyphony.settings import Settings, get_settings

DEFAULT_QUEUE = "default"
# Chain writes go to their own queue, consumed with concurrency 1, so one process owns each key's nonces.
CHAIN_QUEUE = "chain"
# Scoring is CPU-heavy: its own queue and workers, so outbox sweeps and chain work never wait behind it.
SCORING_QUEUE = "scoring"

# Every task and its queue. Each task that sends a transaction runs on the chain queue: one sender per key.
QUEUE_OF_TASK = {
    "jobs.flush_outbox": DEFAULT_QUEUE,
    "storage.collect_garbage": DEFAULT_QUEUE,
    "contributions.sweep_unfinished": DEFAULT_QUEUE,
    "chain.index_events": CHAIN_QUEUE,
    "chain.anchor_claims": CHAIN_QUEUE,
    "chain.anchor_revocations": CHAIN_QUEUE,
    "chain.anchor_reviews": CHAIN_QUEUE,
    "chain.resume_sends": CHAIN_QUEUE,
    "scoring.enqueue_due": SCORING_QUEUE,
    "scoring.score_contribution": SCORING_QUEUE,
    "scoring.fill_index": SCORING_QUEUE,
    "scoring.register_policy": CHAIN_QUEUE,
    "rewards.close_due_epoch": DEFAULT_QUEUE,
    "rewards.propose_epoch_root": CHAIN_QUEUE,
    "rewards.keep_epochs": CHAIN_QUEUE,
    "rewards.relay_claim": CHAIN_QUEUE,
    "governance.submit_proposal": CHAIN_QUEUE,
    "governance.relay_ballot": CHAIN_QUEUE,
    "governance.relay_delegation": CHAIN_QUEUE,
    "governance.keep_proposals": CHAIN_QUEUE,
    "rounds.record_approvals": DEFAULT_QUEUE,
    "reviews.keep": DEFAULT_QUEUE,
}

# Names tasks had when they were named by their queue. A job sent before the rename may still sit in the broker
# (the outbox's own rows are renamed by migration 0010): the workers keep a forwarder under each old name.
RENAMED_TASKS = {
    "chain.register_scoring_policy": "scoring.register_policy",
    "chain.propose_epoch_root": "rewards.propose_epoch_root",
    "chain.keep_epochs": "rewards.keep_epochs",
    "chain.relay_claim": "rewards.relay_claim",
    "chain.submit_proposal": "governance.submit_proposal",
    "chain.relay_ballot": "governance.relay_ballot",
    "chain.relay_delegation": "governance.relay_delegation",
    "chain.keep_proposals": "governance.keep_proposals",
}


# A job taken by a worker stays in the broker, unacknowledged, until its task is done; if the worker died, the
# broker gives it to another after this timeout. It must exceed the longest task, or a live task is handed out a
# second time: the longest are a chain send's receipt wait (`chain.tx.SenderPolicy.receipt_timeout_s`, 300 s) and
# the longest retry countdown a worker holds (`RETRY_BACKOFF_MAX_S`). A scoring run of a very large upload may take
# longer: its lease (`polyphony.scores.flow`) makes a second delivery record nothing twice. On one machine
# `polyphony up` does not wait this out: it puts a dead worker's jobs back at once (`requeue_taken`).
VISIBILITY_TIMEOUT_S = 360
RETRY_BACKOFF_MAX_S = 300  # every task's retry countdown stays below the visibility timeout
REQUEUE_TIMEOUT_S = 5.0


def task_routes() -> dict[str, dict[str, str]]:
    """Celery's `task_routes`: every task, and every old name on the queue its new name runs on."""
    queues = {**QUEUE_OF_TASK, **{old: QUEUE_OF_TASK[new] for old, new in RENAMED_TASKS.items()}}
    return {name: {"queue": queue} for name, queue in queues.items()}


def make_celery(settings: Settings) -> Celery:
    """A Celery app wired to the configured Redis, with at-least-once delivery."""
    app = Celery("polyphony", broker=settings.effective_redis_url, backend=settings.effective_redis_url)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_default_queue=DEFAULT_QUEUE,
        task_routes=task_routes(),
        # A task is acknowledged only when it finished, and requeued if its worker died mid-way:
        # tasks are idempotent, so running one twice is safe, losing one is not.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        result_expires=3600,
        timezone="UTC",
    )
    return app


@lru_cache
def get_celery() -> Celery:
    """The process-wide Celery app for sending tasks and pinging workers."""
    return make_celery(get_settings())


def requeue_taken(settings: Settings, queues: Collection[str]) -> int:
    """Put back at the head of `queues` every job a worker of those queues took and did not acknowledge; return
    how many. Only for a worker that is gone and the only consumer of its queues (`polyphony up` restarting it):
    a job still running elsewhere would run twice, which idempotent tasks allow but nobody needs."""
    app = make_celery(settings)
    # Bounded, so a frozen Redis cannot hold up the supervisor that asks: it then leaves the jobs to the timeout.
    bounded = {"socket_timeout": REQUEUE_TIMEOUT_S, "socket_connect_timeout": REQUEUE_TIMEOUT_S}
    with app.connection_for_write(transport_options=bounded) as connection:
        channel: Any = connection.default_channel  # kombu's Redis channel: its unacked hash and its QoS
        taken: dict[bytes, bytes] = channel.client.hgetall(channel.unacked_key)
        mine = [tag for tag, entry in taken.items() if _routing_key(entry) in queues]
        for tag in mine:
            channel.qos.restore_by_tag(tag)  # in one Redis transaction: the job is never in both places
    return len(mine)


def _routing_key(entry: bytes) -> str:
    """The queue of an unacknowledged job, as kombu's Redis transport stores it: [message, exchange, key]."""
    try:
        return str(json.loads(entry)[2])
    except (ValueError, IndexError, TypeError):
        return ""
