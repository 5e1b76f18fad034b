"""Test content: deterministic bytes of any length, as a whole or as a stream that never holds them all."""

import hashlib
import io

# A period that is not a multiple of any chunk size, so that no two 256 KiB chunks of a long blob are equal.
_PERIOD = 1_000_003
_PATTERN = hashlib.shake_256(b"polyphony test pattern").digest(_PERIOD)


def pattern_bytes(size: int, *, start: int = 0) -> bytes:
    """`size` bytes of the endless pattern, from position `start`."""
    start %= _PERIOD
    out = bytearray()
    while len(out) < size:
        piece = _PATTERN[start : start + size - len(out)]
        out += piece
        start = 0
    return bytes(out)


class PatternStream(io.RawIOBase):
    """A readable stream of `size` pattern bytes, produced as they are read (so a 50 MB test holds kilobytes).

    With `short_reads`, every read returns at most 1000 bytes, as a pipe or a socket may.
    """

    def __init__(self, size: int, *, short_reads: bool = False) -> None:
        self._size = size
        self._position = 0
        self._short_reads = short_reads

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        wanted = min(len(buffer), self._size - self._position, 1000 if self._short_reads else len(buffer))
        buffer[:wanted] = pattern_bytes(wanted, start=self._position)
        self._position += wanted
        return wanted


class FailingStream(io.RawIOBase):
    """A stream that yields `size` pattern bytes, then fails as a dropped upload would."""

    def __init__(self, size: int) -> None:
        self._inner = PatternStream(size)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        count = self._inner.readinto(buffer)
        if count == 0:
            raise ConnectionResetError("the client went away mid-upload")
        return count
