"""The supervisor's healing on plain processes: a killed part comes back with a new pid and its restart is
recorded for /health; a part that keeps dying stops the stack with one line."""

import itertools
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from cli import stack as stack_module
from cli.stack import GIVE_UP_AFTER, Part, Stack, StackFailed
from polyphony.health import supervised_parts
from polyphony.settings import Settings

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _heal_until(stack: Stack, done: object, *, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        stack.heal()
        time.sleep(0.05)


def test_a_killed_part_is_restarted_and_its_restart_is_in_the_health_record(tmp_path: Path) -> None:
    stack = Stack(Settings(polyphony_home=tmp_path), Console(quiet=True), supervised=True)
    part = Part("sleeper", SLEEPER, "nothing")
    try:
        stack.start(part)
        assert part.process is not None
        first = part.process.pid
        os.killpg(first, signal.SIGKILL)
        _heal_until(stack, lambda: part.restarts == 1)
        assert part.process.pid != first and part.process.poll() is None
        parts = supervised_parts(tmp_path)
        assert parts is not None
        assert parts["sleeper"].restarts == 1 and parts["sleeper"].status == "running"
        assert parts["sleeper"].last_exit_code == -signal.SIGKILL
    finally:
        stack.stop_all()
    assert supervised_parts(tmp_path) is None  # a stopped stack leaves no record behind


def test_a_part_that_keeps_dying_stops_the_stack_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_module, "FIRST_BACKOFF_S", 0.2)  # the doubling, not the length, is under test
    stack = Stack(Settings(polyphony_home=tmp_path), Console(quiet=True), supervised=True)
    part = Part("crasher", [sys.executable, "-c", "import time; time.sleep(0.3); raise SystemExit(3)"], "nothing")
    try:
        stack.start(part)
        with pytest.raises(StackFailed) as failure:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                stack.heal()
                time.sleep(0.02)
    finally:
        stack.stop_all()
    assert part.restarts == GIVE_UP_AFTER
    assert "crasher keeps dying" in str(failure.value) and "\n" not in str(failure.value)
    gaps = [later - earlier for earlier, later in itertools.pairwise(part.restarted_at)]
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps  # the backoff grows


def test_a_part_whose_program_is_gone_is_tried_again_and_then_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack_module, "FIRST_BACKOFF_S", 0.05)
    program = tmp_path / "sleeper"
    program.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(120)\n")
    program.chmod(0o755)
    stack = Stack(Settings(polyphony_home=tmp_path), Console(quiet=True), supervised=True)
    part = Part("vanishing", [str(program)], "nothing")
    try:
        stack.start(part)
        program.unlink()  # an npm reinstall, a removed virtualenv: the next start fails
        assert part.process is not None
        os.killpg(part.process.pid, signal.SIGKILL)
        with pytest.raises(StackFailed) as failure:
            _heal_until(stack, lambda: False, timeout_s=30)
    finally:
        stack.stop_all()
    assert "vanishing keeps dying" in str(failure.value)
