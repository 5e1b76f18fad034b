"""CARv1 files (https://ipld.io/specs/transport/car/carv1/): one root and its blocks, as `ipfs dag export` writes.

A CAR file is a varint-prefixed dag-cbor header `{"roots": [root], "version": 1}`, then one section per block:
varint(len(cid) + len(block)), the binary CID, the block. The header is the only dag-cbor Polyphony writes,
so it is encoded here by hand; the reader decodes just enough dag-cbor to read any CARv1 header.

`CarStream` reads a CAR as its bytes arrive (a download, an export), holding one section at a time, so a CAR
of any size is checked block by block without being held in memory.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from polyphony.storage.cid import Cid, decode_varint, encode_varint, read_binary_cid
from polyphony.storage.errors import InvalidCid

# In dag-cbor a CID is tag 42 over its binary form prefixed by 0x00 (the multibase "identity" prefix).
_CID_TAG = 42
# A section holds one block; IPFS blocks are at most 2 MiB (bitswap's limit). A header holds 41 bytes a root: a
# round's CAR, a root per file, stays under 16 MiB up to 400,000 files. Anything longer is not buffered.
MAX_SECTION_BYTES = 2 * 1024 * 1024 + 128
MAX_HEADER_BYTES = 16 * 1024 * 1024
# CBOR major types (RFC 8949 section 3.1).
_UINT, _BYTES, _TEXT, _ARRAY, _MAP, _TAG = 0, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class CarFile:
    """A CAR file read back: its roots and its blocks in file order."""

    roots: list[Cid]
    blocks: list[tuple[Cid, bytes]]


def write_car(root: Cid, blocks: Iterable[tuple[Cid, bytes]]) -> Iterator[bytes]:
    """Yield a CARv1 file: the header naming `root`, then one section per block."""
    yield car_header(root)
    for cid, block in blocks:
        yield car_section(cid, block)


def car_header(*roots: Cid) -> bytes:
    """The varint-prefixed dag-cbor header `{"roots": [roots], "version": 1}` (keys in dag-cbor order)."""
    header = _cbor_head(_MAP, 2) + _cbor_text("roots") + _cbor_head(_ARRAY, len(roots))
    for root in roots:
        tagged_cid = b"\0" + root.binary
        header += _cbor_head(_TAG, _CID_TAG) + _cbor_head(_BYTES, len(tagged_cid)) + tagged_cid
    header += _cbor_text("version") + _cbor_head(_UINT, 1)
    return encode_varint(len(header)) + header


def car_section(cid: Cid, block: bytes) -> bytes:
    """One block of a CAR file: its length prefix, its binary CID, its bytes."""
    binary = cid.binary
    return encode_varint(len(binary) + len(block)) + binary + block


def read_car(car: bytes) -> CarFile:
    """Read a whole CARv1 file, checking every block against its CID; raise `ValueError` if it is not one."""
    stream = CarStream([car])
    return CarFile(stream.roots, list(stream.blocks()))


class CarStream:
    """A CARv1 file read from the pieces it arrives in: its roots at once, then each block checked by its CID.

    Every fault (not a CAR, cut short, a block that does not hash to its CID) is a `ValueError`.
    """

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self._buffer = bytearray()
        self.roots = self._read_header()

    def blocks(self) -> Iterator[tuple[Cid, bytes]]:
        """Yield each block of the file in order, once its bytes hash to its CID."""
        while self._fill(1):
            length = self._varint()
            if length > MAX_SECTION_BYTES:
                raise ValueError(f"a CAR section of {length} bytes is longer than any IPFS block")
            section = self._take(length, what="a CAR section")
            try:
                cid, cid_length = read_binary_cid(section)
            except InvalidCid as error:
                raise ValueError(f"a CAR section does not start with a CID Polyphony reads: {error}") from None
            block = section[cid_length:]
            if hashlib.sha256(block).digest() != cid.digest:
                raise ValueError(f"block {cid} does not hash to its CID")
            yield cid, block

    def _read_header(self) -> list[Cid]:
        length = self._varint()
        if length > MAX_HEADER_BYTES:
            raise ValueError("not a CARv1 header: too long")
        encoded = self._take(length, what="the CAR header")
        header, end = _cbor_decode(encoded, 0)
        if end != length or not isinstance(header, dict) or header.get("version") != 1:
            raise ValueError("not a CARv1 header")
        roots = header.get("roots")
        if not isinstance(roots, list) or not all(isinstance(root, Cid) for root in roots):
            raise ValueError("a CARv1 header without a list of root CIDs")
        return roots

    def _fill(self, count: int) -> bool:
        """Whether `count` bytes are buffered, reading more pieces until they are or the file ends."""
        while len(self._buffer) < count:
            piece = next(self._pieces, None)
            if piece is None:
                return False
            self._buffer += piece
        return True

    def _take(self, count: int, *, what: str) -> bytes:
        if not self._fill(count):
            raise ValueError(f"{what} runs past the end of the file")
        taken = bytes(self._buffer[:count])
        del self._buffer[:count]
        return taken

    def _varint(self) -> int:
        for length in range(1, 11):
            if not self._fill(length):
                raise ValueError("a CAR length prefix runs past the end of the file")
            if self._buffer[length - 1] < 0x80:
                value, _ = decode_varint(self._take(length, what="a varint"), 0)
                return value
        raise ValueError("a CAR length prefix longer than 64 bits")


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes((major << 5 | value,))
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes((major << 5 | extra,)) + value.to_bytes(size, "big")
    raise ValueError("a CBOR head holds at most 64 bits")


def _cbor_text(text: str) -> bytes:
    encoded = text.encode()
    return _cbor_head(_TEXT, len(encoded)) + encoded


def _cbor_decode(buffer: bytes, position: int) -> tuple[Any, int]:
    major, value, position = _cbor_read_head(buffer, position)
    if major == _UINT:
        return value, position
    if major in (_BYTES, _TEXT):
        raw = buffer[position : position + value]
        return (raw if major == _BYTES else raw.decode()), position + value
    if major == _ARRAY:
        items = []
        for _ in range(value):
            item, position = _cbor_decode(buffer, position)
            items.append(item)
        return items, position
    if major == _MAP:
        entries = {}
        for _ in range(value):
            key, position = _cbor_decode(buffer, position)
            entries[key], position = _cbor_decode(buffer, position)
        return entries, position
    if major == _TAG and value == _CID_TAG:
        tagged, position = _cbor_decode(buffer, position)
        if not isinstance(tagged, bytes) or tagged[:1] != b"\0":
            raise ValueError("dag-cbor tag 42 must wrap 0x00 + a binary CID")
        return read_binary_cid(tagged[1:], whole=True)[0], position
    raise ValueError(f"dag-cbor item of major type {major} is not used in CAR headers")


def _cbor_read_head(buffer: bytes, position: int) -> tuple[int, int, int]:
    if position >= len(buffer):
        raise ValueError("CBOR cut short")
    initial = buffer[position]
    major, extra = initial >> 5, initial & 0x1F
    if extra < 24:
        return major, extra, position + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(extra)
    if size is None or position + 1 + size > len(buffer):
        raise ValueError("CBOR item of indefinite or unknown length")
    return major, int.from_bytes(buffer[position + 1 : position + 1 + size], "big"), position + 1 + size
