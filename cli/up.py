"""The `polyphony up` command: preflight, start in order, report, supervise (restart what dies), stop on Ctrl-C."""

import signal
import time
from types import FrameType

import httpx
from rich.console import Console
from rich.table import Table

from cli.deploy import deploy_contracts
from cli.preflight import PreflightFailed, check_everything
from cli.stack import (
    READY_TIMEOUT_S,
    ROLES,
    Stack,
    StackFailed,
    anvil_part,
    api_base_url,
    redis_part,
)
from polyphony.db import make_engine
from polyphony.errors import PolyphonyError
from polyphony.migrations import upgrade_to_head
from polyphony.settings import Settings

SUPERVISE_EVERY_S = 0.5


class _StopRequested(Exception):
    """SIGINT or SIGTERM reached the supervisor."""


def run_stack(settings: Settings, console: Console) -> int:
    """Start the whole stack and watch it until asked to stop; return the exit code."""
    try:
        check_everything(settings)
    except PreflightFailed as problem:
        console.print(f"[red]polyphony up:[/] {problem}")
        return 2
    stack = Stack(settings, console, supervised=True)
    _stop_on_signals()
    try:
        _start(stack, settings, console)
        _report_health(settings, console)
        while True:
            stack.heal()
            time.sleep(SUPERVISE_EVERY_S)
    except _StopRequested:
        console.print("Stopping…")
        return 0
    except StackFailed as failure:
        console.print(f"[red]polyphony up:[/] {failure}")
        return 1
    except PolyphonyError as error:
        console.print(f"[red]polyphony up:[/] {error.message}")
        return 2
    finally:
        stack.stop_all()


def _start(stack: Stack, settings: Settings, console: Console) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    console.print(f"Polyphony: state in {settings.home}")
    if not settings.redis_url:
        stack.start(redis_part(settings))
    if not settings.chain_rpc_url:
        stack.start(anvil_part(settings))
    engine = make_engine(settings.effective_database_url)
    upgrade_to_head(engine)
    engine.dispose()
    console.print("  [green]migrated[/] database to the newest schema")
    deploy_contracts(settings, console)
    for build in ROLES.values():
        stack.start(build(settings))


def _report_health(settings: Settings, console: Console) -> None:
    """Wait for every component to be up (or the deadline), then print the table."""
    url = f"{api_base_url(settings)}/health"
    deadline = time.monotonic() + READY_TIMEOUT_S
    report = httpx.get(url, timeout=10).json()
    while report["status"] != "up" and time.monotonic() < deadline:
        time.sleep(1)
        report = httpx.get(url, timeout=10).json()
    table = Table("component", "status", "latency ms", "detail", title=f"GET {url}")
    for name, component in report["components"].items():
        colour = "green" if component["status"] == "up" else "red"
        table.add_row(name, f"[{colour}]{component['status']}[/]", str(component["latency_ms"]), component["detail"])
    console.print(table)
    console.print(
        "Polyphony is up. Ctrl-C stops everything."
        if report["status"] == "up"
        else "[red]Some parts are down[/]: see the table and the logs folder."
    )


def _stop_on_signals() -> None:
    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        raise _StopRequested

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
