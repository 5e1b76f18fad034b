"""Health of each part of the stack: every probe is timed, run in parallel, and bounded by a deadline.

A probe is a function that returns a short detail ("redis 6.2.14") when its part answers and raises when it
does not; `check_components` turns that into up/down with the latency and the reason.
"""

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Literal

import redis
from celery import Celery
from sqlalchemy import text
from sqlalchemy.engine import Engine

from polyphony.migrations import head_revision
from polyphony.storage.base import Storage

Probe = Callable[[], str]


@dataclass(frozen=True)
class ComponentHealth:
    """One part's answer: up or down, how long it took, and what it said."""

    status: Literal["up", "down"]
    latency_ms: float
    detail: str


def check_components(probes: Mapping[str, Probe], *, deadline_s: float = 3.0) -> dict[str, ComponentHealth]:
    """Run every probe at once; a probe still running at the deadline counts as down."""
    pool = ThreadPoolExecutor(max_workers=max(len(probes), 1), thread_name_prefix="health")
    started = time.perf_counter()
    futures = {name: pool.submit(_timed, probe) for name, probe in probes.items()}
    results = {}
    for name, future in futures.items():
        remaining = max(deadline_s - (time.perf_counter() - started), 0.0)
        try:
            results[name] = future.result(timeout=remaining)
        except FutureTimeout:
            results[name] = ComponentHealth("down", deadline_s * 1000, f"no answer within {deadline_s:g} s")
    pool.shutdown(wait=False, cancel_futures=True)
    return results


def _timed(probe: Probe) -> ComponentHealth:
    started = time.perf_counter()
    try:
        detail = probe()
        status: Literal["up", "down"] = "up"
    except Exception as error:  # any failure of the part is the answer we report, not a crash
        detail, status = _describe(error), "down"
    return ComponentHealth(status, round((time.perf_counter() - started) * 1000, 2), detail)


def _describe(error: Exception) -> str:
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {message}"[:300] if message else type(error).__name__


def database_probe(engine: Engine) -> Probe:
    """The database answers and carries the newest schema revision."""
    head = head_revision()

    def probe() -> str:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if revision != head:
            raise RuntimeError(f"schema {revision}, this code needs {head}: run `polyphony migrate`")
        return f"{engine.dialect.name}, schema {revision}"

    return probe


def redis_probe(url: str) -> Probe:
    """Redis answers PING."""

    def probe() -> str:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            version = client.info("server")["redis_version"]
        finally:
            client.close()
        return f"redis {version}"

    return probe


def storage_probe(storage: Storage) -> Probe:
    """The CID store answers."""

    def probe() -> str:
        storage.ping()
        return storage.name

    return probe


def workers_probe(celery: Celery) -> Probe:
    """At least one Celery worker answers a ping through the broker."""

    def probe() -> str:
        replies = celery.control.ping(timeout=1.0)
        if not replies:
            raise RuntimeError("no Celery worker answered: start the stack with `polyphony up`")
        return f"{len(replies)} worker(s): " + ", ".join(sorted(name for reply in replies for name in reply))

    return probe
