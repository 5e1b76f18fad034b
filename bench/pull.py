"""Verified pull throughput against a plain read of the same CIDs, and the manifest build time for 100,000 members.

The files sit in a local CID store served by the API's `/ipfs/{cid}` gateway (uvicorn, its own process, as a
trainer reaches it). The verified pull (`governance.rounds.pull_files.fetch_verified`: stream to disk, re-cut into
256 KiB leaves and recompute the UnixFS CID on the way, 8 files at once) is timed against a
plain read of the same CIDs through the same gateway with the same parallelism, written to disk unhashed.
Each figure is the best of a few alternating runs, so a neighbour's burst of CPU does not decide it.
Goal: the verified pull at least 0.9 of the plain read's throughput. Also timed: turning verified files into the
pulled folder's typed Parquet (`governance.rounds.pull.write_configs`), for JSON Lines text and for PNG images,
in MiB of input a second (no anchor: the figure to watch).

    .venv/bin/python bench/pull.py     # writes bench/out/pull.json
"""

import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from PIL import Image

from cli.stack import free_port
from governance.datasets.service import Member, build_manifest
from governance.rounds.pull import write_configs
from governance.rounds.pull_files import WantedFile, fetch_verified
from governance.rounds.rows import Source
from polyphony.storage.gateway import GatewayBlobs
from polyphony.storage.local import LocalStorage

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "bench" / "out" / "pull.json"
SMALL_FILES = 1000
SMALL_FILE_BYTES = 100_000
LARGE_FILE_BYTES = 500_000_000
MANIFEST_MEMBERS = 100_000
WORKERS = 8
REPEATS = 3


def main() -> None:
    """Measure, print, write bench/out/pull.json."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-pull-") as scratch:
        home = Path(scratch)
        store = LocalStorage(home / "ipfs")
        small = [_stored(store, os.urandom(SMALL_FILE_BYTES), number) for number in range(1, SMALL_FILES + 1)]
        large = [_stored_large(store, home / "large.bin")]
        figures: dict[str, float | str] = {}
        with api_gateway(home) as url, httpx.Client(base_url=url, limits=httpx.Limits(max_connections=16)) as http:
            blobs = GatewayBlobs(http)
            figures.update(_compare("1000_files", small, blobs=blobs, scratch=home))
            figures.update(_compare("500mb", large, blobs=blobs, scratch=home))
        figures["manifest_build_s_100k"] = round(_manifest_build_s(store), 2)
        figures.update(_parquet_mib_s(home / "parquet"))
    figures["anchor"] = "plain read of the same CIDs through the same gateway, same parallelism"
    figures["ratio"] = min(float(figures["pull_vs_raw_ratio_1000_files"]), float(figures["pull_vs_raw_ratio_500mb"]))
    figures["repeats"] = REPEATS
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    for name, value in figures.items():
        print(f"{name:<40} {value}")


def _stored(store: LocalStorage, content: bytes, number: int) -> WantedFile:
    blob = store.add(io.BytesIO(content))
    return WantedFile(number, blob.cid, blob.size)


def _stored_large(store: LocalStorage, path: Path) -> WantedFile:
    with path.open("wb") as out:
        for _ in range(LARGE_FILE_BYTES // (1 << 24)):
            out.write(os.urandom(1 << 24))
        out.write(os.urandom(LARGE_FILE_BYTES % (1 << 24)))
    with path.open("rb") as content:
        blob = store.add(content)
    path.unlink()
    return WantedFile(1, blob.cid, blob.size)


def _compare(label: str, wanted: list[WantedFile], *, blobs: GatewayBlobs, scratch: Path) -> dict[str, float]:
    total_mb = sum(item.size for item in wanted) / 1e6
    pull_s, raw_s = [], []
    for run in range(REPEATS):
        raw_s.append(_timed_raw(wanted, blobs=blobs, folder=scratch / f"raw-{label}-{run}"))
        folder = scratch / f"pull-{label}-{run}"
        started = time.perf_counter()
        fetch_verified(wanted, blobs=blobs, folder=folder, workers=WORKERS)
        pull_s.append(time.perf_counter() - started)
        shutil.rmtree(folder)
    return {
        f"pull_mb_s_{label}": round(total_mb / min(pull_s), 1),
        f"raw_mb_s_{label}": round(total_mb / min(raw_s), 1),
        f"pull_vs_raw_ratio_{label}": round(min(raw_s) / min(pull_s), 3),
    }


def _timed_raw(wanted: list[WantedFile], *, blobs: GatewayBlobs, folder: Path) -> float:
    folder.mkdir(parents=True)

    def read(item: WantedFile) -> None:
        with (folder / item.cid).open("wb") as out:
            for piece in blobs.cat(item.cid):
                out.write(piece)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(read, wanted))
    seconds = time.perf_counter() - started
    shutil.rmtree(folder)
    return seconds


def _parquet_mib_s(folder: Path) -> dict[str, float]:
    """MiB/s of verified files made typed Parquet: about 32 MiB of JSON Lines text, then 32 PNG images of noise."""
    rng = random.Random(7)  # noqa: S311 - the same bench data every run, nothing secret
    words = ("the", "data", "of", "a", "community", "flows", "into", "a", "model", "that", "names", "its", "people")
    (folder / "files").mkdir(parents=True)
    text, images = [], []
    for number in range(4):
        lines = (json.dumps({"text": " ".join(rng.choices(words, k=60)), "year": 2000 + i % 25}) for i in range(24_000))
        path = folder / "files" / f"text-{number}"
        path.write_text("\n".join(lines) + "\n")
        text.append(Source(row=_bench_row(number, path.name, "text", "jsonl"), path=path))
    for number in range(32):
        out = io.BytesIO()
        Image.frombytes("RGB", (512, 512), rng.randbytes(512 * 512 * 3)).save(out, format="PNG")
        path = folder / "files" / f"image-{number}"
        path.write_bytes(out.getvalue())
        images.append(Source(row=_bench_row(100 + number, path.name, "image", "png"), path=path))
    figures = {}
    for label, sources in (("text", text), ("image", images)):
        size = sum(source.path.stat().st_size for source in sources) / 2**20
        start = time.perf_counter()
        write_configs(folder, sources)
        figures[f"parquet_{label}_mib_s"] = round(size / (time.perf_counter() - start), 1)
    return figures


def _bench_row(number: int, cid: str, modality: str, content_format: str) -> dict[str, object]:
    return {
        "contribution_id": number, "cid": cid, "modality": modality, "format": content_format, "license": "CC0-1.0",
        "contributor": "0x" + "00" * 20, "score": 9000, "kept_documents": None,
    }  # fmt: skip


def _manifest_build_s(store: LocalStorage) -> float:
    members = [
        Member(
            contribution_id=number,
            cid=f"bafkrei{number:052d}",
            sha256=f"{number:064x}",
            size=1000 + number,
            format="jsonl",
            modality="text",
            language="en",
            license="CC-BY-4.0",
            contributor=f"0x{number:040x}",
            score=5000 + number % 5000,
            policy_hash="0x" + "ab" * 32,
            batch_root="0x" + "cd" * 32,
            batch_tx="0x" + "ef" * 32,
            batch_manifest_cid="bafybatch",
            chain_id=31337,
        )
        for number in range(1, MANIFEST_MEMBERS + 1)
    ]
    started = time.perf_counter()
    built = build_manifest(members, name="bench", description="100,000 members")
    store.add(io.BytesIO(built.content))
    return time.perf_counter() - started


@contextmanager
def api_gateway(home: Path) -> Iterator[str]:
    """The API under uvicorn on a free loopback port, serving `home`'s CID store; stopped by its pid."""
    port = free_port()
    environment = {**os.environ, "POLYPHONY_HOME": str(home)}
    command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"], env=environment, cwd=REPO_ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the API did not start")


if __name__ == "__main__":
    main()
