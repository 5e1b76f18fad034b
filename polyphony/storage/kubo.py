"""Storage on an IPFS node through the Kubo RPC API (Kubo itself, or any node speaking its API such as js-ipfs).

Every lookup runs offline with a deadline: the store answers from what the node holds and never waits on the
network for a CID it does not have (Kubo honours `offline`; js-ipfs ignores it and would wait forever, so
the deadline answers there). While adding, Polyphony builds the same DAG itself in the same pass, and refuses
an answer that differs: a node whose `Import.*` settings change CIDs would otherwise break every claim.
"""

import hashlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from ipaddress import IPv6Address, ip_address
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import ipfshttpclient
from ipfshttpclient import exceptions as rpc

from polyphony.storage.base import CHUNK_SIZE, StoredBlob, range_end
from polyphony.storage.cid import Cid, normalize_cid, parse_cid
from polyphony.storage.errors import BlobNotFound, StorageUnavailable
from polyphony.storage.staging import Staging
from polyphony.storage.unixfs import FileDagBuilder, read_chunks

# ipfshttpclient 0.8.0a2 hands urllib3 1.x's `strict` argument to every connection pool, and urllib3 2 warns
# about it on every request: silence that one message, nothing else.
warnings.filterwarnings("ignore", message="The 'strict' parameter is no longer needed", category=FutureWarning)

_CONNECT_TIMEOUT_S = 5.0
# Between two reads of an answer; a 500 MB add is acknowledged only once the node has stored all of it.
_READ_TIMEOUT_S = 300.0
# Local lookups answer in milliseconds; past this the node is looking on the network for a block it lacks.
_LOOKUP_DEADLINE = "2s"
# Walking a whole DAG offline (every block of a large file) takes longer than one lookup.
_WALK_DEADLINE = "120s"
# Kubo's `ipfs add --cid-version=1 --raw-leaves` with its default chunker, said out loud so that a node's
# `Import.*` settings cannot change the CID.
_ADD_OPTIONS: dict[str, Any] = {
    "cid_version": 1,
    "raw_leaves": True,
    "chunker": f"size-{CHUNK_SIZE}",
    "trickle": False,
}


class KuboStorage:
    """A CID store on an IPFS node reached over the Kubo RPC API at `api_url` (e.g. `http://127.0.0.1:5001`).

    An upload's staged blocks are the node's, unpinned, and the node's own garbage collection removes them:
    nothing here deletes blocks. `block rm` would, but it takes the node's garbage-collection lock, which every
    open add holds, and while it waits no new add may start (seen on js-ipfs: once block rm had been sent during
    a run where an upload's client was killed, every later add on that node hung). A staging here only ends.
    """

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.name = f"IPFS node at {api_url}"
        address, base = _multiaddr_and_base(api_url)
        self._client = ipfshttpclient.Client(
            address, base, chunk_size=CHUNK_SIZE, timeout=(_CONNECT_TIMEOUT_S, _READ_TIMEOUT_S)
        )

    def add(self, stream: BinaryIO, *, pin: bool = True, staging: Staging | None = None) -> StoredBlob:
        """Send everything `stream` yields to the node (pinned unless not `pin`), return its CID, size and sha256.

        A `staging` changes nothing: unpinned blocks wait for the node's garbage collection.
        """
        upload = _Upload(stream)
        with self._answering("add a file"):
            answer = self._client.add(upload, **_ADD_OPTIONS, pin=pin, opts={"hash": "sha2-256"})
        cid = normalize_cid(str(answer["Hash"]))
        expected = str(upload.root())
        if cid != expected:
            if pin:
                self.unpin(cid)
            raise StorageUnavailable(
                f"the IPFS node at {self.api_url} named the file {cid}, but Kubo's `ipfs add --cid-version=1 "
                f"--raw-leaves` names it {expected}: check the node's Import settings (chunker, max links)"
            )
        return StoredBlob(cid, upload.size, upload.content_hash.hexdigest())

    def cat(self, cid: str, *, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the content of `cid` from `offset`, `length` bytes (or to the end), as the node streams it."""
        root = parse_cid(cid)
        end = range_end(self._content_size(root), offset=offset, length=length)
        if end == offset:
            return iter(())
        with self._answering(f"read {root}"):
            answer = self._client.cat(str(root), offset, end - offset, stream=True, offline=True)
        return self._relay(answer, f"read {root}")

    def size(self, cid: str) -> int:
        """The content length of `cid` in bytes."""
        return self._content_size(parse_cid(cid))

    def has(self, cid: str) -> bool:
        """Whether the node holds every block of `cid`, without asking the network."""
        root = parse_cid(cid)
        try:
            self._content_size(root)
        except BlobNotFound:
            return False
        try:
            with self._answering(f"list the blocks of {root}"):
                refs = self._client.unstable.refs(
                    str(root), stream=True, offline=True, opts={"recursive": "true", "timeout": _WALK_DEADLINE}
                )
                return not any(ref.get("Err") for ref in refs)
        except _NodeRefused:
            return False

    def pin(self, cid: str) -> None:
        """Pin `cid` on the node; `BlobNotFound` if the node does not hold it."""
        root = parse_cid(cid)
        self._content_size(root)
        with self._answering(f"pin {root}"):
            self._client.pin.add(str(root), offline=True, opts={"timeout": _WALK_DEADLINE})

    def begin_staging(self) -> Staging:
        """A new staging for one upload of this process (a name only: the node keeps the blocks)."""
        return Staging.begin()

    def pin_staged(self, staging: Staging, cid: str, *, first: Callable[[], object] = lambda: None) -> None:
        """Call `first`, then pin `cid`, whose blocks `staging` sent, then end the staging."""
        first()
        self.pin(cid)
        staging.end()

    def discard_staging(self, staging: Staging) -> None:
        """End the staging; its blocks stay unpinned on the node until its garbage collection."""
        staging.end()

    def sweep_staging(self) -> int:
        """Nothing to sweep here: the node's garbage collection takes unpinned blocks."""
        return 0

    def unpin(self, cid: str) -> None:
        """Unpin `cid` on the node (unpinning what is not pinned, or pinned only under another pin, does nothing)."""
        root = parse_cid(cid)
        try:
            with self._answering(f"unpin {root}"):
                self._client.pin.rm(str(root))
        except _NodeRefused as error:
            if "not pinned" not in error.answer and "pinned indirectly" not in error.answer:
                raise

    def block(self, cid: str) -> bytes:
        """The node's block `cid` (`block get`), offline; `BlobNotFound` if the node does not hold it."""
        root = parse_cid(cid)
        try:
            with self._answering(f"read the block {root}"):
                block: bytes = self._client.block.get(str(root), offline=True, opts={"timeout": _LOOKUP_DEADLINE})
        except _NodeRefused as error:
            raise BlobNotFound(f"{root} is not on the IPFS node at {self.api_url} ({error.answer})") from None
        return block

    def export_car(self, cid: str) -> Iterator[bytes]:
        """Yield the node's CARv1 export of `cid` (`dag export`)."""
        root = parse_cid(cid)
        self._content_size(root)
        with self._answering(f"export {root} as a CAR file"):
            answer = self._client.dag.export(str(root), stream=True, offline=True)
        return self._relay(answer, f"export {root} as a CAR file")

    def ping(self) -> None:
        """Return if the node answers `version`; raise `StorageUnavailable` if not."""
        with self._answering("tell its version"):
            self._client.version(timeout=_CONNECT_TIMEOUT_S)

    def _content_size(self, cid: Cid) -> int:
        try:
            with self._answering(f"look up {cid}"):
                stat = self._client.files.stat(f"/ipfs/{cid}", offline=True, opts={"timeout": _LOOKUP_DEADLINE})
        except _NodeRefused as error:
            raise BlobNotFound(f"{cid} is not on the IPFS node at {self.api_url} ({error.answer})") from None
        if stat["Type"] != "file":
            raise BlobNotFound(f"{cid} is a {stat['Type']} on the IPFS node at {self.api_url}, not a file")
        return int(stat["Size"])

    def _relay(self, answer: Iterator[bytes], what: str) -> Iterator[bytes]:
        """The node's streamed answer in pieces of at most one chunk, its errors turned into ours."""
        try:
            with self._answering(what):
                for piece in answer:
                    for start in range(0, len(piece), CHUNK_SIZE):
                        yield piece[start : start + CHUNK_SIZE]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()

    @contextmanager
    def _answering(self, what: str) -> Iterator[None]:
        """Turn the RPC client's errors into storage errors that say which node and what to check."""
        try:
            yield
        except rpc.ErrorResponse as error:
            raise _NodeRefused(
                f"the IPFS node at {self.api_url} could not {what}: {error}", answer=str(error)
            ) from None
        except rpc.TimeoutError:
            raise StorageUnavailable(f"the IPFS node at {self.api_url} did not answer in time to {what}") from None
        except (rpc.ConnectionError, rpc.ProtocolError, rpc.StatusError) as error:
            raise StorageUnavailable(
                f"cannot reach the IPFS node at {self.api_url} to {what}: is the node running and is "
                f"IPFS_API_URL its RPC API address? ({type(error).__name__})"
            ) from None


class _NodeRefused(StorageUnavailable):
    """The node answered with an error (as opposed to not answering); `answer` is what it said."""

    def __init__(self, message: str, *, answer: str) -> None:
        super().__init__(message)
        self.answer = answer


class _Upload:
    """The file object the RPC client reads an upload from: it hashes and builds the DAG as bytes go by."""

    name = "blob"  # the multipart file name; a single file's name plays no part in its CID

    def __init__(self, stream: BinaryIO) -> None:
        self._chunks = read_chunks(stream, CHUNK_SIZE)
        self._dag = FileDagBuilder(lambda cid, block: None)
        self.content_hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        """The next chunk (the client asks for `CHUNK_SIZE` bytes at a time, its configured chunk size)."""
        chunk = next(self._chunks, b"")
        if chunk:
            self.content_hash.update(chunk)
            self._dag.add_leaf(chunk)
            self.size += len(chunk)
        return chunk

    def root(self) -> Cid:
        """The CID Kubo gives the bytes read so far."""
        return self._dag.finish().cid


def _multiaddr_and_base(api_url: str) -> tuple[str, str]:
    """`http://127.0.0.1:5001` as the client wants it: `/ip4/127.0.0.1/tcp/5001/http` and `api/v0`."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StorageUnavailable(f"IPFS_API_URL {api_url!r} is not an http(s) URL such as http://127.0.0.1:5001")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        host = ip_address(parts.hostname)
        protocol = "ip6" if isinstance(host, IPv6Address) else "ip4"
    except ValueError:
        protocol = "dns"
    prefix = parts.path.strip("/")
    base = prefix if prefix.endswith("api/v0") else f"{prefix}/api/v0".lstrip("/")
    return f"/{protocol}/{parts.hostname}/tcp/{port}/{parts.scheme}", base
