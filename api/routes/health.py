"""`GET /health`: is every part of the stack up? 200 when all are, 503 otherwise."""

from dataclasses import asdict

from fastapi import APIRouter, Response

from api.deps import ProbesDep
from api.metrics import record_health
from api.schemas.health import HealthPublic
from polyphony.health import check_components

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
def health(probes: ProbesDep, response: Response) -> HealthPublic:
    """Probe the database, Redis, the chain, storage and the workers, in parallel."""
    components = check_components(probes)
    record_health(components)
    all_up = all(component.status == "up" for component in components.values())
    response.status_code = 200 if all_up else 503
    return HealthPublic.model_validate(
        {"status": "up" if all_up else "down", "components": {k: asdict(v) for k, v in components.items()}}
    )
