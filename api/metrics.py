"""The API's Prometheus metrics: requests by route and status, their latency, and the last health check."""

import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from prometheus_client import Counter, Gauge, Histogram

from polyphony.health import ComponentHealth

REQUESTS = Counter("polyphony_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("polyphony_http_request_seconds", "Time to answer an HTTP request", ["method", "route"])
COMPONENT_UP = Gauge("polyphony_component_up", "1 when the part answered the last health check", ["component"])
COMPONENT_LATENCY = Gauge(
    "polyphony_component_latency_seconds", "Latency of the part in the last health check", ["component"]
)


def install_metrics(app: FastAPI) -> None:
    """Count and time every request, labelled by route template (not raw path: bounded cardinality)."""

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        return response


def record_health(components: Mapping[str, ComponentHealth]) -> None:
    """Expose the latest health check as gauges."""
    for name, component in components.items():
        COMPONENT_UP.labels(name).set(1 if component.status == "up" else 0)
        COMPONENT_LATENCY.labels(name).set(component.latency_ms / 1000)
