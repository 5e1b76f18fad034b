"""Health of each part of the stack: every probe is timed, run in parallel, and bounded by a deadline.

A probe is a function that returns a short detail ("redis 6.2.14") when its part answers and raises when it
does not; `check_components` turns that into up/down with the latency and the reason. `HealthMonitor` runs the
probes in the background and keeps the latest answer, so reading the health costs nothing: a load balancer that
polls every few seconds would otherwise run every probe each time, the workers' one-second ping included.
`supervised_parts` reads what `polyphony up` records of the parts it runs: which are running, and their restarts.
"""

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class HealthReport:
    """Every part's health, and when it was checked (Unix time)."""

    components: dict[str, ComponentHealth]
    checked_at: float

    @property
    def all_up(self) -> bool:
        return all(component.status == "up" for component in self.components.values())


def check_now(probes: Mapping[str, Probe]) -> HealthReport:
    """Every probe, now."""
    return HealthReport(check_components(probes), time.time())


class HealthMonitor:
    """The latest health of the stack, checked every `every_s` seconds by a background thread.

    The thread starts with the first read and stops after `idle_s` seconds without one (the next read starts it
    again), so an application nobody asks about probes nothing. Until the first check is done, a read waits for it.
    """

    def __init__(self, probes: Mapping[str, Probe], *, every_s: float = 2.0, idle_s: float = 60.0) -> None:
        self.probes = dict(probes)
        self.every_s = every_s
        self.idle_s = idle_s
        self._latest: HealthReport | None = None
        self._last_read = time.monotonic()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def latest(self) -> HealthReport:
        """The latest check's report (the first read waits for the first check)."""
        self._last_read = time.monotonic()
        with self._lock:
            if self._latest is None:
                self._latest = check_now(self.probes)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._keep_checking, name="health-monitor", daemon=True)
                self._thread.start()
            return self._latest

    def _keep_checking(self) -> None:
        while time.monotonic() - self._last_read < self.idle_s:
            time.sleep(self.every_s)
            try:
                self._latest = check_now(self.probes)
            except RuntimeError:  # the interpreter is exiting: no thread pool may start any more
                return


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


SUPERVISOR_STATE = "supervisor.json"  # in the state folder, written by `polyphony up` (cli/stack.py)


@dataclass(frozen=True)
class SupervisedPart:
    """One part as `polyphony up` supervises it: running or waiting to be restarted, and how often it was."""

    status: Literal["running", "restarting"]
    restarts: int
    last_restart_at: str | None
    last_exit_code: int | None


def supervised_parts(home: Path) -> dict[str, SupervisedPart] | None:
    """The parts `polyphony up` runs from `home` and their restarts; None when no live supervisor runs them
    (`polyphony serve`, a test, a supervisor that was killed and left its file)."""
    try:
        state = json.loads((home / SUPERVISOR_STATE).read_text())
    except (OSError, ValueError):
        return None
    if not _alive(int(state.get("supervisor_pid", 0))):
        return None
    return {
        name: SupervisedPart(part["status"], part["restarts"], part["last_restart_at"], part["last_exit_code"])
        for name, part in state.get("parts", {}).items()
    }


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
