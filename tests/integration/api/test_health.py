"""`GET /health` and `GET /metrics` against the real parts."""

import time

import pytest
from fastapi.testclient import TestClient

from api.deps import SettingsDep, StorageDep, get_probes
from api.main import create_app
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
