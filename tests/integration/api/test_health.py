"""`GET /health` and `GET /metrics` against the real parts."""

import asyncio
import json
import time
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import SettingsDep, StorageDep, get_probes
from api.main import create_app
from api.routes.health import HealthFastPath
from chain.client import chain_probe
from polyphony.health import Probe
from polyphony.migrations import head_revision

COMPONENTS = {"database", "redis", "chain", "storage", "workers", "relayer"}


@pytest.fixture
def client(celery_worker: None, chain_rpc_url: str, operator_keys: object) -> TestClient:
    return TestClient(create_app())


def test_health_is_up_when_every_part_answers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "up"
    assert set(body["components"]) == COMPONENTS
    for name, component in body["components"].items():
        assert component["status"] == "up", name
        assert component["latency_ms"] >= 0
    assert "chain id 31337" in body["components"]["chain"]["detail"]
    assert f"schema {head_revision()}" in body["components"]["database"]["detail"]
    assert body["parts"] is None  # no `polyphony up` runs this test's parts: the chaos suite checks them under it


def test_health_is_503_and_names_the_part_that_is_down(client: TestClient) -> None:
    def probes_with_a_dead_chain(settings: SettingsDep, storage: StorageDep) -> dict[str, Probe]:
        return {**get_probes(settings, storage), "chain": chain_probe("http://127.0.0.1:9")}

    client.app.dependency_overrides[get_probes] = probes_with_a_dead_chain  # type: ignore[attr-defined]
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["components"]["chain"]["status"] == "down"
    assert body["components"]["chain"]["detail"]
    assert body["components"]["database"]["status"] == "up"


def test_metrics_count_requests_by_route_and_report_health(client: TestClient) -> None:
    client.get("/health")
    text = client.get("/metrics").text
    assert 'polyphony_http_requests_total{method="GET",route="/health"' in text
    assert 'polyphony_component_up{component="database"} 1.0' in text


def test_unknown_route_answers_the_error_shape(client: TestClient) -> None:
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.post("/health").json()["error"]["code"] == "method_not_allowed"


def test_health_answers_the_latest_background_check_and_deep_probes_now(client: TestClient) -> None:
    first, again = client.get("/health").json(), client.get("/health").json()
    deep = client.get("/health", params={"deep": 1}).json()

    assert again["checked_at"] == first["checked_at"]  # a read, not a new probe of every part
    assert 0 <= again["age_s"] < 10 and deep["age_s"] < 1
    assert deep["checked_at"] > first["checked_at"] and deep["status"] == "up"
    deadline = time.monotonic() + 30
    while client.get("/health").json()["checked_at"] == first["checked_at"]:
        assert time.monotonic() < deadline, "the background check never refreshed the answer"
        time.sleep(0.5)


def _served_by_the_fast_path(client: TestClient, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """What HealthFastPath sends for a GET /health with `headers`, in front of an app that refuses everything."""

    async def routing(_scope: Any, _receive: Any, _send: Any) -> None:
        raise LookupError("the request reached the routing")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    sent: list[dict[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "method": "GET", "path": "/health", "query_string": b"", "headers": headers,
             "app": client.app}  # fmt: skip
    asyncio.run(HealthFastPath(routing)(scope, receive, send))
    return sent


def test_a_plain_read_is_answered_before_the_routing_and_one_with_a_token_goes_through_the_route(
    client: TestClient,
) -> None:
    first = client.get("/health").json()  # the first read makes the monitor, through the route
    start, body = _served_by_the_fast_path(client, headers=[(b"host", b"testserver")])
    assert start["status"] == 200 and (b"content-type", b"application/json") in start["headers"]
    answer = json.loads(body["body"])
    assert answer["checked_at"] == first["checked_at"] and answer["components"] == first["components"]
    assert 0 <= answer["age_s"] < 10

    with pytest.raises(LookupError):  # a bearer token is the route's to check, as on every route
        _served_by_the_fast_path(client, headers=[(b"authorization", b"Bearer not-a-token")])
    refused = client.get("/health", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
