"""Storage throughput: the local CID store against a real IPFS node (js-ipfs, Kubo RPC API) and sha256sum.

For 1 MB, 50 MB and 500 MB of random bytes: add and cat through the local store and through a js-ipfs node
started for the run, and `sha256sum` over the same files as the physical floor (one pass of the hash that
every CID needs). Each figure is the best of a few runs on fresh files, so a neighbour's burst of I/O does
not decide it. The goal: local add at least half as fast as sha256sum, and faster than the js-ipfs node.

    .venv/bin/python bench/storage.py     # writes bench/out/storage.json
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from cli.stack import free_port
from polyphony.storage.base import Storage
from polyphony.storage.kubo import KuboStorage
from polyphony.storage.local import LocalStorage

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "bench" / "out" / "storage.json"
SIZES = {"1mb": 1_000_000, "50mb": 50_000_000, "500mb": 500_000_000}
REPEATS = 3
NODE_START_TIMEOUT_S = 90.0


def main() -> None:
    """Measure, print a table, write bench/out/storage.json."""
    with tempfile.TemporaryDirectory(prefix="polyphony-bench-") as scratch, ipfs_node() as api_url:
        node = KuboStorage(api_url)
        figures: dict[str, float | str] = {}
        for label, size in SIZES.items():
            files = [write_random_file(Path(scratch) / f"{label}-{run}", size) for run in range(REPEATS)]
            figures.update(measure_size(label, size, files, node=node, scratch=Path(scratch)))
            for path in files:
                path.unlink()
    figures.update(headline(figures))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(figures)


def measure_size(label: str, size: int, files: list[Path], *, node: Storage, scratch: Path) -> dict[str, float]:
    """Best-of-runs MB/s for one size: local add and cat, node add and cat, sha256sum."""
    local_add, local_cat, node_add, node_cat, sha256 = [], [], [], [], []
    for run, path in enumerate(files):
        store = LocalStorage(scratch / f"store-{label}-{run}")  # empty, so every block is really written
        cid, seconds = timed_add(store, path)
        local_add.append(seconds)
        local_cat.append(timed_cat(store, cid))
        shutil.rmtree(store.root)
        node_cid, seconds = timed_add(node, path)
        node_add.append(seconds)
        node_cat.append(timed_cat(node, node_cid))
        node.unpin(node_cid)
        sha256.append(timed_sha256sum(path))
    return {
        f"local_add_mb_s_{label}": mb_per_s(size, local_add),
        f"local_cat_mb_s_{label}": mb_per_s(size, local_cat),
        f"ipfs_node_add_mb_s_{label}": mb_per_s(size, node_add),
        f"ipfs_node_cat_mb_s_{label}": mb_per_s(size, node_cat),
        f"sha256_mb_s_{label}": mb_per_s(size, sha256),
    }


def timed_add(storage: Storage, path: Path) -> tuple[str, float]:
    """Add the file at `path`; return its CID and the seconds the add took."""
    os.sync()  # start from clean page cache, not from the previous run's writeback
    with path.open("rb") as stream:
        started = time.perf_counter()
        cid = storage.add(stream).cid
        return cid, time.perf_counter() - started


def timed_cat(storage: Storage, cid: str) -> float:
    """Seconds to read `cid` to its end, as a client downloading it would."""
    started = time.perf_counter()
    for _ in storage.cat(cid):
        pass
    return time.perf_counter() - started


def timed_sha256sum(path: Path) -> float:
    """Seconds `sha256sum` takes over the file at `path`."""
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - started


def mb_per_s(size: int, seconds: list[float]) -> float:
    """Throughput of the fastest run, in MB (10^6 bytes) per second."""
    return round(size / 1e6 / min(seconds), 1)


def headline(figures: dict[str, float | str]) -> dict[str, float | str]:
    """The 500 MB figures under their plain names, the anchor and the ratios."""
    plain = {name: figures[f"{name}_500mb"] for name in ("local_add_mb_s", "local_cat_mb_s", "sha256_mb_s")}
    plain |= {name: figures[f"{name}_500mb"] for name in ("ipfs_node_add_mb_s", "ipfs_node_cat_mb_s")}
    local_add = float(plain["local_add_mb_s"])
    return {
        **plain,
        "anchor": "sha256sum",
        "ratio": round(local_add / float(plain["sha256_mb_s"]), 3),
        "ratio_vs_ipfs_node_add": round(local_add / float(plain["ipfs_node_add_mb_s"]), 3),
        "repeats": REPEATS,
    }


def write_random_file(path: Path, size: int) -> Path:
    """`size` random bytes at `path`, written a megabyte at a time."""
    with path.open("wb") as file:
        for start in range(0, size, 1_000_000):
            file.write(os.urandom(min(1_000_000, size - start)))
    return path


@contextmanager
def ipfs_node() -> Iterator[str]:
    """A js-ipfs node for the run, started as CI starts it (`python -m tests.support.ipfs_node`), stopped by pid."""
    port = free_port()
    node = subprocess.Popen(
        [sys.executable, "-m", "tests.support.ipfs_node", "--api-port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, node)
        yield url
    finally:
        node.terminate()
        node.wait(timeout=30)


def wait_for(url: str, node: subprocess.Popen[bytes]) -> None:
    """Return once the node answers `version`; fail if it exits or takes too long."""
    deadline = time.monotonic() + NODE_START_TIMEOUT_S
    while time.monotonic() < deadline and node.poll() is None:
        try:
            httpx.post(f"{url}/api/v0/version", timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"the js-ipfs node did not answer at {url}: run `make setup` and see its output above")


def print_table(figures: dict[str, float | str]) -> None:
    """A short table of MB/s per size, then the ratios against their goals."""
    columns = ("local_add", "local_cat", "ipfs_node_add", "ipfs_node_cat", "sha256")
    print(f"MB/s, best of {REPEATS}  " + "".join(f"{column:>15}" for column in columns))
    for label in SIZES:
        print(f"{label:>18}  " + "".join(f"{figures[f'{column}_mb_s_{label}']:>15}" for column in columns))
    print(f"local add / sha256sum:     {figures['ratio']} (goal >= 0.5)")
    print(f"local add / js-ipfs add:   {figures['ratio_vs_ipfs_node_add']} (goal >= 1)")


if __name__ == "__main__":
    main()
