"""The hourly garbage collection, run by a real Celery worker on the configured store."""

import io

from celery.result import AsyncResult

from polyphony.queue import get_celery
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.storage.local import LocalStorage


def _collect_through_the_worker() -> int:
    result: AsyncResult[int] = get_celery().send_task("storage.collect_garbage")
    return result.get(timeout=60)


def test_the_worker_collects_unpinned_blocks_and_keeps_pinned_ones(settings: Settings, celery_worker: None) -> None:
    storage = storage_from_settings(settings)
    kept = storage.add(io.BytesIO(b"pinned: survives the collection"))
    dropped = storage.add(io.BytesIO(b"unpinned: collected"))
    storage.unpin(dropped.cid)
    collected = _collect_through_the_worker()
    assert storage.has(kept.cid)
    if isinstance(storage, LocalStorage):
        assert collected >= 1 and not storage.has(dropped.cid)
    else:  # a Kubo node collects its own garbage: the task leaves it alone
        assert collected == 0 and storage.has(dropped.cid)
