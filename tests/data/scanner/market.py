"""The fake Binance market the scanner tests run against: the REAL 2021 exchangeInfo and
tickers, books and 15m klines built from the REAL 1m candles (`fake_market`), served over
real HTTP. The market is built once per process; each server gets its own copy to mutate."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from contextlib import contextmanager

from scalplab.data.adapters.binance.fake_market import ServedMarket, serve_market
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from tests.conftest import REAL

SERVED = ("ADAUSDT", "BTCUSDT", "DOGEUSDT", "ETHUSDT", "NEARUSDT", "SOLUSDT", "XRPUSDT")
"""The real symbols with 1m candles (all in the 2021 exchangeInfo)."""


@functools.cache
def _template() -> tuple[ReplayState, ServedMarket]:
    state = ReplayState()
    return state, serve_market(state, REAL)


def market_state() -> ReplayState:
    """A fresh state serving the real market (safe to change in a test)."""
    template, _ = _template()
    return ReplayState(
        klines=dict(template.klines),
        exchange_info=copy.deepcopy(template.exchange_info),
        tickers=copy.deepcopy(template.tickers),
    )


@contextmanager
def market_server(state: ReplayState | None = None) -> Iterator[ReplayServer]:
    """The fake Binance serving `state` (default: a fresh real market) on a free port."""
    with ReplayServer(state or market_state()) as server:
        yield server
