"""Load figures: sustained 1 MB uploads from 20 signed-in clients, /health under that load, one upload's server
time, scoring throughput on one and two scoring nodes, and recovery after kill -9 of a scoring worker:
bench/out/load.json.

Runs alone (`python bench/load.py`) against a production-shaped stack on this machine: PostgreSQL and
redis-server (DATABASE_URL and REDIS_URL when given; otherwise this script starts its own from the Debian binaries
on free ports, and exits with one line when they are missing), the embedded anvil, and the parts as `polyphony up`
starts them (cli/stack.py): the default and chain workers, beat, and the API with POLYPHONY_API_WORKERS=2.
Every client connects from 127.0.0.1, so the per-client limits are raised for the run (they are meant for one
client each); the per-address ones stay, each client being its own wallet.

Phases:
1. `upload_server_ms_1mb`: 10 sequential fresh 1 MB uploads on the quiet stack; the server's own time after the
   body's last byte (the median sum of its Server-Timing phases past the body: the thread hop, the wait for the
   staged add and the check, the metadata check, both commits, the pin), each phase apart too. The client's time
   from its last write to the answer is larger and kept apart: the kernel's socket buffers take most of a 1 MB
   body at once, so the client's last write returns while the server is still reading.
2. 60 s of fresh 1 MB JSONL uploads from 20 clients, each uploading back to back, while another client reads
   /health every 200 ms: `uploads_per_s`, p50/p99, errors, `health_p99_ms`; /health read alone for 20 s before
   (`health_p99_ms_quiet`), the floor under it (the machine's other work included).
3. Scoring: a batch of claimed small JSONL contributions, anchored while no scoring worker runs, then scored by
   one scoring node (a worker process of concurrency 1) and, for a second batch, by two: documents (records) per
   second from the first score to the last; the wait for the first score (a fresh node loads its models) apart.
4. Recovery: a third batch, one node, kill -9 of its process group once some are scored; the supervisor's
   restart (backoff, taken jobs requeued) brings it back: seconds until scoring resumes and until all are scored.

Anchor: each figure's goal from issue 18, as `<key>_vs_goal` (figure / goal; for latencies below 1 is better).
"""

import argparse
import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from ingest import CONSENT, Contributor, Corpus
from rich.console import Console
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, col, select

from cli.deploy import deploy_contracts
from cli.stack import (
    Part,
    Stack,
    anvil_part,
    api_part,
    beat_part,
    chain_worker_part,
    free_port,
    scoring_worker_part,
    worker_part,
)
from polyphony.db import get_engine
from polyphony.migrations import upgrade_to_head
from polyphony.models.contribution import Contribution, ContributionStatus
from polyphony.settings import get_settings

OUT = Path(__file__).resolve().parent / "out" / "load.json"
CLIENTS = 20
LOAD_S = 60.0
UPLOAD_BYTES = 1_000_000
HEALTH_EVERY_S = 0.2
QUIET_HEALTH_S = 20.0  # /health read alone first, before the uploads
WARM_HEALTH_READS = 10
# Pollers are spawned, not forked: a fork inherits this process's Redis connections (the workers' ready pings), and
# kombu's after-fork cleanup of one that was waiting on a reply can block the child for good (seen here).
SPAWN = multiprocessing.get_context("spawn")
TIMED_UPLOADS = 10
SCORING_BATCH = 24  # contributions per scoring batch
SCORING_BYTES = 40_000  # each about 25 documents of 1.5 kB
ANCHOR_TIMEOUT_S = 240.0
SCORE_TIMEOUT_S = 600.0
GOALS = {"upload_p99_ms": 2000, "upload_errors": 0, "recovery_s": 60, "health_p99_ms": 50,
         "upload_server_ms_1mb": 20, "scoring_ratio_2_to_1": 1.6}  # fmt: skip
# The upload's Server-Timing phases up to the body's last byte: the token read, the admission, the body itself.
BODY_AND_BEFORE = ("token", "admission", "body")
console = Console()


class Unavailable(Exception):
    """A service the bench needs cannot be had; the message is the one line to print."""


# ---- services -------------------------------------------------------------------------------------------------


def services(workdir: Path, started: list[Callable[[], None]]) -> tuple[str, str]:
    """DATABASE_URL and REDIS_URL: the given ones, or a PostgreSQL and a redis-server started here."""
    database = os.environ.get("DATABASE_URL") or start_postgres(workdir / "pg", started)
    redis = os.environ.get("REDIS_URL") or start_redis(workdir, started)
    return database, redis


def start_postgres(folder: Path, started: list[Callable[[], None]]) -> str:
    """A fresh PostgreSQL cluster on a free port (as postgres when run as root, as .ci/run does)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bins:
        raise Unavailable("PostgreSQL is not installed: apt-get install postgresql, or set DATABASE_URL")
    pg, port = bins[-1], free_port()
    folder.mkdir(parents=True)
    as_owner = ["su", "postgres", "-c"] if os.getuid() == 0 else ["sh", "-c"]
    if os.getuid() == 0:
        shutil.chown(folder.parent, user="postgres")
        shutil.chown(folder, user="postgres")
    data = folder / "data"

    def run(line: str) -> None:
        subprocess.run([*as_owner, line], check=True, capture_output=True)

    run(f"{pg}/initdb -D {data} -A trust -U postgres")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
    run(f"{pg}/pg_ctl -D {data} -l {folder}/log -w start -o '{options}'")
    started.append(lambda: run(f"{pg}/pg_ctl -D {data} -m fast stop"))
    run(f"{pg}/createdb -h 127.0.0.1 -p {port} polyphony_load")
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/polyphony_load"


def start_redis(folder: Path, started: list[Callable[[], None]]) -> str:
    """A redis-server on a free port, append-only with fsync every second as the embedded one runs."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server is not installed: apt-get install redis-server, or set REDIS_URL")
    port = free_port()
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder), "--appendonly", "yes",
               "--appendfsync", "everysec", "--save", "", "--daemonize", "no"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        process.terminate()
        process.wait()

    started.append(stop)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() == b"PONG":
            return url
        time.sleep(0.1)
    raise Unavailable(f"redis-server did not answer on port {port}")


def configure(home: Path, database: str, redis: str) -> None:
    """The settings (read on first use) for the run: private state, the services, 2 API workers, loose limits."""
    for name in ("CHAIN_RPC_URL", "IPFS_API_URL", "POLYPHONY_PUBLIC_URL"):
        os.environ.pop(name, None)
    os.environ.update({name: str(free_port()) for name in ("POLYPHONY_API_PORT", "POLYPHONY_CHAIN_PORT")})
    per_client = ("UPLOAD_PER_CLIENT", "SIGN_IN_PER_CLIENT", "UPLOADS_AT_ONCE_PER_CLIENT", "UPLOAD_PER_ADDRESS")
    os.environ.update({f"POLYPHONY_{name}": "1000000" for name in per_client})
    os.environ.update(
        POLYPHONY_HOME=str(home), POLYPHONY_LOG_LEVEL="warning", DATABASE_URL=database, REDIS_URL=redis,
        POLYPHONY_API_WORKERS="2",
    )  # fmt: skip


def start_stack(stack: Stack) -> str:
    """anvil, the schema, the contracts, then every part but the scoring worker; the API's base URL."""
    settings = get_settings()
    stack.start(anvil_part(settings))
    upgrade_to_head(get_engine())
    deploy_contracts(settings, console)
    for part in (worker_part(settings), chain_worker_part(settings), beat_part(settings), api_part(settings)):
        stack.start(part)
    return f"http://127.0.0.1:{settings.polyphony_api_port}"


def scoring_node(number: int) -> Part:
    """One scoring node: a scoring worker process of concurrency 1 with a hostname of its own."""
    part = scoring_worker_part(get_settings())
    command = list(part.command)
    command[command.index("--concurrency") + 1] = "1"
    command[command.index("--hostname") + 1] = f"scoring@node{number}-%h"
    listens = "queue 'scoring', concurrency 1"
    return dataclasses.replace(part, name=f"scoring-node-{number}", command=command, listens=listens)


# ---- uploads --------------------------------------------------------------------------------------------------


class Uploader:
    """A signed-in client uploading fresh copies of one base file (a unique first record makes each new)."""

    def __init__(self, api: str, base: bytes, folder: Path) -> None:
        self.contributor = Contributor(api)
        self.base, self.folder = base, folder

    def fresh(self, *, extra: bytes = b"") -> Path:
        """A file unlike any uploaded before: a unique record, then the base."""
        path = self.folder / f"{uuid.uuid4().hex}.jsonl"
        path.write_bytes(json.dumps({"id": path.stem, "text": "a fresh upload"}).encode() + b"\n" + extra + self.base)
        return path

    def timed(self) -> tuple[float, float, str]:
        """Upload one fresh file: seconds in all, seconds after the last byte left, the Server-Timing header."""
        path = self.fresh()
        size = path.stat().st_size
        last_byte = [0.0]

        def heard(sent: int) -> None:
            if sent >= size:
                last_byte[0] = time.perf_counter()

        form = {"title": path.name, "license": "CC-BY-4.0", "modality": "text", "consent": CONSENT}
        client = self.contributor.client
        started = time.perf_counter()
        with path.open("rb") as file:
            response = client._request(
                "POST", "/contributions", data=form, files={"file": (path.name, _Reads(file, heard), "text/plain")},
                headers={"Idempotency-Key": path.name}, timeout=120,
            )  # fmt: skip
        done = time.perf_counter()
        path.unlink()
        assert response.status_code == 201, response.text
        return done - started, done - (last_byte[0] or started), response.headers.get("server-timing", "")


class _Reads:
    """A file whose reads are reported (how many bytes have gone so far)."""

    def __init__(self, file: Any, heard: Callable[[int], None]) -> None:
        self.file, self.heard, self.sent = file, heard, 0

    def read(self, size: int = -1) -> bytes:
        chunk: bytes = self.file.read(size)
        self.sent += len(chunk)
        self.heard(self.sent)
        return chunk


def phases_of(header: str) -> dict[str, float]:
    """The metrics of one Server-Timing header (`name;dur=ms, ...`), in milliseconds."""
    metrics = (metric.strip().partition(";") for metric in header.split(",") if "dur=" in metric)
    return {name: float(rest.split("dur=")[1].split(";")[0]) for name, _, rest in metrics}


def server_timing(headers: list[str]) -> dict[str, float]:
    """The median of each Server-Timing metric over the answers that sent one."""
    samples: dict[str, list[float]] = {}
    for header in headers:
        for name, ms in phases_of(header).items():
            samples.setdefault(name, []).append(ms)
    return {name: round(statistics.median(values), 2) for name, values in samples.items()}


def after_body_ms(headers: list[str]) -> float:
    """The median, over the answers, of the server's time after the body was in: every phase past BODY_AND_BEFORE."""
    sums = [sum(ms for name, ms in phases_of(h).items() if name not in BODY_AND_BEFORE) for h in headers if h]
    return round(statistics.median(sums), 1) if sums else float("nan")


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def poll_health(api: str, stop: Any, answer: Any) -> None:
    """Read /health every HEALTH_EVERY_S seconds until `stop` is set; send back each answer's seconds."""
    seconds = []
    with httpx.Client(base_url=api, timeout=10) as http:
        while not stop.is_set():
            started = time.perf_counter()
            http.get("/health").raise_for_status()
            seconds.append(time.perf_counter() - started)
            stop.wait(HEALTH_EVERY_S)
    answer.send(seconds)


def sustained_load(uploaders: list[Uploader], api: str) -> dict[str, Any]:
    """LOAD_S seconds of back-to-back uploads from every uploader, /health read meanwhile."""
    latencies: list[float] = []
    timings: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def upload_loop(uploader: Uploader) -> None:
        while not stop.is_set():
            try:
                took, _, timing = uploader.timed()
                latencies.append(took)
                timings.append(timing)
            except Exception as error:  # counted and shown: every failed upload is a figure
                errors.append(f"{type(error).__name__}: {error}"[:200])

    # /health is read from a process of its own: in this one, 20 upload threads share the GIL and the wait for it
    # would be counted as the API's latency. First alone, as the floor the machine leaves it (other work on it
    # included), then under the uploads.
    quiet = read_health_alone(api, QUIET_HEALTH_S)
    health_stop, (health_out, health_in) = SPAWN.Event(), SPAWN.Pipe(duplex=False)
    poller = SPAWN.Process(target=poll_health, args=(api, health_stop, health_in))
    poller.start()
    threads = [threading.Thread(target=upload_loop, args=(u,)) for u in uploaders]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - started < LOAD_S:
        time.sleep(10)
        console.print(f"  load {time.monotonic() - started:3.0f} s: {len(latencies)} uploads, {len(errors)} errors")
    stop.set()
    health_stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    health: list[float] = health_out.recv()
    poller.join()
    return {
        "uploads_per_s": round(len(latencies) / elapsed, 2),
        "upload_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "upload_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "upload_errors": len(errors),
        "upload_server_ms_1mb_under_load": after_body_ms(timings),
        "upload_server_parts_ms_under_load": server_timing(timings),
        "upload_error_samples": sorted(set(errors))[:5],
        "health_p50_ms": round(percentile(health, 0.5) * 1000, 1),
        "health_p99_ms": round(percentile(health, 0.99) * 1000, 1),
        "health_requests": len(health),
        "health_p50_ms_quiet": round(percentile(quiet, 0.5) * 1000, 1),
        "health_p99_ms_quiet": round(percentile(quiet, 0.99) * 1000, 1),
    }


def read_health_alone(api: str, seconds: float) -> list[float]:
    """Each answer's seconds of /health read every HEALTH_EVERY_S for `seconds`, nothing else sent meanwhile."""
    # The first read an API worker answers waits for its first check of every part; each of the 2 workers makes
    # its own, and a fresh connection lands on either, so a few fresh connections warm both.
    for _ in range(WARM_HEALTH_READS):
        httpx.get(f"{api}/health", timeout=30)
    stop, (out, into) = SPAWN.Event(), SPAWN.Pipe(duplex=False)
    poller = SPAWN.Process(target=poll_health, args=(api, stop, into))
    poller.start()
    time.sleep(seconds)
    stop.set()
    answers: list[float] = out.recv()
    poller.join()
    return answers


# ---- scoring --------------------------------------------------------------------------------------------------


def claimed_batch(uploader: Uploader, corpus: Corpus, folder: Path) -> tuple[list[int], int]:
    """SCORING_BATCH fresh small JSONL uploads, claimed; their ids and how many documents (lines) they hold."""
    ids, documents = [], 0
    for _ in range(SCORING_BATCH):
        path = corpus.write(folder / f"{uuid.uuid4().hex}.jsonl", size=SCORING_BYTES, fmt="jsonl")
        documents += path.read_bytes().count(b"\n")
        contribution = uploader.contributor.upload(path)
        uploader.contributor.claim(contribution)
        ids.append(int(contribution["id"]))
        path.unlink()
    return ids, documents


def count(ids: list[int], statuses: tuple[ContributionStatus, ...]) -> int:
    """How many of `ids` are in one of `statuses`."""
    with Session(get_engine()) as session:
        query = select(func.count()).where(col(Contribution.id).in_(ids), col(Contribution.status).in_(statuses))
        return int(session.exec(query).one())


ANCHORED_ON = (ContributionStatus.ANCHORED, ContributionStatus.SCORED, ContributionStatus.REWARDED)
SCORED_ON = (ContributionStatus.SCORED, ContributionStatus.REWARDED)


def wait_for(ids: list[int], statuses: tuple[ContributionStatus, ...], *, what: str, timeout: float,
             tick: Callable[[], None] = lambda: None) -> float:  # fmt: skip
    """Wait until every one of `ids` is in `statuses`, printing progress; the monotonic time it happened."""
    deadline, shown = time.monotonic() + timeout, 0.0
    while (done := count(ids, statuses)) < len(ids):
        tick()
        if time.monotonic() > deadline:
            raise Unavailable(f"only {done} of {len(ids)} contributions {what} within {timeout:g} s")
        if time.monotonic() - shown > 10:
            console.print(f"  {what}: {done}/{len(ids)}")
            shown = time.monotonic()
        time.sleep(0.2)
    return time.monotonic()


def scoring_rate(stack: Stack, ids: list[int], documents: int, nodes: int) -> dict[str, float]:
    """Documents per second that `nodes` scoring nodes, started once `ids` are anchored, score them at, from
    their first score to the last (a fresh node's first task loads the models: that wait is reported apart)."""
    wait_for(ids, ANCHORED_ON, what="anchored", timeout=ANCHOR_TIMEOUT_S)
    parts = [scoring_node(n) for n in range(1, nodes + 1)]
    started = time.monotonic()
    for part in parts:
        stack.start(part)
    while (first := count(ids, SCORED_ON)) == 0:
        time.sleep(0.05)
    first_at = time.monotonic()
    finished = wait_for(ids, SCORED_ON, what=f"scored by {nodes} node(s)", timeout=SCORE_TIMEOUT_S)
    for part in parts:
        stop_part(stack, part)
    suffix = "1_node" if nodes == 1 else f"{nodes}_nodes"
    rate = documents * (len(ids) - first) / len(ids) / (finished - first_at)
    return {
        f"scoring_docs_per_s_{suffix}": round(rate, 1),
        f"scoring_first_score_s_{suffix}": round(first_at - started, 1),
    }


def stop_part(stack: Stack, part: Part) -> None:
    """Stop one part of the stack (SIGTERM to its group) and forget it."""
    assert part.process is not None
    os.killpg(part.process.pid, signal.SIGTERM)
    part.process.wait(timeout=30)
    stack.running.remove(part)


def recovery(stack: Stack, ids: list[int]) -> dict[str, float]:
    """Kill -9 a scoring node mid-batch; seconds until the restarted node scores again, and until all are scored."""
    wait_for(ids, ANCHORED_ON, what="anchored", timeout=ANCHOR_TIMEOUT_S)
    node = scoring_node(1)
    stack.start(node)
    while count(ids, SCORED_ON) < len(ids) // 4:
        time.sleep(0.05)
    assert node.process is not None
    os.killpg(node.process.pid, signal.SIGKILL)
    killed, at_kill = time.monotonic(), count(ids, SCORED_ON)
    console.print(f"  killed the scoring node (kill -9) with {at_kill}/{len(ids)} scored")
    while count(ids, SCORED_ON) <= at_kill:
        stack.heal()  # the supervisor's round: restart with backoff, taken jobs requeued
        time.sleep(0.2)
    resumed = time.monotonic()
    finished = wait_for(ids, SCORED_ON, what="scored after the kill", timeout=SCORE_TIMEOUT_S, tick=stack.heal)
    stop_part(stack, node)
    return {"recovery_s": round(finished - killed, 1), "recovery_resumed_s": round(resumed - killed, 1)}


# ---- the run --------------------------------------------------------------------------------------------------


PHASES = ("upload", "load", "scoring", "recovery")


def measure(workdir: Path, stack: Stack, phases: tuple[str, ...] = PHASES) -> dict[str, Any]:
    """The chosen phases, in order, against a stack started here."""
    api = start_stack(stack)
    corpus = Corpus()
    base = corpus.write(workdir / "base.jsonl", size=UPLOAD_BYTES, fmt="jsonl").read_bytes()
    files = workdir / "files"
    files.mkdir()
    clients = CLIENTS if "load" in phases else 3
    console.print(f"Signing in {clients} clients")
    uploaders = [Uploader(api, base, files) for _ in range(clients)]
    figures: dict[str, Any] = {}
    if "upload" in phases:
        console.print(f"Phase 1: {TIMED_UPLOADS} sequential 1 MB uploads on the quiet stack")
        timed = [uploaders[0].timed() for _ in range(TIMED_UPLOADS + 1)][1:]  # the first warms the processes
        figures |= {
            "upload_server_ms_1mb": after_body_ms([t[2] for t in timed]),
            "upload_server_parts_ms": server_timing([t[2] for t in timed]),
            "upload_client_after_last_byte_ms_1mb": round(statistics.median(t[1] for t in timed) * 1000, 1),
            "upload_total_ms_1mb_quiet": round(statistics.median(t[0] for t in timed) * 1000, 1),
        }
        console.print(
            f"  {figures['upload_server_ms_1mb']} ms after the body; parts (ms): {figures['upload_server_parts_ms']}"
        )
    if "load" in phases:
        console.print(f"Phase 2: {LOAD_S:g} s of 1 MB uploads from {CLIENTS} clients, /health every {HEALTH_EVERY_S} s")
        figures.update(sustained_load(uploaders, api))
    if "scoring" in phases:
        console.print("Phase 3: scoring on 1 node, then on 2 nodes")
        # Each batch is claimed only once the one before is scored, so no node scores another phase's batch.
        batch = claimed_batch(uploaders[0], corpus, files)
        figures["scoring_batch"] = {"contributions": SCORING_BATCH, "documents": batch[1]}
        figures.update(scoring_rate(stack, *batch, nodes=1))
        figures.update(scoring_rate(stack, *claimed_batch(uploaders[1], corpus, files), nodes=2))
        one, two = figures["scoring_docs_per_s_1_node"], figures["scoring_docs_per_s_2_nodes"]
        figures["scoring_ratio_2_to_1"] = round(two / one, 2)
    if "recovery" in phases:
        console.print("Phase 4: kill -9 of the scoring node mid-batch")
        figures.update(recovery(stack, claimed_batch(uploaders[2], corpus, files)[0]))
    return figures


def with_goals(figures: dict[str, Any]) -> dict[str, Any]:
    """Each measured figure with a goal, its goal and its ratio against it."""
    for key, goal in GOALS.items():
        if key not in figures:
            continue
        figures[f"{key}_goal"] = goal
        figures[f"{key}_vs_goal"] = round(figures[key] / goal, 2) if goal else figures[key]
    figures["ceiling_note"] = (
        f"{os.cpu_count()} cores shared by the API's 2 workers, PostgreSQL, Redis, anvil, the other workers and "
        "the bench's own clients: two scoring nodes can at best double one node's rate when nothing else runs, "
        "and the machine was shared with other jobs during the run"
    )
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def summary(figures: dict[str, Any]) -> None:
    """The table printed at the end."""
    table = Table("figure", "value", "goal", "vs goal", title="bench/load.py")
    for key, value in figures.items():
        if not isinstance(value, dict | list) and not key.endswith(("_goal", "_vs_goal")) and key != "ceiling_note":
            goal = GOALS.get(key, "")
            table.add_row(key, str(value), str(goal), str(figures.get(f"{key}_vs_goal", "")))
    console.print(table)
    for key, what in (("upload_server_parts_ms", "quiet"), ("upload_server_parts_ms_under_load", "under load")):
        if key in figures:
            console.print(f"server parts, {what} (ms): {figures[key]}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--phases", default=",".join(PHASES), metavar="LIST",
        help=f"the phases to run, comma-separated (default: all of {','.join(PHASES)}); only all of them write "
        f"{OUT.name}, a part writes load-<phases>.json beside it",
    )  # fmt: skip
    options = parser.parse_args()
    phases = tuple(name.strip() for name in options.phases.split(",") if name.strip())
    unknown = sorted(set(phases) - set(PHASES))
    if unknown or not phases:
        parser.error(f"unknown phase(s) {', '.join(unknown) or '(none given)'}: choose among {', '.join(PHASES)}")
    options.phases = tuple(name for name in PHASES if name in phases)
    return options


def main() -> int:
    """Run the chosen phases and write their figures; 1 with one line when a service is missing."""
    phases: tuple[str, ...] = arguments().phases
    out = OUT if phases == PHASES else OUT.with_name(f"load-{'-'.join(phases)}.json")
    started: list[Callable[[], None]] = []
    workdir = Path(tempfile.mkdtemp(prefix="polyphony-load-"))
    stack = Stack.__new__(Stack)
    try:
        database, redis = services(workdir, started)
        configure(workdir / "home", database, redis)
        stack = Stack(get_settings(), console)
        figures = with_goals(measure(workdir, stack, phases))
    except Unavailable as problem:
        console.print(f"[red]bench/load.py:[/] {problem}")
        return 1
    finally:
        if getattr(stack, "running", None):
            stack.stop_all()
            get_engine().dispose()
        for stop in reversed(started):
            stop()
        shutil.rmtree(workdir, ignore_errors=True)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    summary(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
