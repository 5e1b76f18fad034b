"""Content identifiers: CIDv1 with a sha2-256 multihash, read from any common spelling, written in base32.

Polyphony names every blob by the CIDv1 Kubo gives it (`ipfs add --cid-version=1 --raw-leaves`), spelled in
lowercase base32 with the multibase prefix `b`. It also reads the spellings other nodes answer with: CIDv1 in
base58btc (`z...`, js-ipfs' default) and CIDv0 (`Qm...`, an implied dag-pb CIDv1), so every CID it stores or
returns has one spelling only.
"""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from polyphony.storage.errors import InvalidCid

RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
DIGEST_LENGTH = 32

_CODEC_NAMES = {RAW: "raw", DAG_PB: "dag-pb"}
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(_BASE58_ALPHABET)}
# A CIDv0 is the bare base58btc multihash: 0x12 0x20 + 32 bytes always spells as 46 characters from "Qm".
_CIDV0_LENGTH = 46


@dataclass(frozen=True)
class Cid:
    """A CIDv1 of a raw or dag-pb block hashed with sha2-256."""

    codec: int
    digest: bytes

    def __post_init__(self) -> None:
        if self.codec not in _CODEC_NAMES:
            raise InvalidCid(f"CID codec 0x{self.codec:x} is not raw (0x55) or dag-pb (0x70)")
        if len(self.digest) != DIGEST_LENGTH:
            raise InvalidCid(f"a sha2-256 digest is {DIGEST_LENGTH} bytes, not {len(self.digest)}")

    @classmethod
    def of_block(cls, block: bytes | memoryview, *, codec: int) -> "Cid":
        """The CID of `block` stored with `codec`."""
        return cls(codec, hashlib.sha256(block).digest())

    @property
    def binary(self) -> bytes:
        """The binary CID: version, codec, multihash (as CAR files and dag-pb links hold it)."""
        return bytes((1,)) + encode_varint(self.codec) + bytes((SHA2_256, DIGEST_LENGTH)) + self.digest

    def __str__(self) -> str:
        return "b" + base64.b32encode(self.binary).decode("ascii").lower().rstrip("=")


def parse_cid(text: str) -> Cid:
    """Read a CID spelled in base32 or base58btc (CIDv1) or as a CIDv0; raise `InvalidCid` otherwise."""
    if len(text) == _CIDV0_LENGTH and text.startswith("Qm"):
        return _from_multihash(DAG_PB, _decode_base58(text), text)
    if text[:1] in ("b", "B"):
        return read_binary_cid(_decode_base32(text), whole=True, spelled=text)[0]
    if text[:1] == "z":
        return read_binary_cid(_decode_base58(text[1:]), whole=True, spelled=text)[0]
    raise InvalidCid(f"{text[:80]!r} is not a CID: expected base32 ('b...'), base58btc ('z...') or 'Qm...'")


def normalize_cid(text: str) -> str:
    """The base32 CIDv1 spelling of any CID `parse_cid` reads."""
    return str(parse_cid(text))


def read_binary_cid(buffer: bytes | memoryview, *, whole: bool = False, spelled: str = "") -> tuple[Cid, int]:
    """Read a binary CIDv1 at the start of `buffer`; return it and how many bytes it took."""
    what = spelled[:80] or "binary CID"
    try:
        version, position = decode_varint(buffer, 0)
        codec, position = decode_varint(buffer, position)
        hash_code, position = decode_varint(buffer, position)
        digest_length, position = decode_varint(buffer, position)
    except ValueError:
        raise InvalidCid(f"{what!r} is not a CID: it is cut short") from None
    if version != 1:
        raise InvalidCid(f"{what!r} is not a CIDv1 (version {version})")
    if hash_code != SHA2_256 or digest_length != DIGEST_LENGTH:
        raise InvalidCid(f"{what!r} is not hashed with sha2-256 (multihash 0x{hash_code:x})")
    end = position + digest_length
    if len(buffer) < end or (whole and len(buffer) != end):
        raise InvalidCid(f"{what!r} is not a CID: its length does not match its digest")
    return Cid(codec, bytes(buffer[position:end])), end


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128, as multiformats, protobuf and CAR files write integers."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buffer: bytes | memoryview, position: int) -> tuple[int, int]:
    """Read an unsigned LEB128 at `position`; return it and the position after it."""
    value = shift = 0
    while True:
        if position >= len(buffer) or shift > 63:
            raise ValueError("truncated or oversized varint")
        byte = buffer[position]
        value |= (byte & 0x7F) << shift
        position += 1
        if byte < 0x80:
            return value, position
        shift += 7


def encode_base58(raw: bytes) -> str:
    """Bitcoin's base58 alphabet, as multibase `z` and CIDv0 use it."""
    number = int.from_bytes(raw, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[remainder])
    leading_zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))


def _decode_base58(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _BASE58_INDEX:
            raise InvalidCid(f"{text[:80]!r} is not a CID: {char!r} is not a base58btc character")
        number = number * 58 + _BASE58_INDEX[char]
    leading_zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * leading_zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def _decode_base32(text: str) -> bytes:
    """Multibase `b` (or `B`, upper case) base32 without padding; `text` includes the prefix."""
    digits = text[1:].upper()
    try:
        return base64.b32decode(digits + "=" * (-len(digits) % 8))
    except (binascii.Error, ValueError):
        raise InvalidCid(f"{text[:80]!r} is not a CID: not valid base32") from None


def _from_multihash(codec: int, multihash: bytes, spelled: str) -> Cid:
    if multihash[:2] != bytes((SHA2_256, DIGEST_LENGTH)) or len(multihash) != 2 + DIGEST_LENGTH:
        raise InvalidCid(f"{spelled[:80]!r} is not a sha2-256 CIDv0")
    return Cid(codec, multihash[2:])
