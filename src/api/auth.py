"""API security: the bearer token, cross-site requests, DNS rebinding and CORS.

Three pure ASGI middlewares (no buffering, streaming-safe), installed around the app
by `install_security` — outermost first:

1. `HostGuard`: the `Host` header (port ignored) must be one of `ALLOWED_HOSTS`
   (default: localhost, 127.0.0.1, [::1], testserver and HOST when it is a concrete
   address; `*` allows any), else 400 "host not allowed" — a page on a rebound DNS
   name cannot talk to a server on 127.0.0.1.
2. Starlette's `CORSMiddleware` with exactly the `CORS_ORIGINS` (none by default), the
   API's methods and the headers `Authorization`, `Content-Type`, `X-ScalpLab-Client`
   and `Idempotency-Key`.
3. `RequestGuard`, on every state-changing request (POST, PUT, PATCH, DELETE) and every
   event stream (`STREAM_PATHS`: the GET routes answering `text/event-stream`):
   - with `API_TOKEN` set, `Authorization: Bearer <API_TOKEN>` is required (an event
     stream may pass it as `?access_token=`: a browser's `EventSource` cannot set
     headers), compared in constant time (`hmac.compare_digest`); without it or with a
     wrong one: 401 with `WWW-Authenticate: Bearer` and a JSON `detail`;
   - without `API_TOKEN`, a state-changing request must not be a "simple" one a web
     page can send cross-site without asking: it needs `Content-Type:
     application/json` or the `X-ScalpLab-Client` header, else 403.

A refusal is logged with the method and the path only; the token never appears in a
log line, an answer or an exception (the access log never logs query strings, where
an event stream's token travels).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from urllib.parse import parse_qsl

from fastapi import FastAPI
from pydantic import SecretStr
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from scalplab.config import Settings

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods that change state: guarded by the token, or required to be non-simple."""
CLIENT_HEADER = "X-ScalpLab-Client"
"""The custom header that makes a body-less request non-simple (the SPA sends it)."""
TOKEN_QUERY = "access_token"
"""The query parameter carrying the token of an event stream (`EventSource`)."""
STREAM_PATHS = ("/signals/stream",)
"""The event streams (GET, `text/event-stream`): guarded like state changes (a test
checks these are exactly the event-stream routes of the OpenAPI schema)."""
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "[::1]", "testserver")
"""Host names answered when `ALLOWED_HOSTS` is empty (plus HOST when concrete)."""
ANY_ADDRESS = frozenset({"", "0.0.0.0", "[::]", "*"})
"""HOST values that are no address a browser would name."""
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CORS_HEADERS = ("Authorization", "Content-Type", CLIENT_HEADER, "Idempotency-Key")
CORS_EXPOSED = ("X-Request-ID", "Location")

HOST_NOT_ALLOWED = "host not allowed"
TOKEN_MISSING = (
    "this request needs the API token: send the header Authorization: Bearer <API_TOKEN>"
)
STREAM_TOKEN_MISSING = (
    "this event stream needs the API token: send the header Authorization: Bearer "
    f"<API_TOKEN>, or ?{TOKEN_QUERY}=<API_TOKEN> from an EventSource"
)
TOKEN_WRONG = "the API token is not valid"
NOT_JSON = (
    "a state-changing request must be JSON (Content-Type: application/json) or carry the "
    f"{CLIENT_HEADER} header: plain forms and body-less requests, which any web page can "
    "send cross-site, are refused"
)


def split_list(text: str) -> list[str]:
    """The non-empty, trimmed items of a comma-separated setting."""
    return [item.strip() for item in text.split(",") if item.strip()]


def host_name(value: str) -> str:
    """A `Host` header or a configured host without its port, lower case, IPv6 bracketed:
    `[::1]:8000` → `[::1]`, `Example.COM:80` → `example.com`, `::1` → `[::1]`."""
    text = value.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        return text[: end + 1] if end > 0 else text
    if text.count(":") > 1:  # a bare IPv6 address (a Host header always brackets it)
        return f"[{text}]"
    return text.split(":", 1)[0].rstrip(".")


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names the server answers; None when any is allowed (`*`)."""
    configured = split_list(settings.allowed_hosts)
    if "*" in configured:
        return None
    if configured:
        return frozenset(host_name(item) for item in configured)
    hosts = set(DEFAULT_HOSTS)
    own = host_name(settings.host)
    if own not in ANY_ADDRESS:
        hosts.add(own)
    return frozenset(hosts)


def cors_origins(settings: Settings) -> list[str]:
    """The origins allowed cross-origin access (`CORS_ORIGINS`; trailing slashes dropped)."""
    return [origin.rstrip("/") for origin in split_list(settings.cors_origins)]


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (`name` in lower case), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def bearer_token(scope: Scope) -> bytes | None:
    """The credentials of an `Authorization: Bearer …` header, or None."""
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, credentials = value.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    return credentials.strip()


def query_token(scope: Scope) -> bytes | None:
    """The `access_token` query parameter (percent-decoded), or None."""
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == TOKEN_QUERY:
            return value.encode("utf-8")
    return None


def is_json(scope: Scope) -> bool:
    """Whether the request's media type is `application/json` (parameters ignored)."""
    value = header(scope, b"content-type")
    if value is None:
        return False
    return value.split(b";", 1)[0].strip().lower() == b"application/json"


def token_matches(given: bytes, expected: bytes) -> bool:
    """Constant-time comparison of a presented token with the configured one."""
    return hmac.compare_digest(given, expected)


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer `{"detail": ...}` with `status`, logging the method and path only."""
    log.warning(
        "refused %s %s: %s",
        scope.get("method", ""),
        scope.get("path", ""),
        detail,
        extra={"status": status},
    )
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(
        scope, receive, send
    )


class HostGuard:
    """Refuses a request whose `Host` is not allowed (400 "host not allowed")."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the `Host` header of an HTTP request, then pass it on."""
        if scope["type"] == "http" and self.hosts is not None:
            value = header(scope, b"host")
            name = None if value is None else host_name(value.decode("latin-1"))
            if name not in self.hosts:
                await refuse(scope, receive, send, 400, HOST_NOT_ALLOWED)
                return
        await self.app(scope, receive, send)


class RequestGuard:
    """The token (with `API_TOKEN`) or a non-simple request (without) on every state
    change and event stream (see the module docstring)."""

    def __init__(self, app: ASGIApp, token: SecretStr, streams: Sequence[str]) -> None:
        self.app = app
        self._token = token.get_secret_value().encode("utf-8")
        self.streams = tuple(streams)

    def __repr__(self) -> str:
        return f"RequestGuard(token={'set' if self._token else 'unset'})"

    def is_stream(self, path: str) -> bool:
        """Whether `path` is an event stream's."""
        return path.rstrip("/") in self.streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through, or answer 401 / 403."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "")
        changing = method in STATE_CHANGING
        stream = method in ("GET", "HEAD") and self.is_stream(scope.get("path", ""))
        if not (changing or stream):
            await self.app(scope, receive, send)
            return
        if self._token:
            given = bearer_token(scope)
            if given is None and stream:
                given = query_token(scope)
            if given is None:
                missing = STREAM_TOKEN_MISSING if stream else TOKEN_MISSING
                await refuse(scope, receive, send, 401, missing, {"WWW-Authenticate": "Bearer"})
                return
            if not token_matches(given, self._token):
                challenge = 'Bearer error="invalid_token"'
                await refuse(
                    scope, receive, send, 401, TOKEN_WRONG, {"WWW-Authenticate": challenge}
                )
                return
        elif changing and not (is_json(scope) or header(scope, CLIENT_HEADER.lower().encode())):
            await refuse(scope, receive, send, 403, NOT_JSON)
            return
        await self.app(scope, receive, send)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the guard, CORS and the host check (in that order, so the host check is the
    outermost of them): call after the body-size limit and before the request-id /
    access-log middleware, which must stay outside to log every refusal."""
    app.add_middleware(
        RequestGuard,
        token=settings.api_token,  # a SecretStr: the middleware list's repr masks it
        streams=STREAM_PATHS,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=cors_origins(settings),
        allow_methods=list(CORS_METHODS),
        allow_headers=list(CORS_HEADERS),
        expose_headers=list(CORS_EXPOSED),
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(HostGuard, hosts=allowed_hosts(settings))
