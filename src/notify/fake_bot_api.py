"""A local Telegram Bot API server for tests and demos, with faults on demand.

It speaks the Bot API's shape at `/bot<TOKEN>/<method>` (form-encoded or JSON
parameters, `{"ok": true, "result": …}` answers, `{"ok": false, "error_code",
"description", "parameters"}` errors, 401 for a wrong token, 404 for an unknown
method) for the methods the bot uses: `getMe`, `getUpdates` (long polling with
`timeout`, `offset` confirming earlier updates, `limit`), `sendMessage` (inline
keyboards in `reply_markup`), `answerCallbackQuery`, `editMessageText`,
`editMessageReplyMarkup`, `deleteWebhook` (`drop_pending_updates` drops what waits,
as Telegram does), `setMyCommands`, `close`, `logOut`.

A test plays the people: `send_command(user_id, "/status")` and
`press_button(user_id, message_id, data)` queue the updates Telegram would deliver,
and the records (`messages`, `answers`, `calls`) show what the bot did. Faults:
`fail(method, status, retry_after=…)` queues error answers (429 with `retry_after`,
5xx, …) and `slow(method, seconds)` delays every answer of a method (a stalled API).
The state and its records live in `fake_bot_state`; this module is the HTTP side.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scalplab.notify.fake_bot_state import (
    ApiCall,
    ApiError,
    BotApiState,
    CallbackAnswer,
    InlineButton,
    Params,
    SentMessage,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "FakeBotApi",
    "InlineButton",
    "SentMessage",
]

MAX_BODY = 1_000_000


class FakeBotApi(BotApiState):
    """The state plus a threaded HTTP server on 127.0.0.1 (an ephemeral port by default)."""

    def __init__(
        self,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int = 7_000_000_001,
        username: str = "scalplab_test_bot",
    ) -> None:
        super().__init__(token, bot_id, username)
        handler = type("BoundHandler", (BotApiHandler,), {"api": self})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},  # close() waits for at most one poll
            name="fake-bot-api",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """The base URL to give as `TELEGRAM_API_URL`."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBotApi:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Release long polls and stalled answers, stop serving, free the port."""
        self.shutdown_state()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5.0)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class BotApiHandler(BaseHTTPRequestHandler):
    """Parses `/bot<TOKEN>/<method>` requests and answers from `api`."""

    api: FakeBotApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the token."""

    def do_GET(self) -> None:
        """GET with query parameters (Telegram accepts both)."""
        self._handle(b"")

    def do_POST(self) -> None:
        """POST with a form-encoded or JSON body."""
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(min(length, MAX_BODY)) if length else b"")

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        params = _params(parts.query, body, self.headers.get("Content-Type") or "")
        segments = parts.path.strip("/").split("/")
        try:
            if len(segments) != 2 or not segments[0].startswith("bot"):
                raise ApiError(404, "Not Found")
            token, method = segments[0][3:], segments[1]
            result = self.api.call(token, method, params)
        except ApiError as error:
            self._answer(error.status, error.body())
            return
        self._answer(200, {"ok": True, "result": result})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout): as Telegram, carry on


def _params(query: str, body: bytes, content_type: str) -> Params:
    values: dict[str, str] = {k: v[-1] for k, v in parse_qs(query).items()}
    if body:
        if content_type.startswith("application/json"):
            data = json.loads(body)
            if isinstance(data, dict):
                values.update(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
                )
        else:
            values.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
    return Params(values)


def main(argv: list[str] | None = None) -> None:
    """Serve a fake Bot API until interrupted (for a demo: point TELEGRAM_API_URL at it)."""
    parser = argparse.ArgumentParser(description="a local fake Telegram Bot API")
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    with FakeBotApi(args.token, port=args.port) as api:
        print(f"fake Bot API at {api.url}", flush=True)
        try:
            while True:
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
