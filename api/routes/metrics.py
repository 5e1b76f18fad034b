"""`GET /metrics`: Prometheus text exposition of the API's metrics."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import SessionDep, SettingsDep
from api.metrics import exposition, record_relayer
from chain.purse import relayer_standing

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
def metrics(session: SessionDep, settings: SettingsDep) -> Response:
    """Every metric the API keeps (all its worker processes'), and the relayer's purse, for a Prometheus scrape."""
    record_relayer(relayer_standing(session, settings))
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
