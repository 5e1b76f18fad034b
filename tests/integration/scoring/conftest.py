"""The scoring worker process, the API served for the CLI, and helpers that wait for a score."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.engine import Engine

from cli.client import PolyphonyClient
from cli.stack import Stack, api_part, scoring_worker_part
from polyphony.queue import get_celery
from polyphony.settings import Settings
from tests.integration.api.conftest import contributor, stranger  # noqa: F401 (fixtures shared with the API tests)

SCORE_TIMEOUT_S = 180.0


@pytest.fixture(scope="session")
def scoring_celery_worker(settings: Settings, stack: Stack, redis_url: str, engine: Engine) -> None:
    """The scoring queue's worker process, as `polyphony up` runs it."""
    stack.start(scoring_worker_part(settings))


@pytest.fixture(scope="module")
def api_url(settings: Settings, redis_url: str, engine: Engine) -> Iterator[str]:
    """The API under uvicorn on loopback, for `polyphony verify score`, which speaks HTTP."""
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings))
    yield f"http://127.0.0.1:{settings.polyphony_api_port}"
    api.stop_all()


def score_due() -> int:
    """Ask the scoring worker to send every anchored, unscored contribution for scoring."""
    return int(get_celery().send_task("scoring.enqueue_due").get(timeout=60))


def wait_for_verdict(client: PolyphonyClient, contribution_id: int, *, final: bool = True) -> dict[str, Any]:
    """The contribution once it has a verdict (pass or fail when `final`), sending due work while it waits."""
    deadline = time.monotonic() + SCORE_TIMEOUT_S
    while True:
        shown = client.call("GET", f"/contributions/{contribution_id}")
        if shown["verdict"] in (("pass", "fail") if final else ("pass", "fail", "no-verdict")):
            return dict(shown)
        if time.monotonic() > deadline:
            raise AssertionError(f"contribution {contribution_id} was not scored in time: {shown}")
        score_due()
        time.sleep(1.0)
