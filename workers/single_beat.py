"""One beat at a time, however many are started: the periodic schedule is sent by whichever beat holds a Redis
lock. A second beat (started by mistake, or on another machine as a stand-by) waits for the lock; when the
holder dies, its lock lapses within `LOCK_S` seconds and a waiting beat takes over. A holder that finds its lock
taken (it was frozen longer than `LOCK_S`) exits at once rather than send the schedule twice; its supervisor
starts it again as a stand-by.
"""

import atexit
import logging
import os
import socket
import threading
import time
from typing import Any

from redis import Redis

from polyphony.settings import get_settings

log = logging.getLogger(__name__)

LOCK_KEY = "polyphony:beat:lock"
LOCK_S = 15.0

# Renew or release the lock only while this beat still holds it: compare and act in one step.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def hold_the_schedule(**_signal: Any) -> None:
    """Celery's `beat_init` handler: wait until this beat holds the lock, then keep it for as long as it runs."""
    redis = Redis.from_url(get_settings().effective_redis_url, socket_timeout=5, socket_connect_timeout=5)
    me = f"{socket.gethostname()}:{os.getpid()}"
    lease_ms = int(LOCK_S * 1000)
    while not redis.set(LOCK_KEY, me, nx=True, px=lease_ms):
        holder = redis.get(LOCK_KEY)
        log.warning("beat %s stands by: beat %s sends the schedule", me, _text(holder))
        time.sleep(LOCK_S / 3)
    log.info("beat %s holds the schedule", me)
    threading.Thread(target=_keep, args=(redis, me, lease_ms), name="single-beat", daemon=True).start()
    atexit.register(_release, redis, me)  # a beat that stops cleanly hands over at once, not after LOCK_S


def _keep(redis: Redis, me: str, lease_ms: int) -> None:
    renew = redis.register_script(_RENEW)
    while True:
        time.sleep(LOCK_S / 3)
        try:
            held = renew(keys=[LOCK_KEY], args=[me, lease_ms])
        except Exception as error:  # Redis down: the schedule's own sends fail too; keep trying
            log.warning("beat %s could not renew its lock: %s", me, error)
            continue
        if not held:
            log.error("beat %s lost the schedule to another beat: stopping so that it is not sent twice", me)
            os._exit(1)


def _release(redis: Redis, me: str) -> None:
    try:
        redis.eval(_RELEASE, 1, LOCK_KEY, me)
    except Exception as error:  # exiting anyway: the lock lapses by itself
        log.warning("beat %s could not release its lock: %s", me, error)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return "?"
    return value.decode() if isinstance(value, bytes) else value
