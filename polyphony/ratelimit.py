"""Rate limits kept in Redis, so every API process counts against the same budget.

Each limit is a sliding window log: a sorted set per (limit, subject) holding one member per allowed request,
scored by Redis's own clock, so API processes with drifting clocks agree. One Lua script checks every limit of
a request and records the request in all of them or in none, atomically; a refused request is not counted,
and its `Retry-After` is exactly when the oldest counted request leaves the window.
"""

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from redis import Redis

from polyphony.auth.errors import redis_errors
from polyphony.errors import TooManyRequests
from polyphony.settings import Settings

_KEY = "polyphony:ratelimit:"

# KEYS: one sorted set per limit. ARGV: the request's member, then (count, window in microseconds) per key.
# Answers {0, 0} when the request is allowed (and counted), else {index of the full limit, microseconds to wait}.
_SLIDING_WINDOW = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 * i])
  local window_us = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now_us - window_us)
  local held = redis.call('ZCARD', key)
  if held >= count then
    local freeing = redis.call('ZRANGE', key, held - count, held - count, 'WITHSCORES')
    return {i, tonumber(freeing[2]) + window_us - now_us}
  end
end
for i, key in ipairs(KEYS) do
  local window_us = tonumber(ARGV[2 * i + 1])
  redis.call('ZADD', key, now_us, ARGV[1])
  redis.call('PEXPIRE', key, math.ceil(window_us / 1000))
end
return {0, 0}
"""


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `window_s` seconds for one subject (a client's IP, or an address)."""

    name: str
    subject: str
    count: int
    window_s: int
    what: str  # for the message: "sign-in requests from this client"


class RateLimited(TooManyRequests):
    """Over a limit: `retry_after_s` says when one more request will be allowed."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.headers = {"Retry-After": str(retry_after_s)}


def hit(redis: Redis, limits: Sequence[Limit]) -> None:
    """Count one request against every limit in `limits`; raise `RateLimited`, counting nothing, if one is full."""
    keys = [f"{_KEY}{limit.name}:{limit.subject}" for limit in limits]
    arguments: list[str | int] = [secrets.token_hex(8)]
    for limit in limits:
        arguments += [limit.count, limit.window_s * 1_000_000]
    with redis_errors():
        full, wait_us = redis.register_script(_SLIDING_WINDOW)(keys=keys, args=arguments)
    if full:
        limit = limits[int(full) - 1]
        retry_after_s = max(1, math.ceil(int(wait_us) / 1_000_000))
        raise RateLimited(
            f"too many {limit.what} (at most {limit.count} per {limit.window_s} s): try again in {retry_after_s} s",
            retry_after_s=retry_after_s,
        )


def sign_in_client_limit(settings: Settings, *, client: str) -> Limit:
    """Nonce and login requests from one client (IP)."""
    return Limit(
        "sign_in_client",
        client,
        settings.polyphony_sign_in_per_client,
        settings.polyphony_sign_in_window_s,
        "sign-in requests from this client",
    )


def sign_in_address_limit(settings: Settings, *, address: str) -> Limit:
    """Sign-ins by one address."""
    return Limit(
        "sign_in_address",
        address.lower(),
        settings.polyphony_sign_in_per_address,
        settings.polyphony_sign_in_window_s,
        f"sign-ins by {address}",
    )


def preview_limits(settings: Settings, *, client: str, address: str) -> list[Limit]:
    """Score previews from one client (IP) and by one signed-in address: the upload limits, in buckets of their own."""
    window_s = settings.polyphony_upload_window_s
    return [
        Limit("preview_client", client, settings.polyphony_upload_per_client, window_s, "previews from this client"),
        Limit("preview_address", address.lower(), settings.polyphony_upload_per_address, window_s,
              f"previews by {address}"),
    ]  # fmt: skip


def upload_limits(settings: Settings, *, client: str, address: str) -> list[Limit]:
    """Uploads from one client (IP) and by one signed-in address."""
    window_s = settings.polyphony_upload_window_s
    by_client = settings.polyphony_upload_per_client
    by_address = settings.polyphony_upload_per_address
    return [
        Limit("upload_client", client, by_client, window_s, "uploads from this client"),
        Limit("upload_address", address.lower(), by_address, window_s, f"uploads by {address}"),
    ]


def relay_limits(settings: Settings, *, action: str, client: str, address: str) -> list[Limit]:
    """Relayed `action`s (claims, ballots, delegations, proposals: the relayer pays their gas) from one client (IP)
    and for one address, each action in buckets of its own."""
    window_s = settings.polyphony_relay_window_s
    return [
        Limit(f"relay_{action}_client", client, settings.polyphony_relay_per_client, window_s,
              f"relayed {action} from this client"),
        Limit(f"relay_{action}_address", address.lower(), settings.polyphony_relay_per_address, window_s,
              f"relayed {action} for {address}"),
    ]  # fmt: skip
