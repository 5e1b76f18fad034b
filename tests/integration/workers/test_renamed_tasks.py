"""A job sent under a task's old name, still waiting in the broker after the rename, runs under the new name."""

from celery.result import AsyncResult

from polyphony.queue import get_celery


def test_a_job_under_an_old_name_is_forwarded_to_the_new_task_and_runs(chain_celery_worker: None) -> None:
    forwarded: AsyncResult[str] = get_celery().send_task("chain.keep_proposals")
    new_job_id = forwarded.get(timeout=60)
    assert new_job_id != forwarded.id
    new_job: AsyncResult[list[str]] = AsyncResult(new_job_id, app=get_celery())
    assert isinstance(new_job.get(timeout=60), list)
