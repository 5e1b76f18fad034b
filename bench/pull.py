"""Verified pull throughput against a plain read of the same CIDs, and the manifest build time for 100,000 members.

The files sit in a local CID store served by the API's `/ipfs/{cid}` gateway (uvicorn, its own process, as a
trainer reaches it). The verified pull (`governance.rounds.pull_files.fetch_verified`: stream to disk, re-cut into
256 KiB leaves and recompute the UnixFS CID on the way, 8 files at once) is timed against a
plain read of the same CIDs through the same gateway with the same parallelism, written to disk unhashed.
Each figure is the best of a few alternating runs, so a neighbour's burst of CPU does not decide it.
Goal: the verified pull at least 0.9 of the plain read's throughput. Also timed: turning verified files into the
pulled folder's typed Parquet (`governance.rounds.pull.write_configs`), for JSON Lines text and for PNG images,
in MiB of input a second (no anchor: the figure to watch).

A round of ROUND_DOCS JSON Lines documents (about 530 MB, in ROUND_FILES files) is then pulled to typed Parquet as
the trainer's pull does it (verified fetch, then `write_configs`): `pull_to_parquet_s`, against the floor for this
work, a plain read of the same CIDs plus pyarrow writing the same table (`raw_to_parquet_s`; the ratio
`pull_to_parquet_vs_raw_ratio` is raw over ours, goal at least 0.8). Each side runs once in a process of its own, so
`peak_rss_mb` (ours) is its own peak; it is measured for SMALL_ROUND_DOCS documents too, to show it stays flat as
the round grows. `load_dataset_s` is Hugging Face `datasets.load_dataset` on the pulled Parquet folder (a fresh
cache, so it includes the conversion to its Arrow cache).

    .venv/bin/python bench/pull.py     # writes bench/out/pull.json
"""

import io
import json
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
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
ROUND_DOCS = 100_000
ROUND_FILES = 100
ROUND_DOC_CHARS = 5_200  # a JSON line of about 5.3 kB: the round is about 530 MB
SMALL_ROUND_DOCS = 20_000
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
            figures.update(_round_figures(store, url=url, scratch=home / "round"))
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


def _round_figures(store: LocalStorage, *, url: str, scratch: Path) -> dict[str, float]:
    """A round of ROUND_DOCS documents pulled to Parquet, against a plain read plus pyarrow; memory at two sizes."""
    wanted = _round_files(store, documents=ROUND_DOCS)
    small = wanted[: len(wanted) * SMALL_ROUND_DOCS // ROUND_DOCS]
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:  # one fresh process per run: each peak is its own
        _, small_rss = pool.apply(_pull_to_parquet, (url, small, scratch / "small"))
    with spawn.Pool(1) as pool:
        ours_s, rss = pool.apply(_pull_to_parquet, (url, wanted, scratch / "ours"))
    with spawn.Pool(1) as pool:
        raw_s, _ = pool.apply(_raw_to_parquet, (url, wanted, scratch / "raw"))
    started = time.perf_counter()
    loaded = _load_dataset(scratch / "ours", cache=scratch / "hf-cache")
    load_s = time.perf_counter() - started
    assert loaded == ROUND_DOCS, f"datasets loaded {loaded} rows of {ROUND_DOCS}"
    return {
        "round_docs": ROUND_DOCS, "round_mb": round(sum(item.size for item in wanted) / 1e6, 1),
        "pull_to_parquet_s": round(ours_s, 2), "raw_to_parquet_s": round(raw_s, 2),
        "pull_to_parquet_vs_raw_ratio": round(raw_s / ours_s, 3), "load_dataset_s": round(load_s, 2),
        "peak_rss_mb": round(rss, 1), f"peak_rss_mb_{SMALL_ROUND_DOCS // 1000}k_docs": round(small_rss, 1),
    }  # fmt: skip


def _round_files(store: LocalStorage, *, documents: int) -> list[WantedFile]:
    """ROUND_FILES JSON Lines files of `documents` records in all, each a window of one text of random words."""
    rng = random.Random(11)  # noqa: S311 - the same bench data every run, nothing secret
    vocabulary = [f"{rng.choice('bcdfghklmnprstvz')}{rng.choice('aeiou')}{rng.choice('lmnrst')}" for _ in range(500)]
    base = " ".join(rng.choices(vocabulary, k=400_000))
    wanted = []
    for number in range(1, ROUND_FILES + 1):
        starts = (rng.randrange(len(base) - ROUND_DOC_CHARS) for _ in range(documents // ROUND_FILES))
        lines = "".join(json.dumps({"text": base[at : at + ROUND_DOC_CHARS], "part": number}) + "\n" for at in starts)
        wanted.append(_stored(store, lines.encode(), number))
    return wanted


def _pull_to_parquet(url: str, wanted: list[WantedFile], out: Path) -> tuple[float, float]:
    """Seconds and peak MiB of the trainer's pull of `wanted` to typed Parquet (verified fetch, then the tables)."""
    with httpx.Client(base_url=url, limits=httpx.Limits(max_connections=16)) as http:
        started = time.perf_counter()
        fetch_verified(wanted, blobs=GatewayBlobs(http), folder=out, workers=WORKERS)
        rows = [(_bench_row(item.contribution_id, item.cid, "text", "jsonl"), item.cid) for item in wanted]
        sources = [Source(row=row, path=out / "files" / cid) for row, cid in rows]
        write_configs(out, sources)
        seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_to_parquet(url: str, wanted: list[WantedFile], out: Path) -> tuple[float, float]:
    """The floor: a plain read of the same CIDs (same parallelism), then pyarrow writing the same columns."""
    with httpx.Client(base_url=url, limits=httpx.Limits(max_connections=16)) as http:
        started = time.perf_counter()
        blobs = GatewayBlobs(http)
        out.mkdir(parents=True)

        def read(item: WantedFile) -> None:
            with (out / item.cid).open("wb") as file:
                for piece in blobs.cat(item.cid):
                    file.write(piece)

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(read, wanted))
        with pq.ParquetWriter(out / "train.parquet", _ROUND_SCHEMA) as writer:
            for item in wanted:
                records = [json.loads(line) for line in (out / item.cid).read_text().splitlines()]
                writer.write_table(_round_table(item, records))
        seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_ROUND_SCHEMA = pa.schema([
    ("text", pa.string()), ("part", pa.int64()), ("contribution_id", pa.int64()), ("record", pa.int64()),
    ("contributor", pa.string()), ("license", pa.string()), ("cid", pa.string()), ("score", pa.int64()),
])  # fmt: skip


def _round_table(item: WantedFile, records: list[dict[str, Any]]) -> pa.Table:
    count = len(records)
    return pa.table({
        "text": [record["text"] for record in records], "part": [record["part"] for record in records],
        "contribution_id": [item.contribution_id] * count, "record": list(range(count)),
        "contributor": ["0x" + "00" * 20] * count, "license": ["CC0-1.0"] * count, "cid": [item.cid] * count,
        "score": [9000] * count,
    }, schema=_ROUND_SCHEMA)  # fmt: skip


def _load_dataset(folder: Path, *, cache: Path) -> int:
    import datasets  # a development dependency, as the trainer's own

    loaded = datasets.load_dataset(str(folder / "data" / "text"), split="train", cache_dir=str(cache))
    return len(loaded)


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
