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
    """A bearer token was sent and is no good, on any route, public ones too: RFC 6750's `invalid_token`.

    The message, also sent as the header's error_description, says why: never issued, expired or revoked.
    """

    code = "invalid_token"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # RFC 6750 allows printable ASCII but the double quote and backslash in an error_description.
        description = "".join(c for c in message.replace('"', "'") if " " <= c <= "~" and c != "\\")
        self.headers = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}


class UnknownToken(InvalidToken):
    """Never issued here (or expired so long ago that its record is gone)."""


class ExpiredToken(InvalidToken):
    """Issued here, past its lifetime."""


class RevokedToken(InvalidToken):
    """Issued here, then signed out with POST /auth/logout."""


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
