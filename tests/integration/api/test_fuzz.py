"""Bounded fuzz runs over the OpenAPI document, against the API under uvicorn: anonymous, then with the bearer
token of a real sign-in. Every answer must be no 5xx and exactly what the document says (status, headers,
content type, body schema), and a method a path does not serve must be a 405 with its `Allow` header.

A fixed seed and a fixed number of examples per operation, so the run is the same every time, and a time box
(the run is stopped, and fails, past it) so that it stays well inside the suite's budget. CI runs it once, in
its PostgreSQL run: the edge's validation is what is fuzzed, the same whichever database is behind it.
"""

import json
import logging
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from rich.console import Console
from sqlalchemy.engine import Engine

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from cli.stack import Stack, api_part
from polyphony.settings import Settings, get_settings

pytestmark = pytest.mark.postgresql_only  # once in CI: in the PostgreSQL run (tests/conftest.py)

log = logging.getLogger(__name__)
SEED = 18
EXAMPLES_PER_OPERATION = 10
TIME_BOX_S = 300
CHECKS = [
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "unsupported_method", "allow_header_conformance",
]  # fmt: skip
SCHEMATHESIS = Path(sys.executable).with_name("st")
ACCESS_LINE = re.compile(r'^INFO: +[0-9.]+:[0-9]+ - "')


@pytest.fixture(scope="module")
def api_url(
    settings: Settings, redis_url: str, engine: Engine, deployment: Deployment, celery_worker: None
) -> Iterator[str]:
    """The API under uvicorn, with a worker running so that `/health` can answer 200."""
    api = Stack(settings, Console(quiet=True))
    api.start(api_part(settings.model_copy(update={"polyphony_api_workers": 1})))
    yield f"http://127.0.0.1:{settings.polyphony_api_port}"
    api.stop_all()


def fuzz(api_url: str, report: Path, *extra: str) -> str:
    """One bounded schemathesis run: what went wrong, or "" if nothing did."""
    command = [
        str(SCHEMATHESIS), "run", f"{api_url}/openapi.json", "--checks", ",".join(CHECKS), "--seed", str(SEED),
        "--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1",
        "--phases", "examples,coverage,fuzzing", "--generation-database", "none", "--request-timeout", "30",
        "--no-color", "--report", "ndjson", "--report-ndjson-path", str(report), *extra,
    ]  # fmt: skip
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=TIME_BOX_S, check=False, cwd=report.parent
        )
    except subprocess.TimeoutExpired as late:  # what it had found by then says where it stalled
        return f"the run took longer than {TIME_BOX_S} s:\n{_text(late.stdout)[-20_000:]}\n{_api_errors()}"
    if run.returncode == 0:
        log.info("%s: %s", report.stem, _cases_by_phase(report))
        return ""
    return f"{run.stdout[-20_000:]}{run.stderr[-5_000:]}\n{_api_errors()}"


def _api_errors() -> str:
    api_log = (get_settings().home / "logs" / "api.log").read_text(errors="replace").splitlines()
    logged = "\n".join(line for line in api_log if not ACCESS_LINE.match(line))  # the errors, not every request
    return f"--- the API's log, less the access lines:\n{logged[-15_000:]}"


def _text(output: str | bytes | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def _cases_by_phase(report: Path) -> str:
    """How many requests each phase of the run sent, from its report."""
    cases: Counter[str] = Counter()
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished and isinstance(finished["recorder"], dict):
            cases[finished["phase"]] += len(finished["recorder"].get("cases", {}))
    return ", ".join(f"{count} {phase} cases" for phase, count in cases.items())


def test_anonymous_fuzzing_finds_no_server_error_and_no_answer_off_the_document(api_url: str, tmp_path: Path) -> None:
    problems = fuzz(api_url, tmp_path / "anonymous.ndjson")
    assert not problems, problems


def test_signed_in_fuzzing_finds_no_server_error_and_no_answer_off_the_document(
    api_url: str, settings: Settings, tmp_path: Path
) -> None:
    with PolyphonyClient(api_url, Account.create()) as client:
        token = client.sign_in()
    # Signing out would end the run's token halfway; the anonymous run fuzzes that operation.
    problems = fuzz(
        api_url, tmp_path / "signed-in.ndjson", "--header", f"Authorization: Bearer {token}",
        "--exclude-path", "/auth/logout",
    )  # fmt: skip
    assert not problems, problems
