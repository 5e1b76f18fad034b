"""The Celery application the worker and beat processes run: `celery -A workers.app worker|beat`."""

from typing import Any

from celery.signals import beat_init

from polyphony.queue import make_celery
from polyphony.settings import get_settings
from workers.single_beat import hold_the_schedule

OUTBOX_SWEEP_S = 30.0
INDEX_EVENTS_S = 5.0
COLLECT_GARBAGE_S = 3600.0
ANCHOR_CLAIMS_S = 30.0
SWEEP_UPLOADS_S = 600.0
SCORE_DUE_S = 10.0
CLOSE_EPOCH_S = 60.0
KEEP_EPOCHS_S = 15.0
KEEP_PROPOSALS_S = 15.0
RECORD_ROUNDS_S = 10.0
RESUME_SENDS_S = 15.0
KEEP_REVIEWS_S = 15.0


def every(seconds: float, task: str) -> dict[str, Any]:
    """A beat entry for `task` whose run is dropped if it waited longer than its period: the next one does the
    same work, so a backlog of identical runs would only delay everything else."""
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


app = make_celery(get_settings())
app.conf.include = [
    f"workers.tasks.{domain}"
    for domain in (
        "jobs",
        "chain",
        "storage",
        "contributions",
        "scoring",
        "rewards",
        "governance",
        "rounds",
        "reviews",
        "renamed",
    )
]
app.conf.beat_schedule = {
    "send jobs whose after-commit send failed": {"task": "jobs.flush_outbox", "schedule": OUTBOX_SWEEP_S},
    "collect unpinned blocks": {"task": "storage.collect_garbage", "schedule": COLLECT_GARBAGE_S},
    "remove what crashed uploads left": {"task": "contributions.sweep_unfinished", "schedule": SWEEP_UPLOADS_S},
    "index contract events": every(INDEX_EVENTS_S, "chain.index_events"),
    "anchor claimed contributions": every(ANCHOR_CLAIMS_S, "chain.anchor_claims"),
    "anchor revocations": every(ANCHOR_CLAIMS_S, "chain.anchor_revocations"),
    "anchor reviews": every(ANCHOR_CLAIMS_S, "chain.anchor_reviews"),
    "score anchored contributions": every(SCORE_DUE_S, "scoring.enqueue_due"),
    "close the reward epoch that ended": every(CLOSE_EPOCH_S, "rewards.close_due_epoch"),
    "publish and activate reward roots": every(KEEP_EPOCHS_S, "rewards.keep_epochs"),
    "queue and execute passed proposals": every(KEEP_PROPOSALS_S, "governance.keep_proposals"),
    "record approved rounds and registered models": every(RECORD_ROUNDS_S, "rounds.record_approvals"),
    "resend transactions a crash or a reorg left unmined": every(RESUME_SENDS_S, "chain.resume_sends"),
    "sample anchored batches and assign reviewers": every(KEEP_REVIEWS_S, "reviews.keep"),
}

beat_init.connect(hold_the_schedule, weak=False)  # one beat sends the schedule, however many run
