"""`GET /health`: is every part of the stack up? 200 when all are, 503 otherwise.

The answer is the latest background check (`polyphony.health.HealthMonitor`, at most a few seconds old, its age in
the answer): a read, so a load balancer may poll it as often as it likes. `?deep=1` probes every part now. Under
`polyphony up`, `parts` says which processes it runs and how often each was restarted.

The route takes one thread hop, not four: FastAPI runs each sync dependency on a thread of its own, and each hop
waits for a pool thread, for the GIL (which uploads being checked hold much of the time) and for the event loop
again. So the route resolves its dependencies itself, on its one thread, and only the ones it needs (the probes
only for the first read and `?deep=1`); a test's `dependency_overrides` of them hold as for any route. It stays a
sync route: FastAPI then also validates the answer on that thread, not on the event loop that receives uploads.

Once the monitor runs, the plain read (`GET /health`, no query, no bearer token) takes no thread hop at all:
`HealthFastPath`, a plain ASGI middleware in front of the routing, answers it on the event loop from the latest
report (a fraction of a millisecond of work). Every thread hop waits its turn behind the uploads being read, and
three of them (the token check's Redis, the token check, the route) made the answer take a third of a second under
load. A request with a bearer token still goes through the route, which checks the token as every route does.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import get_probes, get_storage, overridable
from api.metrics import record_health
from api.schemas.health import HealthPublic
from polyphony.health import HealthMonitor, HealthReport, Probe, SupervisedPart, check_now, supervised_parts
from polyphony.settings import get_settings

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
def health(
    request: Request, response: Response,
    deep: Annotated[bool, Query(description="Probe every part now instead of reading the latest check")] = False,
) -> HealthPublic:  # fmt: skip
    """The database, Redis, the chain, storage and the workers, as the background check last found them, and the
    restarts of each part `polyphony up` runs."""
    app = request.app
    report = check_now(_probes(app)) if deep else _monitor(app).latest()
    response.status_code = 200 if report.all_up else 503
    return _answer(app, report)


def _probes(app: FastAPI) -> dict[str, Probe]:
    """The probes, as `get_probes` and its dependencies give them (or what a test put in their place)."""
    settings = overridable(app, get_settings)()
    return overridable(app, get_probes)(settings, overridable(app, get_storage)())


def _monitor(app: FastAPI) -> HealthMonitor:
    """The application's monitor, made with the first request's probes (so a test's override of them holds)."""
    if getattr(app.state, "health_monitor", None) is None:
        app.state.health_monitor = HealthMonitor(_probes(app))
    monitor: HealthMonitor = app.state.health_monitor
    return monitor


def _answer(app: FastAPI, report: HealthReport) -> HealthPublic:
    """The answer to a read of `report`, with the supervised parts as they are now; counted in the metrics."""
    record_health(report.components)
    return _public(report, supervised_parts(overridable(app, get_settings)().home))


def _public(report: HealthReport, parts: dict[str, SupervisedPart] | None) -> HealthPublic:
    checked_at = datetime.fromtimestamp(report.checked_at, tz=UTC)
    age_s = max(0.0, round(datetime.now(tz=UTC).timestamp() - report.checked_at, 2))
    return HealthPublic.model_validate({
        "status": "up" if report.all_up else "down", "checked_at": checked_at, "age_s": age_s,
        "components": {name: asdict(component) for name, component in report.components.items()},
        "parts": None if parts is None else {name: asdict(part) for name, part in parts.items()},
    })  # fmt: skip


class HealthFastPath:
    """Plain ASGI: a plain `GET /health` answered from the monitor's latest report, on the event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: BaseRoute | None = None  # the /health route, for the request metrics' label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")  # the application Starlette sets on every request's scope
        if not (isinstance(app, FastAPI) and _plain_read(scope)):
            await self.app(scope, receive, send)
            return
        monitor: HealthMonitor | None = getattr(app.state, "health_monitor", None)
        if monitor is None:  # the first read makes the monitor, through the route
            await self.app(scope, receive, send)
            return
        report = monitor.latest()
        body = _answer(app, report).model_dump_json().encode()
        self._route = self._route or _health_route(app)
        scope["route"] = self._route  # the request metrics label it /health, as the route's
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200 if report.all_up else 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _plain_read(scope: Scope) -> bool:
    """`GET /health` with no query and no Authorization header (which the route checks, as every route does)."""
    return (
        scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/health"
        and not scope["query_string"] and all(name != b"authorization" for name, _ in scope["headers"])
    )  # fmt: skip


def _health_route(app: FastAPI) -> BaseRoute | None:
    return next((route for route in app.routes if getattr(route, "path", None) == "/health"), None)
