"""Why a caller is not let in, and Redis failing under the sign-in, token and rate-limit stores."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import redis

from polyphony.errors import Unauthorized, Unavailable


class MissingToken(Unauthorized):
    code = "missing_token"
    # RFC 6750: a 401 for a bearer-protected resource names the scheme, and why a token was refused.
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class InvalidToken(Unauthorized):
    code = "invalid_token"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class ExpiredToken(Unauthorized):
    code = "expired_token"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class UnknownNonce(Unauthorized):
    code = "siwe_unknown_nonce"


class RedisUnavailable(Unavailable):
    code = "redis_unavailable"


@contextmanager
def redis_errors() -> Iterator[None]:
    """Turn a Redis that cannot be reached into `RedisUnavailable` (503, retry later), not a crash."""
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise RedisUnavailable(f"Redis did not answer ({type(error).__name__}); please try again shortly") from None
