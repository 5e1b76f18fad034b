"""Byte counts as a person reads them: `1.5 MiB`, not `1572864`. JSON keeps the exact count next to it."""

_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def format_bytes(size: int) -> str:
    """`size` bytes in binary units with one decimal (`1.5 MiB`), cut rather than rounded up; `512 B` below 1 KiB."""
    if size < 1024:
        return f"{size} B"
    unit, scaled = "B", size
    for unit in _UNITS:
        if scaled < 1024 * 1024 or unit == _UNITS[-1]:
            break
        scaled //= 1024
    tenths = scaled * 10 // 1024
    whole, tenth = divmod(tenths, 10)
    return f"{whole:,}{f'.{tenth}' if tenth else ''} {unit}"
