"""Request middleware: correlation id and one JSON access-log line per request.

The id comes from the `X-Request-ID` header when it is sane (printable, ≤ 128
characters), otherwise a new one is generated; it is echoed in the response's
`X-Request-ID` header and attached to every log record emitted while serving.
An unexpected exception becomes a JSON 500 naming the request id (the traceback
goes to the log only). Only the method, path, status and duration are logged: never query strings,
bodies or headers (they may carry secrets).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scalplab.api.logs import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

log = logging.getLogger("scalplab.api.access")


def request_id_from(scope: Scope) -> str:
    """The caller's `X-Request-ID` if acceptable, else a fresh uuid4 hex."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _VALID_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI middleware (no response buffering, streaming-safe)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Tag the request, echo the id, log the outcome."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        started_response = False

        async def tracking_send(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send_with_id(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error while serving %s", scope.get("path", ""))
            if started_response:
                raise
            response = JSONResponse(
                {"detail": f"internal error (request id {request_id})"}, status_code=500
            )
            await response(scope, receive, send_with_id)
        finally:
            log.info(
                "%s %s %d",
                scope.get("method", ""),
                scope.get("path", ""),
                status,
                extra={  # request_id is stamped from the context (still set here)
                    "method": scope.get("method", ""),
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
