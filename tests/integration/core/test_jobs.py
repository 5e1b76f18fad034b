"""The job outbox through a real Redis and a real Celery worker process."""

from datetime import timedelta

import pytest
from celery.result import AsyncResult
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from polyphony import jobs
from polyphony.clock import utcnow
from polyphony.models import PendingJob
from polyphony.queue import get_celery, make_celery
from polyphony.settings import Settings

pytestmark = pytest.mark.usefixtures("celery_worker", "clean_outbox")


def _pending(engine: Engine) -> list[PendingJob]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(PendingJob)).all())


def test_a_committed_job_reaches_a_worker_and_leaves_the_outbox(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        job = jobs.enqueue(session, "jobs.flush_outbox")
        session.commit()
    assert AsyncResult(job.task_id, app=get_celery()).get(timeout=60) == 0
    assert _pending(engine) == []


def test_a_rolled_back_job_is_never_sent(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        dropped = jobs.enqueue(session, "jobs.flush_outbox")
        session.rollback()
        kept = jobs.enqueue(session, "jobs.flush_outbox")
        session.commit()
    AsyncResult(kept.task_id, app=get_celery()).get(timeout=60)
    assert AsyncResult(dropped.task_id, app=get_celery()).state == "PENDING"
    assert _pending(engine) == []


def test_a_job_the_broker_missed_stays_and_the_sweep_sends_it(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = make_celery(settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"}))
    unreachable.conf.broker_transport_options = {"max_retries": 0}
    monkeypatch.setattr(jobs, "get_celery", lambda: unreachable)
    with Session(engine, expire_on_commit=False) as session:
        job = jobs.enqueue(session, "jobs.flush_outbox")
        session.commit()
    assert [pending.task_id for pending in _pending(engine)] == [job.task_id]

    monkeypatch.undo()
    with Session(engine, expire_on_commit=False) as session:
        session.exec(update(PendingJob).values(created_at=utcnow() - timedelta(minutes=5)))  # type: ignore[call-overload]
        assert jobs.flush_outbox(session) == 1
        session.commit()
    assert AsyncResult(job.task_id, app=get_celery()).get(timeout=60) == 0
    assert _pending(engine) == []


def test_the_sweep_leaves_fresh_jobs_to_their_own_send(db_session: Session) -> None:
    fresh = PendingJob(task="jobs.flush_outbox")
    db_session.add(fresh)
    db_session.flush()
    assert jobs.flush_outbox(db_session) == 0
    db_session.flush()
    assert db_session.exec(select(PendingJob)).all() == [fresh]
