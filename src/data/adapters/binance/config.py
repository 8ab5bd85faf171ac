"""Where the Binance adapter connects: base URLs from the settings (tests point them at
local servers that replay real recorded payloads), and the route of each stream.

Since April 2026 the futures WebSocket serves each stream kind on its own route —
kline, aggTrade, trade, markPrice and forceOrder under `/market`, depth and
bookTicker under `/public` — and a stream subscribed on the wrong route is accepted
and then silent, so the route is derived from the stream name, never chosen by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scalplab.config import Settings
from scalplab.errors import InputError, snippet

Route = Literal["market", "public"]

ROUTES: dict[str, Route] = {
    "kline": "market",
    "aggTrade": "market",
    "trade": "market",
    "markPrice": "market",
    "forceOrder": "market",
    "depth": "public",
    "depth5": "public",
    "depth10": "public",
    "depth20": "public",
    "bookTicker": "public",
}
"""Stream kind → the WebSocket route that serves it."""


@dataclass(frozen=True, slots=True)
class BinanceConfig:
    """REST and WebSocket base URLs of Binance USDT-M futures."""

    rest_url: str = "https://fapi.binance.com"
    ws_url: str = "wss://fstream.binance.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> BinanceConfig:
        """`REST_URL` and `WS_URL`."""
        return cls(rest_url=settings.rest_url, ws_url=settings.ws_url)


def stream_kind(stream: str) -> str:
    """`btcusdt@kline_1m` → `kline`, `btcusdt@depth20@100ms` → `depth20`,
    `btcusdt@markPrice@1s` → `markPrice`; `MessageError` for an unknown kind."""
    symbol, _, rest = stream.partition("@")
    kind = rest.split("@", 1)[0].split("_", 1)[0]
    if not symbol or kind not in ROUTES:
        raise InputError(f"unknown Binance stream {snippet(stream)}")
    return kind


def route_of(stream: str) -> Route:
    """The route that serves `stream` (`market` or `public`)."""
    return ROUTES[stream_kind(stream)]


def combined_stream_url(ws_base: str, streams: Sequence[str]) -> str:
    """`{ws_base}/{route}/stream?streams=a/b/…` for streams that share one route."""
    routes = {route_of(stream) for stream in streams}
    if len(routes) != 1:
        raise InputError(
            "one connection serves one route: "
            + ", ".join(sorted(f"{s} ({route_of(s)})" for s in streams[:6]))
        )
    return f"{ws_base.rstrip('/')}/{routes.pop()}/stream?streams={'/'.join(streams)}"
