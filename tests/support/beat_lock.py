"""Which beat holds the schedule: the process id in the single-beat lock (`workers/single_beat.py`)."""

from redis import Redis

from workers.single_beat import LOCK_KEY


def holder(redis: Redis) -> int | None:
    """The process id of the beat holding the schedule, if one does."""
    value = redis.get(LOCK_KEY)
    return int(value.decode().rsplit(":", 1)[1]) if value else None
