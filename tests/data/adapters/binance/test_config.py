"""The route of each Binance stream (April 2026: /market and /public)."""

from __future__ import annotations

import pytest

from scalplab.data.adapters.binance.config import combined_stream_url, route_of, stream_kind
from scalplab.errors import InputError


def test_each_stream_kind_has_its_route() -> None:
    assert stream_kind("btcusdt@kline_1m") == "kline"
    assert stream_kind("btcusdt@depth20@100ms") == "depth20"
    assert stream_kind("btcusdt@markPrice@1s") == "markPrice"
    market = ["btcusdt@kline_1m", "btcusdt@aggTrade", "btcusdt@markPrice@1s", "btcusdt@forceOrder"]
    public = ["btcusdt@depth@100ms", "btcusdt@depth20@100ms", "btcusdt@bookTicker"]
    assert {route_of(s) for s in market} == {"market"}
    assert {route_of(s) for s in public} == {"public"}
    assert combined_stream_url("wss://fstream.binance.com/", market[:2]) == (
        "wss://fstream.binance.com/market/stream?streams=btcusdt@kline_1m/btcusdt@aggTrade"
    )
    with pytest.raises(InputError, match="one connection serves one route"):
        combined_stream_url("wss://x", [market[0], public[0]])


def test_an_unknown_stream_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown Binance stream 'btcusdt@candles'"):
        route_of("btcusdt@candles")
