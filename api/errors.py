"""One place that turns errors into `{"error": {"code", "message"}}` answers with the right status."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from polyphony.errors import PolyphonyError

log = logging.getLogger(__name__)

# Statuses the framework itself answers (unknown route, wrong method), with their stable codes.
_FRAMEWORK_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The error shape every 4xx and 5xx answer has."""
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(PolyphonyError, _polyphony_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _framework_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _polyphony_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, PolyphonyError)
    # An error may carry its own headers (a rate limit's exact Retry-After, a 401's WWW-Authenticate).
    headers = getattr(error, "headers", None) or ({"Retry-After": "5"} if error.retryable else None)
    return JSONResponse(error_body(error.code, error.message), status_code=error.status_code, headers=headers)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(_describe_problem(problem) for problem in error.errors())
    return JSONResponse(error_body("invalid_request", problems), status_code=422)


def _describe_problem(problem: dict[str, object]) -> str:
    location = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")  # type: ignore[attr-defined]
    return f"{location}: {problem.get('msg')}" if location else str(problem.get("msg"))


async def _framework_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = _FRAMEWORK_CODES.get(error.status_code, "http_error")
    return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code)


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # A bug, not a caller's mistake: log it whole, answer without internals.
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    message = "Something went wrong on our side; it has been logged. Please try again later."
    return JSONResponse(error_body("internal_error", message), status_code=500)
