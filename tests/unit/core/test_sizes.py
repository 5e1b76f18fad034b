"""Byte counts as a person reads them: binary units, one decimal cut (never rounded up), thousands grouped."""

import pytest

from polyphony.sizes import format_bytes


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (1024 * 1024 - 1, "1,023.9 KiB"),  # 1023.999: cut, not rounded up to 1 MiB
        (1024 * 1024, "1 MiB"),
        (1_572_864, "1.5 MiB"),
        (10**9, "953.6 MiB"),
        (5 * 2**40, "5 TiB"),
        (3 * 2**60, "3,072 PiB"),  # past the largest unit: grouped, not a new unit
    ],
)
def test_sizes_read_as_binary_units(size: int, shown: str) -> None:
    assert format_bytes(size) == shown
