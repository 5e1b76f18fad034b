"""`GET /health`: is every part of the stack up? 200 when all are, 503 otherwise.

The answer is the latest background check (`polyphony.health.HealthMonitor`, at most a few seconds old, its age in
the answer): a read, so a load balancer may poll it as often as it likes. `?deep=1` probes every part now. Under
`polyphony up`, `parts` says which processes it runs and how often each was restarted.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import ProbesDep, SettingsDep
from api.metrics import record_health
from api.schemas.health import HealthPublic
from polyphony.health import HealthMonitor, HealthReport, Probe, SupervisedPart, check_now, supervised_parts

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
def health(
    request: Request, probes: ProbesDep, settings: SettingsDep, response: Response,
    deep: Annotated[bool, Query(description="Probe every part now instead of reading the latest check")] = False,
) -> HealthPublic:  # fmt: skip
    """The database, Redis, the chain, storage and the workers, as the background check last found them, and the
    restarts of each part `polyphony up` runs."""
    report = check_now(probes) if deep else _monitor(request, probes).latest()
    record_health(report.components)
    response.status_code = 200 if report.all_up else 503
    return _public(report, supervised_parts(settings.home))


def _monitor(request: Request, probes: dict[str, Probe]) -> HealthMonitor:
    """The application's monitor, made with the first request's probes (so a test's override of them holds)."""
    state = request.app.state
    if getattr(state, "health_monitor", None) is None:
        state.health_monitor = HealthMonitor(probes)
    monitor: HealthMonitor = state.health_monitor
    return monitor


def _public(report: HealthReport, parts: dict[str, SupervisedPart] | None) -> HealthPublic:
    checked_at = datetime.fromtimestamp(report.checked_at, tz=UTC)
    age_s = max(0.0, round(datetime.now(tz=UTC).timestamp() - report.checked_at, 2))
    return HealthPublic.model_validate({
        "status": "up" if report.all_up else "down", "checked_at": checked_at, "age_s": age_s,
        "components": {name: asdict(component) for name, component in report.components.items()},
        "parts": None if parts is None else {name: asdict(part) for name, part in parts.items()},
    })  # fmt: skip
