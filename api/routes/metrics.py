"""`GET /metrics`: Prometheus text exposition of the API's metrics."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api.metrics import exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Every metric the API keeps (all its worker processes'), for a Prometheus scrape."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
