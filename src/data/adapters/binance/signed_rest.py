"""Signed requests to Binance USDT-M REST, with the retry semantics live orders need.

`SignedRest` is the transport under `trading.BinanceTradingClient`. A signed request
carries its parameters, `timestamp` (the local clock plus the offset to Binance's,
measured over `GET /fapi/v1/time` at first use, every `RESYNC_EVERY_S` and after a
-1021) and `recvWindow`, signed (HMAC-SHA256, `signing.sign`) over exactly the text
sent: the query string of a GET, the form body of a POST/PUT/DELETE. Decimals are
written in plain notation (`format(d, "f")`), never in scientific form. The API key
travels in `X-MBX-APIKEY`.

How a request ends:

* -1021 (clock skew): resynchronise and send the same request again (same client
  ids), at most `CLOCK_RETRIES` times, then `ClockSkew`;
* HTTP 429/418: every caller of the base URL waits `Retry-After` (the shared
  `WeightBudget`; -1015, too many orders, holds the `OrderRateLimiter` instead), then
  the request is sent again: a refused-for-rate request did nothing;
* a timeout or connection lost after sending, HTTP 5xx or 408, -1006, -1007: an order
  placement raises `OutcomeUnknown` and is NEVER sent again here (the caller looks it up
  by its client id); any other request is retried with bounded exponential backoff,
  then `TemporaryError`. A connection that was never made is retried for every request;
* any other Binance error: `BinanceRejected`, the reason in words.

The key and the secret never appear in a log line, an exception or a repr.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from scalplab.data.adapters.binance.json_fields import Fields
from scalplab.data.adapters.binance.order_errors import (
    AMBIGUOUS_CODES,
    CLOCK_SKEW,
    TOO_MANY_ORDERS,
    BinanceRejected,
    ClockSkew,
    OutcomeUnknown,
)
from scalplab.data.adapters.binance.order_limits import OrderRateLimiter
from scalplab.data.adapters.binance.rest_health import RequestStats
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.signing import API_KEY_HEADER, encode, sign
from scalplab.data.adapters.binance.weight import WeightBudget, trading_weight
from scalplab.errors import ConfigError, ScalpLabError, TemporaryError

log = logging.getLogger(__name__)

TIME_PATH = "/fapi/v1/time"
RESYNC_EVERY_S = 1800.0
"""Age of the measured clock offset after which it is measured again."""
CLOCK_RETRIES = 2
"""Times a request answered -1021 is sent again after a resynchronisation."""
FORM = "application/x-www-form-urlencoded"
Auth = Literal["none", "key", "signed"]


class Credentials:
    """An API key and its secret; neither ever shows in a repr or a message."""

    __slots__ = ("api_key", "api_secret")

    def __init__(self, api_key: str, api_secret: str) -> None:
        if not api_key or not api_secret:
            raise ConfigError("Binance trading needs both an API key and an API secret")
        self.api_key = api_key
        self.api_secret = api_secret

    def __repr__(self) -> str:
        return "Credentials(api_key=***, api_secret=***)"

    def scrub(self, text: str) -> str:
        """`text` with the key and the secret masked, should an answer ever echo them."""
        return text.replace(self.api_secret, "***").replace(self.api_key, "***")


@dataclass(frozen=True, slots=True)
class Request:
    """One REST call: where, with what, how it is authenticated and what it is."""

    method: str
    path: str
    what: str
    """Names the request in messages: `the order BTCUSDT e-1-entry`."""
    params: Mapping[str, object] = field(default_factory=dict)
    auth: Auth = "signed"
    placement: bool = False
    """An order placement: never sent again once it may have reached Binance."""
    absent: frozenset[int] = frozenset()
    """Error codes meaning "no such thing": the call answers None."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded answer and the local clock around the exchange that produced it."""

    body: Any
    sent_at: float
    answered_at: float


class SignedRest:
    """The signed transport of one account at one base URL (thread-safe)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        limiter: OrderRateLimiter,
        weights: WeightBudget,
        recv_window_ms: int = 5000,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        max_retry_after_s: float = 300.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self.limiter = limiter
        self.weights = weights
        self.recv_window_ms = recv_window_ms
        self.timeout_s = timeout_s
        self._clock = clock
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.stats = RequestStats()
        self.time_syncs = 0
        self.outcomes_unknown = 0
        self.rejections = 0
        self._offset_ms: int | None = None
        self._synced_at = 0.0
        self._lock = threading.Lock()
        self._session = requests.Session()
        self._session.mount(self.base_url, HTTPAdapter(pool_maxsize=16, max_retries=0))

    def __repr__(self) -> str:
        return f"SignedRest({self.base_url!r}, credentials=***)"

    @property
    def offset_ms(self) -> int | None:
        """Binance's clock minus the local one (ms), None before the first measure."""
        return self._offset_ms

    def sync_time(self) -> int:
        """Measure the offset to Binance's clock (`GET /fapi/v1/time`, server time minus
        the local midpoint of the exchange); the offset in ms."""
        answer = self._attempts(Request("GET", TIME_PATH, "the server time", auth="none"))
        server_ms = Fields(answer.body, "time").integer("serverTime")
        midpoint_ms = round((answer.sent_at + answer.answered_at) / 2 * 1000)
        with self._lock:
            self._offset_ms = server_ms - midpoint_ms
            self._synced_at = answer.answered_at
            self.time_syncs += 1
            return self._offset_ms

    def call(self, request: Request) -> Any:
        """Send `request` with the semantics of the module docstring; its decoded JSON
        answer (None for an error code in `request.absent`)."""
        try:
            return self._attempts(request).body
        except ScalpLabError as exc:
            with self._lock:
                self.stats.failures += 1
                if isinstance(exc, OutcomeUnknown):
                    self.outcomes_unknown += 1
                elif isinstance(exc, BinanceRejected):
                    self.rejections += 1
            raise

    def close(self) -> None:
        """Release the HTTP connections."""
        self._session.close()

    # ----- one request, its retries ---------------------------------------------------

    def _attempts(self, request: Request) -> Answer:
        failures = skews = 0
        weight = trading_weight(request.method, request.path, request.params)
        while True:
            if request.auth == "signed" and self._time_is_stale():
                self.sync_time()
            if request.placement:
                self.limiter.acquire()
            self._pace(weight)
            sent_at = self._clock()
            try:
                response = self._send(request)
            except requests.RequestException as exc:
                problem = type(exc).__name__
                if request.placement and not _never_sent(exc):
                    raise self._unknown(request, f"{problem} after sending", None) from None
                failures += 1
                self._backoff(request, failures, problem)
                continue
            answered_at = self._clock()
            self._note_headers(response, request)
            status = response.status_code
            body, error = _decode(response)
            if status in (418, 429) or (error and error[0] == TOO_MANY_ORDERS):
                failures += 1
                self._rate_limited(request, response, error, failures)
                continue
            if status >= 500 or status == 408 or (error and error[0] in AMBIGUOUS_CODES):
                detail = f"HTTP {status}" + (f", code {error[0]}" if error else "")
                if request.placement:
                    raise self._unknown(request, detail, error[0] if error else None)
                failures += 1
                self._backoff(request, failures, detail)
                continue
            if error is not None:
                code, message = error
                if code == CLOCK_SKEW and skews < CLOCK_RETRIES:
                    skews += 1
                    log.warning("Binance: clock skew on %s; resynchronising", request.what)
                    self.sync_time()
                    continue
                if code in request.absent:
                    return Answer(None, sent_at, answered_at)
                kind = ClockSkew if code == CLOCK_SKEW else BinanceRejected
                message = self._credentials.scrub(message)
                log.info("Binance refused %s (%s)", request.what, code)
                raise kind(code, message, what=request.what)
            if status >= 400 or body is None:
                if request.placement and status < 400:
                    raise self._unknown(request, f"an unreadable answer (HTTP {status})", None)
                raise MessageError(f"Binance answered {request.what} with HTTP {status}") from None
            return Answer(body, sent_at, answered_at)

    def _send(self, request: Request) -> requests.Response:
        params = {key: _wire(value) for key, value in request.params.items() if value is not None}
        if request.auth == "signed":
            params["timestamp"] = str(self._timestamp_ms())
            params["recvWindow"] = str(self.recv_window_ms)
        payload = encode(params)
        if request.auth == "signed":
            payload = f"{payload}&signature={sign(self._credentials.api_secret, payload)}"
        headers = {} if request.auth == "none" else {API_KEY_HEADER: self._credentials.api_key}
        url, body = f"{self.base_url}{request.path}", None
        if request.method == "GET":
            url = f"{url}?{payload}" if payload else url
        elif payload:
            body = payload
            headers["Content-Type"] = FORM
        with self._lock:
            self.stats.requests += 1
        started = time.perf_counter()
        response = self._session.request(
            request.method, url, data=body, headers=headers, timeout=self.timeout_s,
            allow_redirects=False,
        )  # fmt: skip
        self.stats.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        return response

    def _timestamp_ms(self) -> int:
        return int(self._clock() * 1000) + (self._offset_ms or 0)

    def _time_is_stale(self) -> bool:
        return self._offset_ms is None or self._clock() - self._synced_at > RESYNC_EVERY_S

    # ----- pacing, waits and outcomes ---------------------------------------------------

    def _wait(self, seconds: float, reason: str) -> None:
        with self._lock:
            self.stats.waits.append((reason, seconds))
            self.stats.waited_s += seconds
        self._sleep(seconds)

    def _pace(self, weight: int) -> None:
        pause = self.weights.take(weight, self._clock())
        if pause is not None:
            self._wait(pause.seconds, pause.reason)

    def _note_headers(self, response: requests.Response, request: Request) -> None:
        headers = response.headers
        used = _int_header(headers.get("X-MBX-USED-WEIGHT-1M"))
        with self._lock:
            self.stats.used_weight = used
        self.weights.answered(used, self._clock())
        if request.placement:
            counts = (
                _int_header(headers.get("X-MBX-ORDER-COUNT-10S")),
                _int_header(headers.get("X-MBX-ORDER-COUNT-1M")),
            )
            if counts != (None, None):
                self.limiter.note(*counts)

    def _backoff(self, request: Request, failures: int, problem: str) -> None:
        if failures >= self.max_attempts:
            raise TemporaryError(
                f"Binance at {self.base_url} failed {failures} times on {request.what} "
                f"(last: {problem}); try again later"
            )
        with self._lock:
            self.stats.retries += 1
        delay = min(self.backoff_s * 2 ** (failures - 1), self.max_backoff_s)
        log.warning("Binance: %s on %s; retrying in %.1f s", problem, request.what, delay)
        self._wait(delay, problem)

    def _rate_limited(
        self,
        request: Request,
        response: requests.Response,
        error: tuple[int, str] | None,
        failures: int,
    ) -> None:
        status = response.status_code
        code = error[0] if error else None
        wait = _float_header(response.headers.get("Retry-After"))
        if wait is None:
            wait = 10.0 if code == TOO_MANY_ORDERS else 60.0
        if failures >= self.max_attempts or wait > self.max_retry_after_s:
            raise TemporaryError(
                f"Binance rate limit (HTTP {status}) on {request.what}; retry after {wait:.0f} s"
            )
        with self._lock:
            self.stats.retries += 1
        log.warning("Binance: HTTP %s on %s; waiting %.0f s", status, request.what, wait)
        if code == TOO_MANY_ORDERS:
            self.limiter.hold(wait)
        else:
            self.weights.ban(wait, self._clock(), f"HTTP {status} Retry-After")

    def _unknown(self, request: Request, detail: str, code: int | None) -> OutcomeUnknown:
        log.warning("Binance: outcome of %s unknown (%s)", request.what, detail)
        return OutcomeUnknown(request.what, detail, code=code)


def _wire(value: object) -> str:
    """A parameter as Binance reads it: decimals in plain notation, booleans in words."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request certainly never reached the server (no connection made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _decode(response: requests.Response) -> tuple[Any, tuple[int, str] | None]:
    """The JSON body (None when unreadable, {} when empty) and Binance's error in it."""
    if not response.content.strip():
        return {}, None
    try:
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None, None
    if isinstance(body, dict):
        code = body.get("code")
        if isinstance(code, int) and not isinstance(code, bool) and code < 0:
            return body, (code, str(body.get("msg", "")))
    return body, None


def _int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float_header(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
