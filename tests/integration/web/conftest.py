"""The web app in Debian's Chromium (Playwright, never a downloaded browser) against the real stack: the API
process as `polyphony up` runs it, with Redis, anvil and the deployed contracts, and the default, chain and
scoring workers behind it.

These tests carry the `browser` marker and run on the embedded defaults only (CI's run 1): when DATABASE_URL
names PostgreSQL (CI's run 2) they are deselected, not skipped, since the browser sees the same app either way.
Screenshots go to tests/artifacts/web/ (gitignored), at desktop and phone width.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response, sync_playwright
from rich.console import Console
from sqlalchemy.engine import Engine

from api.routes.app import WEB_DIST
from chain.bindings import Deployment
from cli.stack import Stack, api_part
from polyphony.settings import Settings, get_settings
from tests.integration.scoring.conftest import scoring_celery_worker  # noqa: F401 (the scoring worker fixture)
from tests.integration.web.wallet import TestWallet

CHROMIUM = "/usr/bin/chromium"
# As root in CI: no sandbox, and nothing that reaches out to the network on its own.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not get_settings().effective_database_url.startswith("postgresql"):
        return
    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if browser_tests:
        config.hook.pytest_deselected(items=browser_tests)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]


@pytest.fixture(scope="module")
def app_url(
    settings: Settings, redis_url: str, engine: Engine, deployment: Deployment, celery_worker: None,
    chain_celery_worker: None, scoring_celery_worker: None,  # noqa: F811 (the imported fixture, used)
) -> Iterator[str]:  # fmt: skip
    """The API process serving the built app, with every part it needs; the origin sign-in messages name."""
    assert (WEB_DIST / "index.html").is_file(), "the web app is not built: run `make setup`"
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield settings.effective_public_url
    api.stop_all()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@dataclass
class Problems:
    """What went wrong in a page that a person would not see in the page itself."""

    tolerated_paths: set[str] = field(default_factory=set)
    found: list[str] = field(default_factory=list)

    def _tolerated(self, url: str) -> bool:
        return urlsplit(url).path in self.tolerated_paths

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not self._tolerated(message.location.get("url", "")):
            self.found.append(f"console error: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.found.append(f"uncaught: {error}")

    def on_request_failed(self, request: Request) -> None:
        self.found.append(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and not self._tolerated(response.url):
            self.found.append(f"{response.status} for {response.request.method} {response.url}")


@pytest.fixture(scope="module")
def routes_not_built(app_url: str) -> set[str]:
    """The API routes the app asks for that this API does not have yet (`GET /config`): their 404 is expected
    until they exist, and the app copes with it; once the API has the route, any failure of it counts."""
    paths = httpx.get(f"{app_url}/openapi.json").json()["paths"]
    return {path for path in ("/config",) if path not in paths}


@dataclass
class OpenedApp:
    page: Page
    problems: Problems

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_app(browser: Browser, routes_not_built: set[str]) -> Iterator[object]:
    """Open a browser context (with a test wallet, if given) at a viewport; its page and what went wrong in it."""
    contexts = []

    def opened(wallet: TestWallet | None = None, viewport: dict[str, int] = DESKTOP) -> OpenedApp:
        context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        if wallet is not None:
            wallet.install(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = Problems(tolerated_paths=routes_not_built)
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_page_error)
        page.on("requestfailed", problems.on_request_failed)
        page.on("response", problems.on_response)
        return OpenedApp(page, problems)

    yield opened
    for context in contexts:
        context.close()
