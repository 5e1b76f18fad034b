"""The API's Prometheus metrics: requests by route and status, their latency, and the last health check.

When the API runs several worker processes, `polyphony up` gives them a shared PROMETHEUS_MULTIPROC_DIR:
each worker writes its metrics there, and a scrape, whichever worker answers it, reads every worker's.
"""

import os
import time
from collections.abc import Iterator, Mapping

from fastapi import FastAPI
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chain.purse import RelayerStanding
from polyphony.health import ComponentHealth

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
REQUESTS = Counter("polyphony_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("polyphony_http_request_seconds", "Time to answer an HTTP request", ["method", "route"])
# A health check runs in one worker: its latest answer, from whichever worker, is the one to show.
COMPONENT_UP = Gauge(
    "polyphony_component_up", "1 when the part answered the last health check", ["component"],
    multiprocess_mode="mostrecent",
)  # fmt: skip
COMPONENT_LATENCY = Gauge(
    "polyphony_component_latency_seconds", "Latency of the part in the last health check", ["component"],
    multiprocess_mode="mostrecent",
)  # fmt: skip

# The relayer's purse, read at each scrape (from the chain and the relayer's transaction rows).
RELAYER_BALANCE = Gauge(
    "polyphony_relayer_balance_wei", "The relayer's balance", multiprocess_mode="mostrecent"
)  # fmt: skip
RELAYER_SPENT = Gauge(
    "polyphony_relayer_spent_wei", "Gas the relayer spent in the current relay window (an upper bound)",
    multiprocess_mode="mostrecent",
)  # fmt: skip
RELAYER_SPEND_CAP = Gauge(
    "polyphony_relayer_spend_cap_wei", "Most gas the relayer may spend per relay window", multiprocess_mode="mostrecent"
)  # fmt: skip


def install_metrics(app: FastAPI) -> None:
    """Count and time every request, labelled by route template (not raw path: bounded cardinality)."""
    app.add_middleware(_RequestMetrics)


class _RequestMetrics:
    """Plain ASGI middleware. Starlette's `BaseHTTPMiddleware` relays the request body through a stream and a
    task of its own, which measured a third of the API's CPU time while a large upload arrived; this one passes
    `receive` through untouched and only watches the response start go by."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")  # the router fills it in on the way
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)
            REQUESTS.labels(scope["method"], template, str(status)).inc()


def record_health(components: Mapping[str, ComponentHealth]) -> None:
    """Expose the latest health check as gauges."""
    for name, component in components.items():
        COMPONENT_UP.labels(name).set(1 if component.status == "up" else 0)
        COMPONENT_LATENCY.labels(name).set(component.latency_ms / 1000)


def record_relayer(standing: RelayerStanding | None) -> None:
    """Expose the relayer's balance and spending as gauges (left as they were when they cannot be read)."""
    if standing is not None:
        RELAYER_BALANCE.set(standing.balance_wei)
        RELAYER_SPENT.set(standing.spent_wei)
        RELAYER_SPEND_CAP.set(standing.cap_wei)


def exposition() -> bytes:
    """What a scrape reads: this process's metrics, or every worker's when the API runs several."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_EveryWorker())
    return generate_latest(registry)


class _EveryWorker(Collector):
    """The request and health metrics merged over every worker's files, then what only this process collects
    (Redis-backed collectors read the same shared state from any worker; process_* describe this worker)."""

    def collect(self) -> Iterator[Metric]:
        merged = list(MultiProcessCollector(None).collect())  # type: ignore[no-untyped-call]
        names = {metric.name for metric in merged}
        yield from merged
        yield from (metric for metric in REGISTRY.collect() if metric.name not in names)
