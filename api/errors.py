"""One place that turns errors into `{"error": {"code", "message"}}` answers with the right status.

An unexpected error is logged here, once, and answered as a 500 without internals. Starlette's outermost
middleware would re-raise it after answering so that the server logs it too (a second traceback of the same
error): `_AnswerUnexpected` answers it inside that middleware instead, and nothing is re-raised.
"""

import logging
import re
from functools import lru_cache

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polyphony.errors import PolyphonyError

log = logging.getLogger(__name__)

# Statuses the framework itself answers (unknown route, wrong method), with their stable codes.
_FRAMEWORK_CODES = {404: "not_found", 405: "method_not_allowed", 408: "request_timeout", 413: "too_large"}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The error shape every 4xx and 5xx answer has."""
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(PolyphonyError, _polyphony_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _framework_error)
    app.add_middleware(_AnswerUnexpected)


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


async def _framework_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = _FRAMEWORK_CODES.get(error.status_code, "http_error")
    headers = dict(error.headers or {})  # a 408's Connection: close
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return JSONResponse(error_body(code, str(error.detail)), status_code=error.status_code, headers=headers)


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _allowed_methods(request: Request) -> str:
    """Every method the OpenAPI document serves the requested path with, as a 405's `Allow` must list them
    (RFC 9110 15.5.6); "" for a path it does not list.

    Starlette names only the first route that matched the path, though several may serve it (`GET` and `POST
    /contributions` are two routes). Where a fixed path and a template both match (`/rewards/claims` and
    `/rewards/{address}`), the path is the fixed one's resource, so the paths with the fewest parameters win.
    """
    matching = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi()["paths"].items()
        if _template_pattern(template).fullmatch(request.scope["path"])
    ]
    fewest = min((parameters for parameters, _ in matching), default=0)
    methods = {
        method.upper() for count, ops in matching if count == fewest for method in ops if method in _HTTP_METHODS
    }
    return ", ".join(sorted(methods))


@lru_cache(maxsize=256)
def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)))


class _AnswerUnexpected:
    """Plain ASGI middleware: an error no handler took is a bug, logged whole once and answered without internals."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            request = Request(scope)
            log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
            if not started:  # once the answer has begun, closing the connection is all that is left
                message = "Something went wrong on our side; it has been logged. Please try again later."
                await JSONResponse(error_body("internal_error", message), status_code=500)(scope, receive, send)
