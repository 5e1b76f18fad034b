"""The error tree every layer raises and every edge renders.

Each error carries its HTTP status, a stable snake_case `code` that clients may switch on, and whether a task
should retry it. Leaves live beside their module (e.g. `storage/errors.py`).
"""

from typing import ClassVar


class PolyphonyError(Exception):
    """Base of every error Polyphony raises on purpose; `message` is written for a person."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(PolyphonyError):
    status_code = 400
    code = "bad_request"


class Unauthorized(PolyphonyError):
    status_code = 401
    code = "unauthorized"


class Forbidden(PolyphonyError):
    status_code = 403
    code = "forbidden"


class NotFound(PolyphonyError):
    status_code = 404
    code = "not_found"


class NotAcceptable(PolyphonyError):
    status_code = 406
    code = "not_acceptable"


class Conflict(PolyphonyError):
    status_code = 409
    code = "conflict"


class TooLarge(PolyphonyError):
    status_code = 413
    code = "too_large"


class LengthRequired(PolyphonyError):
    status_code = 411
    code = "length_required"


class UnsupportedMediaType(PolyphonyError):
    status_code = 415
    code = "unsupported_media_type"


class RangeNotSatisfiable(PolyphonyError):
    status_code = 416
    code = "range_not_satisfiable"


class TooManyRequests(PolyphonyError):
    status_code = 429
    code = "too_many_requests"


class Unavailable(PolyphonyError):
    """A service we depend on did not answer; the caller may try again later."""

    status_code = 503
    code = "service_unavailable"
    retryable = True
