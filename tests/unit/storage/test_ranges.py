"""Byte ranges: what a read from `offset` for `length` bytes covers, and which ranges cannot be served."""

import pytest

from polyphony.storage.base import range_end
from polyphony.storage.errors import InvalidRange


@pytest.mark.parametrize(
    ("size", "offset", "length", "end"),
    [
        (100, 0, None, 100),
        (100, 10, 20, 30),
        (100, 90, 20, 100),  # a length past the end reads to the end, as HTTP ranges do
        (100, 100, None, 100),  # reading from the very end reads nothing
        (100, 5, 0, 5),
        (0, 0, None, 0),
    ],
)
def test_a_range_ends_at_offset_plus_length_or_at_the_end(size: int, offset: int, length: int | None, end: int) -> None:
    assert range_end(size, offset=offset, length=length) == end


@pytest.mark.parametrize(("offset", "length"), [(101, None), (-1, None), (0, -1)])
def test_offsets_past_the_end_and_negative_numbers_are_invalid(offset: int, length: int | None) -> None:
    with pytest.raises(InvalidRange):
        range_end(100, offset=offset, length=length)
