"""The web app as the API serves it: `/` leads to `/app/`, every page path answers the app (so a reload works),
built bundles are cached for good and index.html never is, and an unbuilt app is a 503 that says what to do."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes import app as web_app
from polyphony.settings import Settings


@pytest.fixture
def api(settings: Settings, redis_url: str) -> TestClient:
    return TestClient(create_app(), base_url=settings.effective_public_url)


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in build, so this test does not depend on `make setup` having run."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/app/assets/app-X1.js"></script>')
    (tmp_path / "assets" / "app-X1.js").write_text("console.log('polyphony')")
    monkeypatch.setattr(web_app, "WEB_DIST", tmp_path)
    return tmp_path


def test_the_root_redirects_to_the_app(api: TestClient) -> None:
    answer = api.get("/", follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/app/"


@pytest.mark.parametrize("path", ["/app/", "/app/contribute", "/app/contributions/12", "/app/no/such/page"])
def test_every_app_path_answers_the_app_uncached(api: TestClient, built: Path, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.text == (built / "index.html").read_text()


def test_a_bundle_is_served_with_a_long_cache(api: TestClient, built: Path) -> None:
    answer = api.get("/app/assets/app-X1.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "immutable" in answer.headers["cache-control"]
    assert answer.text == "console.log('polyphony')"


@pytest.mark.parametrize("name", ["app-OLD.js", "..%2Findex.html", "%2E%2E/%2E%2E/pyproject.toml"])
def test_an_unknown_or_escaping_asset_is_a_404_in_the_error_shape(api: TestClient, built: Path, name: str) -> None:
    answer = api.get(f"/app/assets/{name}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] in ("asset_not_found", "not_found")


def test_an_unbuilt_app_says_to_run_make_setup(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_app, "WEB_DIST", tmp_path / "missing")
    for path in ("/app/", "/app/contribute", "/app/assets/app-X1.js"):
        answer = api.get(path)
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "app_not_built"
        assert "make setup" in answer.json()["error"]["message"]
