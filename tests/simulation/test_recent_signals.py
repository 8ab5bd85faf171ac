"""The in-memory newest signals say exactly what the `_sim` rows say, on REAL sample bars.

Two pairs are driven by hand (see test_engine.py) through accepted, rejected, pending,
confirmed, user-rejected and expired signals; after every step the signals the read
model answers from memory equal those read from the rows, per symbol and overall, and
a restarted engine loads the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.models import Bar
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.recent_signals import RecentSignals
from scalplab.simulation.recorder import signal_view
from scalplab.simulation.views import PairSpec, SignalView
from tests.simulation.conftest import FakeClock, real_bars
from tests.simulation.test_engine import long_signal, step

Make = Callable[..., SimulationEngine]


def from_rows(engine: SimulationEngine, symbol: str | None, limit: int) -> list[SignalView]:
    return [signal_view(row) for row in engine.store.signals(symbol, limit)]


def assert_memory_matches_rows(engine: SimulationEngine) -> None:
    for symbol in (None, "BTCUSDT", "ETHUSDT", "SOLUSDT"):
        for limit in (1, 2, 500):
            assert engine.read.signals(symbol, limit) == from_rows(engine, symbol, limit)


def test_memory_follows_every_fate_and_survives_a_restart(
    make_engine: Make, data_dir: Path, clock: FakeClock
) -> None:
    btc, eth = real_bars(data_dir, "BTCUSDT"), real_bars(data_dir, "ETHUSDT")
    engine = make_engine()
    engine.update_settings({"confirm_orders": True, "pending_ttl_seconds": 30})
    ex_btc = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    ex_eth = engine.attach(PairSpec("ETHUSDT", "sma_cross", "15m"))
    for k in range(20):
        step(ex_btc, btc[k])
        step(ex_eth, eth[k])
    step(ex_btc, btc[20], long_signal(btc[20]))  # pending
    step(ex_eth, eth[20], long_signal(eth[20]))  # pending
    assert [s.status for s in engine.read.signals()] == ["pending", "pending"]
    assert_memory_matches_rows(engine)

    btc_pending, eth_pending = sorted(engine.read.pending(), key=lambda p: p.pending.order.symbol)
    engine.confirm(btc_pending.pending.id)
    engine.reject(eth_pending.pending.id)
    assert_memory_matches_rows(engine)
    step(ex_btc, btc[21], long_signal(btc[21]))  # rejected: the BTC position is open
    step(ex_eth, eth[21], long_signal(eth[21]))  # pending, then it expires
    [late] = engine.read.pending()
    clock.advance(31)
    with pytest.raises(ConflictError, match="expired"):  # a late confirm records the expiry
        engine.confirm(late.pending.id)
    assert_memory_matches_rows(engine)
    assert [(s.symbol, s.status) for s in engine.read.signals()] == [
        ("ETHUSDT", "expired"),
        ("BTCUSDT", "rejected"),
        ("ETHUSDT", "rejected"),
        ("BTCUSDT", "accepted"),
    ]
    assert all(s.candle_in_ns is None for s in engine.read.signals())
    remembered = engine.read.signals()
    engine.close()

    restarted = make_engine()
    assert restarted.read.signals() == remembered
    assert_memory_matches_rows(restarted)
    restarted.reset()
    assert restarted.read.signals() == [] and restarted.read.signals("BTCUSDT") == []


def test_a_ring_keeps_each_symbols_newest_and_merges_them_newest_first(
    make_engine: Make, data_dir: Path
) -> None:
    btc, eth = real_bars(data_dir, "BTCUSDT"), real_bars(data_dir, "ETHUSDT")
    engine = make_engine()
    ex_btc = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    ex_eth = engine.attach(PairSpec("ETHUSDT", "sma_cross", "15m"))
    for k in range(20, 30):  # accepted, then rejected while the position is open
        step(ex_btc, btc[k], long_signal(btc[k]))
        if k % 3 == 0:
            step(ex_eth, eth[k], long_signal(eth[k]))
    ring = RecentSignals(engine.store, depth=3)
    ring.load()
    assert ring.newest("BTCUSDT", 3) == from_rows(engine, "BTCUSDT", 3)
    assert ring.newest("ETHUSDT", 3) == from_rows(engine, "ETHUSDT", 3)
    # overall: the newest three of the two rings, whichever symbol they belong to
    assert ring.newest(None, 3) == from_rows(engine, None, 3)
    assert ring.newest("SOLUSDT", 3) == []
    with pytest.raises(ValueError, match=r"1\.\.3"):
        ring.newest(None, 4)
    # beyond what memory holds, the read model reads the rows
    engine.read.recent = ring
    assert engine.read.signals(limit=3) == ring.newest(None, 3)
    assert engine.read.signals(limit=20) == from_rows(engine, None, 20)
    assert len(engine.read.signals(limit=20)) == 13


def test_bars_alone_leave_memory_untouched(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    ex = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    for bar in bars[:5]:
        step(ex, bar)
    assert engine.read.signals() == [] == from_rows(engine, None, 100)


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    return real_bars(data_dir)
