"""The storage interface: content-addressed blobs, named by their Kubo-identical CIDv1 (raw leaves)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from polyphony.storage.errors import InvalidRange
from polyphony.storage.staging import Staging

# Kubo's `ipfs add --cid-version=1 --raw-leaves` defaults: fixed-size 256 KiB chunks, balanced DAG, 174 links
# per node. Both backends must produce the very same CID for the same bytes.
CHUNK_SIZE = 262_144
MAX_LINKS = 174


@dataclass(frozen=True)
class StoredBlob:
    """What adding bytes gave: their CID, their length, and the sha256 of the whole content (hex)."""

    cid: str
    size: int
    sha256: str


class BlobReader(Protocol):
    """Anything that streams a CID's content: a store, or an HTTP gateway whose bytes the reader re-hashes."""

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the content of `cid` from `offset`, `length` bytes (or to the end)."""
        ...


class Storage(Protocol):
    """A CID store. Every method streams: no method holds a whole file in memory."""

    name: str

    def add(self, stream: BinaryIO, *, pin: bool = True, staging: Staging | None = None) -> StoredBlob:
        """Store everything `stream` yields, pin it, and return its CID, size and sha256.

        With `pin=False` the blocks are only staged: garbage collection removes them unless `pin` is called.
        With a `staging` too, they are that staging's: kept by `pin_staged`, removed by `discard_staging`, or by
        `sweep_staging` once the process that made the staging has ended.
        """
        ...

    def begin_staging(self) -> Staging:
        """A new staging for one upload of this process."""
        ...

    def pin_staged(self, staging: Staging, cid: str, *, first: Callable[[], object] = lambda: None) -> None:
        """Keep `cid`, whose blocks `staging` holds: pin it and end the staging.

        `first` is called (on this thread) and done before the pin is written: what a crash after the pin would
        need to undo it (the upload's `storing` row). A store may run it alongside the work before its pin. If it
        raises, nothing is pinned and the error goes on; the staging is then the caller's to discard.
        """
        ...

    def discard_staging(self, staging: Staging) -> None:
        """Throw away the blocks `staging` holds that nothing else keeps, now; doing it again does nothing."""
        ...

    def sweep_staging(self) -> int:
        """Throw away the stagings whose process has ended; how many went."""
        ...

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the content of `cid` from `offset`, `length` bytes (or to the end)."""
        ...

    def size(self, cid: str) -> int:
        """The content length of `cid` in bytes."""
        ...

    def has(self, cid: str) -> bool:
        """Whether every block of `cid` is held here."""
        ...

    def pin(self, cid: str) -> None:
        """Keep `cid` and everything under it from garbage collection."""
        ...

    def unpin(self, cid: str) -> None:
        """Let `cid` be collected (unless pinned again)."""
        ...

    def block(self, cid: str) -> bytes:
        """The one block `cid` names, as stored (a raw leaf's bytes, or a dag-pb node); at most 2 MiB."""
        ...

    def export_car(self, cid: str) -> Iterator[bytes]:
        """Yield a CARv1 file holding `cid` as its root and every block under it."""
        ...

    def ping(self) -> None:
        """Return if the store answers; raise `StorageUnavailable` if not."""
        ...


def range_end(size: int, *, offset: int, length: int | None) -> int:
    """Where a read of `length` bytes (or to the end) from `offset` stops; `InvalidRange` if it cannot start."""
    if offset < 0 or (length is not None and length < 0):
        raise InvalidRange(f"offset and length must not be negative (offset {offset}, length {length})")
    if offset > size:
        raise InvalidRange(f"offset {offset} is past the end of this {size}-byte blob")
    return size if length is None else min(size, offset + length)
