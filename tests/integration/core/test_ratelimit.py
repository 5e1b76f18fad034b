"""Rate limits against a real Redis: counted per subject, all or nothing across limits, and a Redis that is down
is a 503, not a crash."""

import secrets

import pytest
from redis import Redis

from polyphony.auth.errors import RedisUnavailable
from polyphony.ratelimit import Limit, RateLimited, hit


@pytest.fixture
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


def limit(count: int, *, window_s: int = 60) -> Limit:
    """A limit on a subject no other test uses."""
    return Limit("test", secrets.token_hex(8), count, window_s, "test requests")


def test_a_limit_allows_its_count_then_refuses_with_a_retry_time_inside_the_window(redis: Redis) -> None:
    three = limit(3, window_s=120)
    for _ in range(3):
        hit(redis, [three])
    with pytest.raises(RateLimited) as refused:
        hit(redis, [three])
    assert 1 <= refused.value.retry_after_s <= 120
    assert refused.value.headers == {"Retry-After": str(refused.value.retry_after_s)}
    assert "at most 3 per 120 s" in refused.value.message


def test_subjects_are_counted_apart(redis: Redis) -> None:
    one, other = limit(1), limit(1)
    hit(redis, [one])
    hit(redis, [other])
    with pytest.raises(RateLimited):
        hit(redis, [one])


def test_a_refused_request_is_counted_against_none_of_its_limits(redis: Redis) -> None:
    full, roomy = limit(1), limit(2)
    hit(redis, [full])
    with pytest.raises(RateLimited, match="at most 1 per"):
        hit(redis, [roomy, full])
    hit(redis, [roomy])
    hit(redis, [roomy])
    with pytest.raises(RateLimited, match="at most 2 per"):
        hit(redis, [roomy])


def test_a_redis_that_does_not_answer_is_unavailable() -> None:
    dead = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    with pytest.raises(RedisUnavailable):
        hit(dead, [limit(1)])
