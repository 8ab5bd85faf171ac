"""Fixtures for the data-layer tests: real files, stores in tmp_path, a replay REST server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.candles import CandleStore
from scalplab.data.funding import FundingStore
from tests.conftest import REAL
from tests.data.adapters.binance.recorded import agg_trade_rows, rest_depth

BTC_1M = REAL / "klines" / "um" / "BTCUSDT" / "1m.csv"
ETH_1M = REAL / "klines" / "um" / "ETHUSDT" / "1m.csv"
BTC_5M = REAL / "klines" / "um" / "BTCUSDT" / "5m.csv"
NEAR_1M = REAL / "klines" / "um" / "NEARUSDT" / "1m.csv"
BTC_FUNDING = REAL / "funding" / "BTCUSDT.csv"
EXCHANGE_INFO = REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json"
SPOT_EXCHANGE_INFO = REAL / "rest" / "api_v3_exchangeInfo_spot_2021-10-12.json"


def digest(path: Path) -> str:
    """SHA-256 of a file (to prove a failed operation left it untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` → its SHA-256."""
    return {str(p.relative_to(root)): digest(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def btc_csv() -> pd.DataFrame:
    """The real 30-day BTCUSDT 1m klines (6 columns)."""
    return pd.read_csv(BTC_1M)


@pytest.fixture(scope="session")
def near_csv() -> pd.DataFrame:
    """The real NEARUSDT Feb-2025 archive (12 columns), `count` renamed to `trades`."""
    return pd.read_csv(NEAR_1M).rename(columns={"count": "trades"})


@pytest.fixture
def store(tmp_path: Path) -> CandleStore:
    return CandleStore(tmp_path / "data")


@pytest.fixture
def funding_store(tmp_path: Path) -> FundingStore:
    return FundingStore(tmp_path / "data")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A replay server with real BTCUSDT/NEARUSDT 1m klines, the real exchangeInfo, and the
    2021 capture's aggregate trades and REST depth snapshots."""
    state = ReplayState()
    state.agg_trades = agg_trade_rows()
    state.depth = {symbol: rest_depth(symbol) for symbol in state.agg_trades}
    state.add_klines("BTCUSDT", "1m", BTC_1M)
    state.add_klines("NEARUSDT", "1m", NEAR_1M)
    state.exchange_info = json.loads(EXCHANGE_INFO.read_text())["response"]
    with ReplayServer(state) as server:
        yield server


class Sleeps:
    """An injectable `sleep` that records instead of waiting, and the clock it moves."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.calls: list[float] = []
        self.now = now

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        """The time as the recorded sleeps left it (epoch s)."""
        return self.now


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
