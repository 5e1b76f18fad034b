"""Bearer tokens: opaque random strings; Redis maps each one's hash to the address that signed in.

Only the SHA-256 of a token is stored, so reading Redis does not hand out working tokens. A token's record
outlives its expiry by a day so that, meanwhile, a client is told "expired" rather than "invalid".
"""

import hashlib
import json
import secrets
from dataclasses import dataclass

from redis import Redis

from polyphony.auth.errors import ExpiredToken, InvalidToken, MissingToken, redis_errors

_KEY = "polyphony:auth:token:"
_EXPIRED_KEPT_S = 86_400


@dataclass(frozen=True)
class AccessToken:
    """A token handed to a client that signed in as `address`, valid `expires_in_s` seconds."""

    token: str
    address: str
    expires_in_s: int


def issue_token(redis: Redis, *, address: str, ttl_s: int, now: float) -> AccessToken:
    """A new token for `address`, valid for `ttl_s` seconds from `now` (Unix time)."""
    token = secrets.token_urlsafe(32)
    record = json.dumps({"address": address, "expires_at": now + ttl_s})
    with redis_errors():
        redis.set(_key(token), record, ex=ttl_s + _EXPIRED_KEPT_S)
    return AccessToken(token, address, ttl_s)


def contributor_of(redis: Redis, token: str | None, *, now: float) -> str:
    """The address `token` signed in as; raise `MissingToken`, `InvalidToken` or `ExpiredToken`."""
    if not token:
        raise MissingToken("this needs a signed-in wallet: send 'Authorization: Bearer <token>' from POST /auth/login")
    with redis_errors():
        record = redis.get(_key(token))
    if record is None:
        raise InvalidToken("this bearer token is not one we issued (or is long expired): sign in again")
    fields = json.loads(record)
    if now >= fields["expires_at"]:
        raise ExpiredToken("this bearer token has expired: sign in again through /auth/nonce and /auth/login")
    return str(fields["address"])


def revoke_token(redis: Redis, token: str | None, *, now: float) -> str:
    """Sign out: `token` stops opening anything at once; the address it was for (errors as `contributor_of`)."""
    address = contributor_of(redis, token, now=now)
    assert token is not None
    with redis_errors():
        redis.delete(_key(token))
    return address


def _key(token: str) -> str:
    return _KEY + hashlib.sha256(token.encode()).hexdigest()
