"""Rate limits kept in Redis, so every API process counts against the same budget.

Each limit is a sliding window log: a sorted set per (limit, subject) holding one member per allowed request,
scored by Redis's own clock, so API processes with drifting clocks agree. One Lua script checks every limit of
a request and records the request in all of them or in none, atomically; a refused request is not counted,
and its `Retry-After` is exactly when the oldest counted request leaves the window.

Uploads are let in by `admit_upload`: one of the client's few slots for uploads in flight at once, then the
hourly quotas. An upload counts against the quotas only once accepted; a refused one is given back and counted
in a separate, larger bucket of refusals instead, so a client behind a shared address that keeps sending bad
uploads does not use up everyone's quota, and is itself stopped once its refusals fill that bucket.
"""

import math
import secrets
from collections.abc import Sequence
from contextlib import suppress
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
    _count(redis, limits, member=secrets.token_hex(8))


def _key(limit: Limit) -> str:
    return f"{_KEY}{limit.name}:{limit.subject}"


def _count(redis: Redis, limits: Sequence[Limit], *, member: str) -> None:
    keys = [_key(limit) for limit in limits]
    arguments: list[str | int] = [member]
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


# KEYS[1]: a sorted set of the uploads in flight, scored by when each one's lease ends. ARGV: the upload's member,
# the most allowed at once, the lease in microseconds, and 1 to take a slot (0: renew one already held).
# Answers 1 when the slot is held, 0 when every slot is taken.
_SLOT = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local lease_us = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_us)
if ARGV[4] == '1' and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[1], now_us + lease_us, ARGV[1])
else
  redis.call('ZADD', KEYS[1], 'XX', now_us + lease_us, ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], math.ceil(lease_us / 1000))
return 1
"""
# A slot's lease: renewed while the upload's bytes arrive (`Admission.renew`), so the slot of an upload whose
# process was killed frees itself this long after its last renewal.
SLOT_LEASE_S = 60


def refused_upload_limit(settings: Settings, *, client: str) -> Limit:
    """The bucket of uploads refused from one client (IP): larger than its quota, and separate from it."""
    return Limit(
        "upload_refused_client", client, settings.polyphony_refused_uploads_per_client,
        settings.polyphony_upload_window_s, "refused uploads from this client",
    )  # fmt: skip


@dataclass
class Admission:
    """An upload let in: its slot among its client's uploads in flight, and its count in the upload quotas."""

    redis: Redis
    member: str
    slot_key: str
    quotas: list[Limit]
    refusals: Limit

    def renew(self) -> None:
        """Keep the slot while the upload is alive (call it at least every SLOT_LEASE_S)."""
        with redis_errors():
            self.redis.register_script(_SLOT)(keys=[self.slot_key], args=[self.member, 0, SLOT_LEASE_S * 1_000_000, 0])

    def accepted(self) -> None:
        """The upload was kept (or was there already): it stays counted; its slot is free again."""
        self.free_slot()

    def refused(self, *, callers_mistake: bool) -> None:
        """The upload was not kept: its quota count is given back and its slot freed; a caller's mistake (a 4xx)
        is counted in the refusals bucket, a failure of ours is not."""
        with redis_errors():
            pipeline = self.redis.pipeline()
            for quota in self.quotas:
                pipeline.zrem(_key(quota), self.member)
            pipeline.zrem(self.slot_key, self.member)
            pipeline.execute()
        if callers_mistake:
            with suppress(RateLimited):  # a bucket already full stays full
                _count(self.redis, [self.refusals], member=self.member)

    def free_slot(self) -> None:
        """Give the slot back."""
        with redis_errors():
            self.redis.zrem(self.slot_key, self.member)


def admit_upload(redis: Redis, settings: Settings, *, client: str, address: str) -> Admission:
    """Let one upload in, or raise `RateLimited`: too many refusals from the client, too many of its uploads in
    flight at once, or a full quota. Counted in the quotas now; `Admission.refused` gives that back."""
    refusals = refused_upload_limit(settings, client=client)
    _raise_if_full(redis, refusals)
    member = secrets.token_hex(8)
    slot_key = f"{_KEY}uploads_in_flight:{client}"
    at_once = settings.polyphony_uploads_at_once_per_client
    with redis_errors():
        held = redis.register_script(_SLOT)(keys=[slot_key], args=[member, at_once, SLOT_LEASE_S * 1_000_000, 1])
    if not held:
        raise RateLimited(
            f"too many uploads from this client at once (at most {at_once}): wait for one to finish",
            retry_after_s=5,
        )
    quotas = upload_limits(settings, client=client, address=address)
    admission = Admission(redis, member, slot_key, quotas, refusals)
    try:
        _count(redis, quotas, member=member)
    except BaseException:
        admission.free_slot()  # nothing was counted: only the slot is to give back
        raise
    return admission


def _raise_if_full(redis: Redis, limit: Limit) -> None:
    """Raise `RateLimited` if `limit` is full, counting nothing."""
    probe = f"probe-{secrets.token_hex(8)}"
    _count(redis, [limit], member=probe)  # atomic check-and-add; the probe is taken out again at once
    with redis_errors():
        redis.zrem(_key(limit), probe)
