"""Enqueue Celery tasks by name, transactionally: a job goes out only if the change that asked for it commits.

`enqueue()` writes a `PendingJob` row in the caller's transaction. After the commit the job is sent and its
row deleted; if the broker is down at that moment the row stays, and the beat task `jobs.flush_outbox`
sends it later. A rolled-back transaction takes its jobs with it. Tasks are idempotent, so the rare double
send (sent, then the process died before deleting the row) is harmless; a lost job is not.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import delete, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from polyphony.clock import utcnow
from polyphony.models.job import PendingJob
from polyphony.queue import get_celery

log = logging.getLogger(__name__)

_PENDING_KEY = "polyphony.pending_jobs"
# The outbox sweep leaves fresh rows alone: their own after-commit send is probably under way.
SWEEP_GRACE = timedelta(seconds=30)


def enqueue(session: Session, task: str, **kwargs: Any) -> PendingJob:
    """Ask for `task(**kwargs)` to run once the current transaction commits."""
    job = PendingJob(task=task, arguments=kwargs)
    session.add(job)
    session.flush()
    # Plain values, not the row: after the commit the row is expired and the session may not load it again.
    session.info.setdefault(_PENDING_KEY, []).append(_Outgoing(cast(int, job.id), task, job.task_id, kwargs))
    return job


def flush_outbox(session: Session, *, limit: int = 500) -> int:
    """Send the jobs whose after-commit send did not happen; return how many went out."""
    stale = select(PendingJob).where(col(PendingJob.created_at) < utcnow() - SWEEP_GRACE)
    jobs = session.exec(stale.order_by(col(PendingJob.id)).limit(limit)).all()
    for job in jobs:
        _send(job)
        session.delete(job)
    return len(jobs)


@dataclass(frozen=True)
class _Outgoing:
    id: int
    task: str
    task_id: str
    arguments: dict[str, Any]


def _send(job: PendingJob | _Outgoing) -> None:
    get_celery().send_task(job.task, kwargs=job.arguments, task_id=job.task_id)


@event.listens_for(OrmSession, "after_commit")
def _send_after_commit(session: OrmSession) -> None:
    jobs: list[_Outgoing] = session.info.pop(_PENDING_KEY, [])
    sent = [job.id for job in jobs if _try_send(job)]
    if not sent:
        return
    # The session cannot run SQL inside after_commit: its bind deletes the rows, in a transaction of its
    # own when it is an engine (a test binds a connection whose outer transaction it rolls back later).
    bind = session.get_bind()
    statement = delete(PendingJob).where(col(PendingJob.id).in_(sent))
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            connection.execute(statement)
    else:
        bind.execute(statement)


@event.listens_for(OrmSession, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING_KEY, None)


def _try_send(job: _Outgoing) -> bool:
    try:
        _send(job)
    except Exception as error:  # the broker is down or unreachable: the sweep will send it later
        log.warning("job %s (%s) not sent yet: %s", job.id, job.task, error)
        return False
    return True
