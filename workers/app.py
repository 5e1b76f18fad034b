"""The Celery application the worker and beat processes run: `celery -A workers.app worker|beat`."""

from polyphony.queue import make_celery
from polyphony.settings import get_settings

OUTBOX_SWEEP_S = 30.0

app = make_celery(get_settings())
app.conf.include = ["workers.tasks.jobs"]
app.conf.beat_schedule = {
    "send jobs whose after-commit send failed": {"task": "jobs.flush_outbox", "schedule": OUTBOX_SWEEP_S},
}
