"""Two real beat processes on one Redis, each started as `polyphony serve beat` with its own state folder (as on
two machines): one sends the schedule, the other stands by and takes over once the first is killed."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.support.beat_lock import holder
from workers.single_beat import LOCK_KEY, LOCK_S

PROJECT = Path(__file__).resolve().parents[3]
POLYPHONY = str(Path(sys.executable).parent / "polyphony")
Beat = subprocess.Popen[bytes]


@pytest.fixture
def start_beat(tmp_path: Path, redis_url: str) -> Iterator[Callable[[str], Beat]]:
    Redis.from_url(redis_url).delete(LOCK_KEY)
    started: list[Beat] = []

    def start(name: str) -> Beat:
        home = tmp_path / name
        environment = {**os.environ, "POLYPHONY_HOME": str(home), "REDIS_URL": redis_url, "POLYPHONY_LOG_LEVEL": "info"}
        with (tmp_path / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [POLYPHONY, "serve", "beat"], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_a_second_beat_stands_by_and_takes_over_when_the_first_is_killed(
    start_beat: Callable[[str], Beat], redis_url: str, tmp_path: Path
) -> None:
    redis = Redis.from_url(redis_url)
    first = start_beat("first")
    wait_for(lambda: holder(redis) == first.pid, 60, "the first beat never took the schedule")
    second = start_beat("second")
    wait_for(lambda: "stands by" in (tmp_path / "second.log").read_text(), 60, "the second beat did not stand by")
    assert holder(redis) == first.pid and second.poll() is None

    first.kill()
    first.wait()

    wait_for(lambda: holder(redis) == second.pid, LOCK_S * 3, "the second beat never took over")
    assert "holds the schedule" in (tmp_path / "second.log").read_text()
