"""The one clock every timestamp comes from: timezone-aware UTC, so times compare and serialise the same everywhere."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)
