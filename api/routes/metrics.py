"""`GET /metrics`: Prometheus text exposition of the API's metrics."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """Every metric this process keeps, for a Prometheus scrape."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
