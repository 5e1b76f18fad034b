"""UnixFS files as Kubo builds them: fixed-size chunks as raw leaves under a balanced tree of dag-pb nodes.

This is the pure half of storage: bytes in, blocks and CIDs out, identical to
`ipfs add --cid-version=1 --raw-leaves` (chunker `size-262144`, balanced layout, 174 links per node). The
tree is built as the bytes stream past: one list of pending links per level, so memory holds one chunk and
at most `max_links` links per level, whatever the file's size.

Wire formats (https://ipld.io/specs/codecs/dag-pb/spec/ and the UnixFS spec):
  PBNode  { 2: repeated PBLink Links; 1: bytes Data }   -- Links before Data, as dag-pb's canonical form
  PBLink  { 1: bytes Hash; 2: string Name; 3: uint64 Tsize }
  UnixFS  { 1: Type (File = 2); 2: bytes Data; 3: uint64 filesize; 4: repeated uint64 blocksizes }
"""

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from polyphony.storage.base import CHUNK_SIZE, MAX_LINKS, StoredBlob
from polyphony.storage.cid import DAG_PB, RAW, Cid, decode_varint, encode_varint, read_binary_cid

PutBlock = Callable[[Cid, bytes], None]

_UNIXFS_RAW = 0
_UNIXFS_FILE = 2
_VARINT = 0
_FIXED64 = 1
_LENGTH_DELIMITED = 2
_FIXED32 = 5


@dataclass(frozen=True)
class Link:
    """A child of a file node: its CID, the bytes of its whole sub-DAG (Tsize), the file bytes under it."""

    cid: Cid
    tsize: int
    filesize: int


@dataclass(frozen=True)
class FileNode:
    """A decoded dag-pb UnixFS file node: bytes held inline, then its children's bytes in link order."""

    data: bytes
    links: list[Link]

    @property
    def filesize(self) -> int:
        """The file bytes this node stands for."""
        return len(self.data) + sum(link.filesize for link in self.links)


def import_file(
    stream: BinaryIO, *, put_block: PutBlock, chunk_size: int = CHUNK_SIZE, max_links: int = MAX_LINKS
) -> StoredBlob:
    """Chunk everything `stream` yields into a file DAG, giving each block to `put_block`; sha256 in the same pass."""
    content_hash = hashlib.sha256()
    dag = FileDagBuilder(put_block, max_links=max_links)
    size = 0
    for chunk in read_chunks(stream, chunk_size):
        content_hash.update(chunk)
        dag.add_leaf(chunk)
        size += len(chunk)
    return StoredBlob(str(dag.finish().cid), size, content_hash.hexdigest())


def blob_of(stream: BinaryIO) -> StoredBlob:
    """The CID, size and sha256 the store would give everything `stream` yields, without storing a block."""
    return import_file(stream, put_block=_discard)


def cid_of(content: bytes) -> str:
    """The CID the store would give `content`, without storing it."""
    return blob_of(io.BytesIO(content)).cid


def _discard(_cid: Cid, _block: bytes) -> None:
    """A `put_block` that keeps nothing: for computing a CID only."""


def read_chunks(stream: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    """Yield full `chunk_size` chunks (the last one shorter), even from streams that return short reads."""
    while chunk := stream.read(chunk_size):
        # Chunk boundaries decide the CID, so a short read (a pipe, a socket) must be topped up, not hashed.
        while len(chunk) < chunk_size and (more := stream.read(chunk_size - len(chunk))):
            chunk += more
        yield chunk


class FileDagBuilder:
    """Kubo's balanced layout, built bottom-up as leaves arrive: a full level is sealed into its parent."""

    def __init__(self, put_block: PutBlock, *, max_links: int = MAX_LINKS) -> None:
        self._put_block = put_block
        self._max_links = max_links
        self._levels: list[list[Link]] = [[]]

    def add_leaf(self, chunk: bytes) -> None:
        """Store `chunk` as a raw leaf and link it in."""
        cid = Cid.of_block(chunk, codec=RAW)
        self._put_block(cid, chunk)
        self._push(0, Link(cid, len(chunk), len(chunk)))

    def finish(self) -> Link:
        """Seal every pending level and return the root; a file of one chunk (or none) is its raw leaf."""
        if not self._levels[0]:
            self.add_leaf(b"")
        level = 0
        while level < len(self._levels) - 1 or len(self._levels[level]) > 1:
            self._push(level + 1, self._seal(level))
            level += 1
        return self._levels[level][0]

    def _push(self, level: int, link: Link) -> None:
        if level == len(self._levels):
            self._levels.append([])
        # A level is sealed only when one more link arrives for it, as Kubo grows a new root only while
        # bytes remain: a file of exactly 174 chunks has a single node over its leaves.
        if len(self._levels[level]) == self._max_links:
            self._push(level + 1, self._seal(level))
        self._levels[level].append(link)

    def _seal(self, level: int) -> Link:
        links, self._levels[level] = self._levels[level], []
        block = encode_file_node(links)
        cid = Cid.of_block(block, codec=DAG_PB)
        self._put_block(cid, block)
        return Link(cid, len(block) + sum(link.tsize for link in links), sum(link.filesize for link in links))


def encode_file_node(links: list[Link]) -> bytes:
    """The dag-pb block of a UnixFS file node over `links` (no inline data, as with raw leaves)."""
    unixfs = bytearray(_varint_field(1, _UNIXFS_FILE))
    unixfs += _varint_field(3, sum(link.filesize for link in links))
    for link in links:
        unixfs += _varint_field(4, link.filesize)
    node = bytearray()
    for link in links:
        # Kubo writes the empty Name field of file links (checked against Kubo-identical CIDs in the tests).
        encoded_link = _bytes_field(1, link.cid.binary) + _bytes_field(2, b"") + _varint_field(3, link.tsize)
        node += _bytes_field(2, encoded_link)
    node += _bytes_field(1, bytes(unixfs))
    return bytes(node)


def decode_file_node(block: bytes) -> FileNode:
    """Read a dag-pb UnixFS file node; raise `ValueError` if `block` is not one."""
    hashes_and_sizes: list[tuple[Cid, int]] = []
    unixfs = b""
    for field, value in _fields(block):
        if field == 2 and isinstance(value, memoryview):
            hashes_and_sizes.append(_decode_link(value))
        elif field == 1 and isinstance(value, memoryview):
            unixfs = bytes(value)
    kind, data, blocksizes = _decode_unixfs(unixfs)
    if kind not in (_UNIXFS_FILE, _UNIXFS_RAW) or len(blocksizes) != len(hashes_and_sizes):
        raise ValueError("not a UnixFS file node: wrong type, or blocksizes do not match the links")
    links = [Link(cid, tsize, size) for (cid, tsize), size in zip(hashes_and_sizes, blocksizes, strict=True)]
    return FileNode(data, links)


def _decode_link(encoded: memoryview) -> tuple[Cid, int]:
    cid: Cid | None = None
    tsize = 0
    for field, value in _fields(encoded):
        if field == 1 and isinstance(value, memoryview):
            cid = read_binary_cid(value, whole=True)[0]
        elif field == 3 and isinstance(value, int):
            tsize = value
    if cid is None:
        raise ValueError("a dag-pb link without a Hash")
    return cid, tsize


def _decode_unixfs(encoded: bytes) -> tuple[int, bytes, list[int]]:
    kind, data, blocksizes = -1, b"", []
    for field, value in _fields(encoded):
        if field == 1 and isinstance(value, int):
            kind = value
        elif field == 2 and isinstance(value, memoryview):
            data = bytes(value)
        elif field == 4 and isinstance(value, int):
            blocksizes.append(value)
    return kind, data, blocksizes


def _fields(buffer: bytes | memoryview) -> Iterator[tuple[int, int | memoryview]]:
    view = memoryview(buffer)
    position = 0
    while position < len(view):
        tag, position = decode_varint(view, position)
        wire_type = tag & 7
        if wire_type == _VARINT:
            value, position = decode_varint(view, position)
            yield tag >> 3, value
        elif wire_type == _LENGTH_DELIMITED:
            length, position = decode_varint(view, position)
            if position + length > len(view):
                raise ValueError("a protobuf field runs past the end of the block")
            yield tag >> 3, view[position : position + length]
            position += length
        elif wire_type in (_FIXED64, _FIXED32):
            position += 8 if wire_type == _FIXED64 else 4
        else:
            raise ValueError(f"protobuf wire type {wire_type} is not used by dag-pb")


def _varint_field(field: int, value: int) -> bytes:
    return encode_varint(field << 3 | _VARINT) + encode_varint(value)


def _bytes_field(field: int, payload: bytes) -> bytes:
    return encode_varint(field << 3 | _LENGTH_DELIMITED) + encode_varint(len(payload)) + payload
