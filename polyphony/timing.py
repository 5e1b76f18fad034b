"""Where one request's time goes: named phases, timed in the request's own context and summed per name.

The API's upload answers them as a Server-Timing header (`token;dur=0.4, commit_storing;dur=3.1, ...`), so an
operator or a benchmark sees which step of an upload costs what. A phase timed outside a timed request (a task,
a command, a test calling a service) records nothing. Worker threads see the request's phases because Starlette
runs them in a copy of the request's context, and the copy holds the same dict.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_phases: ContextVar[dict[str, float] | None] = ContextVar("polyphony_phases", default=None)


def start_timing() -> dict[str, float]:
    """Time the phases of the current request from here on; milliseconds by phase name, filled as they end."""
    phases: dict[str, float] = {}
    _phases.set(phases)
    return phases


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Add the time the block takes to the phase `name` of the current request, if one is timed."""
    phases = _phases.get()
    started = time.perf_counter()
    try:
        yield
    finally:
        if phases is not None:
            phases[name] = phases.get(name, 0.0) + (time.perf_counter() - started) * 1000


def since(name: str, started: float, *, until: float | None = None) -> None:
    """Add the time since `started` (a `time.perf_counter()` reading), to now or to `until`, to the phase `name`."""
    phases = _phases.get()
    if phases is not None:
        ended = time.perf_counter() if until is None else until
        phases[name] = phases.get(name, 0.0) + (ended - started) * 1000


def server_timing(phases: dict[str, float]) -> str:
    """The Server-Timing header value of `phases` (W3C Server Timing: `name;dur=milliseconds`)."""
    return ", ".join(f"{name};dur={ms:.2f}" for name, ms in phases.items())
