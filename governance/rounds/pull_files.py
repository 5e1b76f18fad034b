"""The file half of a pull: stream each file to disk, checking its CID as the bytes pass, resumably.

A file is written to `files/<cid>.part` while it streams and renamed to `files/<cid>` only once its bytes
rebuild its CID (Kubo's UnixFS layout, recomputed with the storage code); then its CID is appended to the state
file. A re-run skips what the state file lists, and resumes a `.part` from its length with a byte range,
re-hashing only the part already on disk.

The CID alone fixes the bytes: its leaves are sha256 digests of the content, and the contributor signed the CID
in the same claim as the file's sha256. So each byte is hashed once on its way in; the manifest keeps the sha256
for tools that check files by it.
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from governance.rounds.errors import TamperedItem
from polyphony.storage.base import CHUNK_SIZE, BlobReader
from polyphony.storage.unixfs import FileDagBuilder

STATE_FILE = ".polyphony-pull-state"


@dataclass(frozen=True)
class WantedFile:
    """A file the pull must hold: whose it is (for error messages), its CID and size."""

    contribution_id: int
    cid: str
    size: int

    @property
    def label(self) -> str:
        """How an error names the item."""
        return f"contribution {self.contribution_id} ({self.cid})"


class StreamingCheck:
    """The CID of bytes fed in any pieces: re-cut into 256 KiB leaves exactly as Kubo cuts them."""

    def __init__(self) -> None:
        self._dag = FileDagBuilder(lambda _cid, _block: None)
        self._pending = bytearray()
        self.size = 0

    def update(self, piece: bytes) -> None:
        """Hash `piece` (any length) into the leaves."""
        self.size += len(piece)
        if not self._pending and len(piece) == CHUNK_SIZE:
            self._dag.add_leaf(piece)  # the common case: the source yields whole chunks, nothing to copy
            return
        self._pending += piece
        while len(self._pending) >= CHUNK_SIZE:
            self._dag.add_leaf(bytes(self._pending[:CHUNK_SIZE]))
            del self._pending[:CHUNK_SIZE]

    def finish(self) -> str:
        """The CID of everything fed."""
        if self._pending or self.size == 0:
            self._dag.add_leaf(bytes(self._pending))
        return str(self._dag.finish().cid)


class PullState:
    """The verified CIDs of a pull folder: one per line, appended (a torn last line is ignored)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        self._lock = threading.Lock()
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        self.verified = {line.strip() for line in lines if line.strip()}

    def mark(self, cid: str) -> None:
        """Remember that `cid` is on disk and verified."""
        # No fsync: after a crash a lost line only means the file is fetched and checked again.
        with self._lock, self.path.open("a") as state:
            state.write(cid + "\n")
            self.verified.add(cid)


def fetch_verified(
    wanted: Iterable[WantedFile], *, blobs: BlobReader, folder: Path, workers: int = 8,
    on_bytes: Callable[[int], None] = lambda _count: None,
) -> list[Path]:  # fmt: skip
    """Put every wanted file, verified, under `folder/files/`; `TamperedItem` names the first that fails."""
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    state = PullState(folder)
    unique = {item.cid: item for item in wanted}
    done = {cid for cid in unique if cid in state.verified and (files / cid).exists()}
    on_bytes(sum(unique[cid].size for cid in done))
    todo = [item for cid, item in unique.items() if cid not in done]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for fetched in pool.map(lambda item: _fetch_one(item, blobs=blobs, files=files, on_bytes=on_bytes), todo):
            state.mark(fetched)
    return [files / cid for cid in unique]


def _fetch_one(item: WantedFile, *, blobs: BlobReader, files: Path, on_bytes: Callable[[int], None]) -> str:
    final, part = files / item.cid, files / f"{item.cid}.part"
    check = StreamingCheck()
    offset = _rehash_part(part, check, item) if part.exists() else 0
    on_bytes(offset)
    received = offset
    with part.open("ab") as out:
        for piece in _pieces(blobs.cat(item.cid, offset=offset) if offset < item.size else iter(())):
            check.update(piece)
            out.write(piece)
            on_bytes(len(piece))
            received += len(piece)
            if received > item.size:
                break  # a source that sends more than the manifest's size is wrong; say so below
    cid = check.finish()
    if cid != item.cid or received != item.size:
        part.unlink(missing_ok=True)
        raise TamperedItem(
            f"{item.label}: the bytes received hash to {cid} ({received:,} bytes), not to the CID the approved "
            "manifest names: tampered or corrupted, refused"
        )
    part.replace(final)
    return item.cid


def _rehash_part(part: Path, check: StreamingCheck, item: WantedFile) -> int:
    """Feed what an interrupted run left on disk to `check`; return where to resume."""
    if part.stat().st_size > item.size:
        part.unlink()
        return 0
    with part.open("rb") as partial:
        while piece := partial.read(CHUNK_SIZE):
            check.update(piece)
    return part.stat().st_size


def _pieces(stream: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from stream
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def read_fully(blobs: BlobReader, cid: str) -> bytes:
    """The whole content of a (small) CID, e.g. a manifest."""
    return b"".join(blobs.cat(cid))


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write `path` through a temporary file renamed into place, so a reader never sees half of it."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as out:
        write(out)
    partial.replace(path)


def write_bytes_atomically(path: Path, content: bytes) -> None:
    """`write_atomically` of bytes held in memory."""
    write_atomically(path, lambda out: out.write(content))
