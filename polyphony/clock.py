"""The one clock every timestamp comes from: timezone-aware UTC, so times compare and serialise the same everywhere."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """`moment`, timezone-aware: every stored time is UTC, and SQLite hands them back naive."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
