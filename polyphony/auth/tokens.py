"""Bearer tokens: opaque random strings; Redis maps each one's hash to the address that signed in.

Only the SHA-256 of a token is stored, so reading Redis does not hand out working tokens. A token's record
outlives its expiry by a day, and a signed-out token's record is kept as revoked until then, so that meanwhile a
client is told "expired" or "revoked" rather than "never issued".
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any, cast

from redis import Redis

from polyphony.auth.errors import ExpiredToken, MissingToken, RevokedToken, UnknownToken, redis_errors

_KEY = "polyphony:auth:token:"
_EXPIRED_KEPT_S = 86_400
NO_TOKEN = "this needs a signed-in wallet: send 'Authorization: Bearer <token>' from POST /auth/login"  # noqa: S105 (a message)


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
    """The address `token` signed in as; raise `MissingToken`, or an `InvalidToken` that says why it is no good."""
    if not token:
        raise MissingToken(NO_TOKEN)
    fields = _record(redis, token)
    if fields.get("revoked"):
        raise RevokedToken("this bearer token was revoked (signed out with POST /auth/logout): sign in again")
    if now >= fields["expires_at"]:
        raise ExpiredToken("this bearer token has expired: sign in again through /auth/nonce and /auth/login")
    return str(fields["address"])


def revoke_token(redis: Redis, token: str | None, *, now: float) -> str:
    """Sign out: `token` stops opening anything at once; the address it was for (errors as `contributor_of`).

    Its record stays, marked revoked, as long as it would have, so a client that sends it again is told why.
    """
    address = contributor_of(redis, token, now=now)
    assert token is not None
    fields = _record(redis, token)
    kept_s = max(1, int(fields["expires_at"] + _EXPIRED_KEPT_S - now))
    with redis_errors():
        redis.set(_key(token), json.dumps({**fields, "revoked": True}), ex=kept_s)
    return address


def _record(redis: Redis, token: str) -> dict[str, Any]:
    with redis_errors():
        record = redis.get(_key(token))
    if record is None:
        raise UnknownToken("this bearer token was never issued here (or expired over a day ago): sign in again")
    return cast(dict[str, Any], json.loads(record))


def _key(token: str) -> str:
    return _KEY + hashlib.sha256(token.encode()).hexdigest()
