"""`polyphony up` as an operator runs it: green health, clean stop, state kept across a restart, and one clear
line (with nothing left running) when the configuration is wrong."""

import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from cli.stack import free_port
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings

POLYPHONY = str(Path(sys.executable).parent / "polyphony")
UP_DEADLINE_S = 90


def _stack_env(home: Path, **overrides: str) -> dict[str, str]:
    ports = {name: str(free_port()) for name in ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT")}
    return {**os.environ, **ports, "POLYPHONY_HOME": str(home), "COLUMNS": "200", **overrides}


@contextmanager
def running_stack(env: dict[str, str], output: Path) -> Iterator[str]:
    """`polyphony up` until /health is all green; then Ctrl-C, and it must exit 0."""
    with output.open("ab") as log:
        process = subprocess.Popen([POLYPHONY, "up"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['POLYPHONY_API_PORT']}"
    try:
        _wait_until_healthy(base, process, output)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, output.read_text()


def _wait_until_healthy(base: str, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + UP_DEADLINE_S
    while time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    pytest.fail(f"/health not green within {UP_DEADLINE_S} s:\n{output.read_text()}")


def _listening(port: str) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", int(port))) == 0


def _rpc(url: str, method: str, params: list[object]) -> object:
    answer = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=10)
    return answer.json()["result"]


def test_up_serves_green_health_stops_cleanly_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    env = _stack_env(tmp_path / "var")
    env.pop("CHAIN_RPC_URL", None)  # this test is about the embedded chain and its persisted state
    # Its beat closes epochs, scores and keeps proposals: run on the suite's database and queue, that work would
    # land in other tests' state. So the stack gets its own database, and its own Redis database number.
    env.pop("DATABASE_URL", None)
    if env.get("REDIS_URL"):
        env["REDIS_URL"] = env["REDIS_URL"].rsplit("/", 1)[0] + "/9"
    storage = storage_from_settings(Settings(polyphony_home=tmp_path / "var"))
    chain = f"http://127.0.0.1:{env['POLYPHONY_CHAIN_PORT']}"
    output = tmp_path / "up.log"
    with running_stack(env, output):
        sender, receiver = _rpc(chain, "eth_accounts", [])[:2]  # type: ignore[index]
        _rpc(chain, "eth_sendTransaction", [{"from": sender, "to": receiver, "value": "0x1"}])
        balance = _rpc(chain, "eth_getBalance", [receiver, "latest"])
        queue = redis.Redis.from_url(env.get("REDIS_URL") or f"redis://127.0.0.1:{env['POLYPHONY_REDIS_PORT']}/0")
        queue.set("polyphony-test-survives-restart", "yes")
        blob = storage.add(io.BytesIO(b"kept across restarts"))
    for port in ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT"):
        assert not _listening(env[port]), f"{port} still has a listener after Ctrl-C"

    with running_stack(env, output):
        assert _rpc(chain, "eth_getBalance", [receiver, "latest"]) == balance
        assert int(str(_rpc(chain, "eth_blockNumber", [])), 16) >= 1
        assert queue.get("polyphony-test-survives-restart") == b"yes"
        assert storage.has(blob.cid)


def test_a_killed_up_takes_every_part_with_it(tmp_path: Path) -> None:
    # An orphaned worker goes on taking jobs from whatever Redis next listens on its port, for a stack that is gone.
    home = tmp_path / "var"
    env = _stack_env(home)
    for service in ("DATABASE_URL", "REDIS_URL", "CHAIN_RPC_URL", "IPFS_API_URL"):
        env.pop(service, None)
    output = tmp_path / "up.log"
    with output.open("ab") as log:
        up = subprocess.Popen([POLYPHONY, "up"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(f"http://127.0.0.1:{env['POLYPHONY_API_PORT']}", up, output)
        assert len(_processes_of(home)) >= 5, output.read_text()  # anvil, three workers, beat, the API's
    finally:
        up.kill()
        up.wait()
    ports = [env[port] for port in ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT")]
    deadline = time.monotonic() + 60
    while (_processes_of(home) or any(map(_listening, ports))) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_of(home) == [], "still running after `polyphony up` was killed"
    # Redis rewrites its own process title over its environment, so it is known by its port.
    assert not any(map(_listening, ports)), "a port still has a listener after `polyphony up` was killed"


def _processes_of(home: Path) -> list[str]:
    """The command lines of live processes started for the stack in `home` (zombies have no environment)."""
    marker = f"POLYPHONY_HOME={home.resolve()}".encode()
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (process / "environ").read_bytes().split(b"\0"):
                found.append((process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # it ended while we looked
            continue
    return found


def _up_fails(env: dict[str, str]) -> tuple[int, str]:
    finished = subprocess.run([POLYPHONY, "up"], env=env, capture_output=True, text=True, timeout=60)
    return finished.returncode, (finished.stdout + finished.stderr).strip()


def test_a_wrong_database_url_is_one_clear_line_and_nothing_runs(tmp_path: Path) -> None:
    env = _stack_env(tmp_path, DATABASE_URL="postgresql+psycopg://nobody:secret@127.0.0.1:9/nothing")
    code, said = _up_fails(env)
    assert code == 2, said
    assert said.count("\n") == 0 and "DATABASE_URL" in said and "secret" not in said
    assert not any(_listening(env[port]) for port in ("POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT"))


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("REDIS_URL", "redis://127.0.0.1:9/0"),
        ("CHAIN_RPC_URL", "http://127.0.0.1:9"),
        ("IPFS_API_URL", "http://127.0.0.1:9"),
    ],
)
def test_an_unreachable_service_url_is_one_clear_line(tmp_path: Path, variable: str, url: str) -> None:
    code, said = _up_fails(_stack_env(tmp_path, **{variable: url}))
    assert code == 2
    assert said.count("\n") == 0 and variable in said


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    env = _stack_env(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["POLYPHONY_API_PORT"])))
        squatter.listen()
        code, said = _up_fails(env)
    assert code == 2
    assert "POLYPHONY_API_PORT" in said and env["POLYPHONY_API_PORT"] in said
