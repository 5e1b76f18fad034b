"""Sign-in nonces: random, issued by us, kept in Redis for a while, and good for one attempt."""

import secrets

from redis import Redis

from polyphony.auth.errors import UnknownNonce, redis_errors

_KEY = "polyphony:auth:nonce:"


def issue_nonce(redis: Redis, *, ttl_s: int) -> str:
    """A fresh nonce, usable once within `ttl_s` seconds."""
    # 128 bits in hex: EIP-4361 wants at least 8 alphanumeric characters.
    nonce = secrets.token_hex(16)
    with redis_errors():
        redis.set(_KEY + nonce, 1, ex=ttl_s)
    return nonce


def consume_nonce(redis: Redis, nonce: str) -> None:
    """Spend `nonce`; raise `UnknownNonce` if we never issued it, it expired, or it was already spent."""
    # GETDEL reads and removes in one step: two concurrent logins with one nonce cannot both see it.
    with redis_errors():
        found = redis.getdel(_KEY + nonce)
    if found is None:
        raise UnknownNonce(
            "this message's nonce was not issued by this server, has expired or was already used: "
            "get a new one from GET /auth/nonce and sign a new message"
        )
