"""The Celery application the worker and beat processes run: `celery -A workers.app worker|beat`."""

from polyphony.queue import make_celery
from polyphony.settings import get_settings

OUTBOX_SWEEP_S = 30.0
INDEX_EVENTS_S = 5.0
COLLECT_GARBAGE_S = 3600.0
ANCHOR_CLAIMS_S = 30.0
SWEEP_UPLOADS_S = 600.0
RECORD_ROUNDS_S = 10.0
KEEP_PROPOSALS_S = 15.0
CLOSE_EPOCH_S = 60.0
KEEP_EPOCHS_S = 15.0
SCORE_DUE_S = 10.0
REGISTER_POLICY_S = 300.0

app = make_celery(get_settings())
app.conf.include = ["workers.tasks.jobs", "workers.tasks.chain", "workers.tasks.storage", "workers.tasks.contributions"]
app.conf.include += ["workers.tasks.governance"]
app.conf.include += ["workers.tasks.rewards"]
app.conf.include += ["workers.tasks.rounds"]
app.conf.include += ["workers.tasks.scoring"]
app.conf.beat_schedule = {
    "send jobs whose after-commit send failed": {"task": "jobs.flush_outbox", "schedule": OUTBOX_SWEEP_S},
    "collect unpinned blocks": {"task": "storage.collect_garbage", "schedule": COLLECT_GARBAGE_S},
    "remove what crashed uploads left": {"task": "contributions.sweep_unfinished", "schedule": SWEEP_UPLOADS_S},
    "score anchored contributions": {
        "task": "scoring.enqueue_due", "schedule": SCORE_DUE_S, "options": {"expires": SCORE_DUE_S},
    },
    "register the scoring policy on-chain": {
        "task": "chain.register_scoring_policy", "schedule": REGISTER_POLICY_S,
        "options": {"expires": REGISTER_POLICY_S},
    },
    "anchor claimed contributions": {
        "task": "chain.anchor_claims",
        "schedule": ANCHOR_CLAIMS_S,
        "options": {"expires": ANCHOR_CLAIMS_S},
    },
    "queue and execute passed proposals": {
        "task": "chain.keep_proposals",
        "schedule": KEEP_PROPOSALS_S,
        "options": {"expires": KEEP_PROPOSALS_S},
    },
    "close the reward epoch that ended": {
        "task": "rewards.close_due_epoch", "schedule": CLOSE_EPOCH_S, "options": {"expires": CLOSE_EPOCH_S},
    },
    "publish and activate reward roots": {
        "task": "chain.keep_epochs", "schedule": KEEP_EPOCHS_S, "options": {"expires": KEEP_EPOCHS_S},
    },
    "record approved rounds and registered models": {
        "task": "rounds.record_approvals", "schedule": RECORD_ROUNDS_S, "options": {"expires": RECORD_ROUNDS_S},
    },
    # An index run that waited longer than its period is dropped: the next one reads the same blocks.
    "index contract events": {
        "task": "chain.index_events",
        "schedule": INDEX_EVENTS_S,
        "options": {"expires": INDEX_EVENTS_S},
    },
}
