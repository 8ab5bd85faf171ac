"""Plain signed HTTP requests and user-stream reading against the fake venue
(`fake_venue.FakeVenue`), as any Binance client would send them: `requests` with
`signing.sign`, and a synchronous `websockets` client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from scalplab.data.adapters.binance.fake_exchange import FakeExchange
from scalplab.data.adapters.binance.fake_rest_data import load_recorded_answer
from scalplab.data.adapters.binance.fake_venue import FakeVenue
from scalplab.data.adapters.binance.signing import API_KEY_HEADER, encode, sign
from tests.conftest import REAL

KEY = "fake-venue-test-key-0123456789"
SECRET = "fake-venue-test-secret-9876543210"
EXCHANGE_INFO = load_recorded_answer(REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json")
USER_DATA = REAL / "user_data"


@dataclass
class Answer:
    """One answer: status, JSON body, headers."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> int | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class Signed:
    """Sends requests to a venue's REST base URL, signed unless told otherwise."""

    def __init__(self, base_url: str, key: str = KEY, secret: str = SECRET) -> None:
        self.base_url = base_url
        self.key = key
        self.secret = secret
        self.session = requests.Session()
        self.clock: Callable[[], int] = lambda: int(time.time() * 1000)

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, object] | None = None,
        *,
        signed: bool = True,
        key: str | None = None,
        secret: str | None = None,
        timestamp: int | None = None,
        in_body: bool | None = None,
        timeout: float = 5.0,
    ) -> Answer:
        """One request; POST parameters go in the form body unless `in_body` is False."""
        params = dict(params or {})
        if signed:
            params.setdefault("recvWindow", 5000)
            params["timestamp"] = timestamp if timestamp is not None else self.clock()
        text = encode(params)
        if signed:
            text += "&signature=" + sign(secret or self.secret, text)
        body_side = in_body if in_body is not None else method in ("POST", "PUT")
        headers = {API_KEY_HEADER: key if key is not None else self.key}
        url = self.base_url + path
        if body_side:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            answer = self.session.request(method, url, data=text, headers=headers, timeout=timeout)
        else:
            url += f"?{text}" if text else ""
            answer = self.session.request(method, url, headers=headers, timeout=timeout)
        return Answer(answer.status_code, answer.json(), dict(answer.headers))

    def order(self, **params: object) -> Answer:
        return self.call("POST", "/fapi/v1/order", params)

    def algo(self, **params: object) -> Answer:
        return self.call("POST", "/fapi/v1/algoOrder", {"algoType": "CONDITIONAL", **params})

    def listen_key(self) -> str:
        key: str = self.call("POST", "/fapi/v1/listenKey", signed=False).body["listenKey"]
        return key


def exchange(**options: Any) -> FakeExchange:
    """A venue for the test key, with the real 2021 `exchangeInfo` rules."""
    options.setdefault("exchange_info", EXCHANGE_INFO)
    options.setdefault("balance", "1000")
    return FakeExchange(KEY, SECRET, **options)


@contextmanager
def venue(**options: Any) -> Iterator[tuple[FakeVenue, Signed]]:
    """A running venue and a signed client for it."""
    with FakeVenue(exchange(**options)) as running:
        yield running, Signed(running.rest_url)


def read(ws: ClientConnection, count: int, timeout: float = 3.0) -> list[dict[str, Any]]:
    """The next `count` events of a user stream."""
    return [json.loads(ws.recv(timeout=timeout)) for _ in range(count)]


def read_until_closed(ws: ClientConnection, timeout: float = 3.0) -> list[dict[str, Any]]:
    """Every event until the server closes the stream."""
    events = []
    try:
        while True:
            events.append(json.loads(ws.recv(timeout=timeout)))
    except ConnectionClosed:
        return events


def stream(running: FakeVenue, listen_key: str) -> ClientConnection:
    """A user-stream connection (close it, or use it in a `with`), once the venue has
    registered it (events before that are not its own, as on Binance)."""
    before = running.exchange.streams.connected()
    ws = connect(running.user_stream_url(listen_key), open_timeout=3)
    deadline = time.monotonic() + 3
    while running.exchange.streams.connected() <= before and time.monotonic() < deadline:
        time.sleep(0.002)
    return ws


def recorded(name: str) -> dict[str, Any]:
    """A recorded user-data event (the `data` of its envelope)."""
    payload: dict[str, Any] = json.loads((USER_DATA / name).read_text())
    return payload.get("data", payload)
