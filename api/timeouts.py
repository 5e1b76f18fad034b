"""A request must keep arriving: its head within POLYPHONY_HEADER_TIMEOUT_S, its body without a pause longer than
POLYPHONY_BODY_IDLE_TIMEOUT_S. A client that stops sending (a slowloris: a 500 MB Content-Length, then silence)
is answered 408 and let go, instead of holding a connection, a worker's memory and an upload's staging for ever.

uvicorn bounds neither: its keep-alive timer runs only between requests, and its `receive` waits as long as the
client does. The head is bounded by `HeadTimeoutProtocol` (uvicorn's h11 protocol with a timer, served with
`uvicorn --http api.timeouts:HeadTimeoutProtocol`), the body by the `BodyIdleTimeout` middleware.
"""

import asyncio

import h11
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from polyphony.settings import get_settings


class BodyTimedOut(HTTPException):
    """The request body paused longer than allowed: 408, and the connection is closed."""

    def __init__(self, idle_s: float) -> None:
        message = f"the request body stopped arriving for {idle_s:g} s: send it again, without pausing"
        super().__init__(status_code=408, detail=message, headers={"Connection": "close"})


class BodyIdleTimeout:
    """Plain ASGI middleware: while a request's body is incomplete, each wait for its next piece is bounded."""

    def __init__(self, app: ASGIApp, *, idle_s: float) -> None:
        self.app = app
        self.idle_s = idle_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_complete = False

        async def bounded_receive() -> Message:
            nonlocal body_complete
            if body_complete:  # later waits are for a disconnect while the answer streams: not bounded
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.idle_s)
            except TimeoutError:
                raise BodyTimedOut(self.idle_s) from None
            body_complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, bounded_receive, send)


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline on each request head: from the connection or the request's first
    byte, the request line and headers must have arrived within POLYPHONY_HEADER_TIMEOUT_S, or the client is
    answered 408 and the connection closed."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, object], **kwargs: object):
        super().__init__(config, server_state, app_state, **kwargs)  # type: ignore[arg-type]
        self._head_timeout_s = float(get_settings().polyphony_header_timeout_s)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection: its first request head is due within the deadline."""
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        """Bytes in: the head timer runs while a head is awaited, and stops once it has arrived."""
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._head_timer is None:
                self._arm_head_timer()
        else:
            self._disarm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection went: nothing left to time."""
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self._head_timeout_s, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        # An idle keep-alive connection is uvicorn's own to close; a head begun and not finished is ours.
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        message = b"the request line and headers did not arrive in time"
        self.transport.write(
            b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            + f"content-length: {len(message)}\r\n\r\n".encode()
            + message
        )
        self.transport.close()
