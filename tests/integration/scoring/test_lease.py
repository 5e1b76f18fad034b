"""The lease a scoring task holds on its contribution, on a real Redis: renewed while the work runs, lapsing soon
after the worker stops renewing it (as when it is killed), so the beat task sends the contribution again."""

import multiprocessing
import os
import signal
import time
import uuid

from redis import Redis

from polyphony.scores.flow import hold_lease

LEASE_S = 1.5  # renewed every 0.5 s: long enough that a loaded machine renews in time


def test_a_held_lease_outlives_its_first_term_and_lapses_once_it_is_let_go(redis_url: str) -> None:
    redis, key = Redis.from_url(redis_url), f"test:lease:{uuid.uuid4().hex}"

    with hold_lease(redis, key, seconds=LEASE_S):
        time.sleep(LEASE_S * 2.5)
        assert redis.get(key) == b"running"  # renewed: the work is still going

    assert 0 < redis.pttl(key) <= LEASE_S * 1000
    time.sleep(LEASE_S + 0.2)
    assert redis.get(key) is None


def _hold_forever(redis_url: str, key: str) -> None:
    with hold_lease(Redis.from_url(redis_url), key, seconds=LEASE_S):
        time.sleep(3600)


def test_the_lease_of_a_killed_worker_lapses_within_its_term(redis_url: str) -> None:
    redis, key = Redis.from_url(redis_url), f"test:lease:{uuid.uuid4().hex}"
    worker = multiprocessing.get_context("spawn").Process(target=_hold_forever, args=(redis_url, key))
    worker.start()
    deadline = time.monotonic() + 30
    while redis.get(key) is None:
        assert time.monotonic() < deadline, "the worker never took the lease"
        time.sleep(0.05)
    time.sleep(LEASE_S * 2)
    assert redis.get(key) == b"running"

    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    killed_at = time.monotonic()
    while redis.get(key) is not None:
        assert time.monotonic() - killed_at < LEASE_S + 10, "the lease outlived its worker"
        time.sleep(0.05)
