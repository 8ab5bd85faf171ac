"""Request-size limit: a body over 1 MB is refused with 413 before it is read whole.

A pure ASGI middleware (no buffering of its own). A declared `Content-Length`
over the limit is answered at once, without reading a byte of the body. A body
without one (chunked transfer) is counted as the app reads it: the read that
crosses the limit raises a 413 `HTTPException`, so at most the limit plus one
chunk is ever held, and the app's error handler answers `{"detail": ...}`.
Either way the response says `Connection: close`: the rest of the body is never
read, so the connection cannot carry another request.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_048_576
"""The largest request body accepted (1 MB); no endpoint needs more."""
TOO_LARGE = "request body over 1 MB"
"""The `detail` of the 413 answer."""
_HEADERS = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body crosses the limit (→ 413)."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE, headers=_HEADERS)


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length`, or None when absent or unreadable."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodySizeLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413 `{"detail": "request body over 1 MB"}`."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a counting `receive`, or refuse it up front."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # only reached where no exception handler turned it into a response
            if started:
                raise
            await _refuse(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": TOO_LARGE}, status_code=413, headers=_HEADERS)
    await response(scope, receive, send)
