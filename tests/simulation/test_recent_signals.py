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
        for limit in (1, 2, 100, 500):
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


def test_memory_keeps_the_newest_overall_and_per_symbol_and_reads_rows_beyond(
    make_engine: Make, data_dir: Path
) -> None:
    btc, eth = real_bars(data_dir, "BTCUSDT"), real_bars(data_dir, "ETHUSDT")
    engine = make_engine()
    ex_btc = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    ex_eth = engine.attach(PairSpec("ETHUSDT", "sma_cross", "15m"))

    def signal_on(ks: range) -> None:  # accepted, then rejected while the position is open
        for k in ks:
            step(ex_btc, btc[k], long_signal(btc[k]))
            if k % 3 == 0:
                step(ex_eth, eth[k], long_signal(eth[k]))

    signal_on(range(20, 30))
    ring = RecentSignals(engine.store, depth=4, symbol_depth=2)
    ring.load()
    assert ring.newest(None, 4) == from_rows(engine, None, 4)
    assert ring.newest("BTCUSDT", 2) == from_rows(engine, "BTCUSDT", 2)
    assert ring.newest("ETHUSDT", 2) == from_rows(engine, "ETHUSDT", 2)
    assert ring.newest("SOLUSDT", 2) == []
    assert not ring.holds("BTCUSDT", 3) and not ring.holds(None, 5) and ring.holds(None, 4)
    with pytest.raises(ValueError, match="4 signals overall and 2 per symbol"):
        ring.newest("BTCUSDT", 3)

    engine.read.recent = ring  # the commits keep it current, its oldest fall out
    signal_on(range(30, 36))
    for symbol, held in ((None, 4), ("BTCUSDT", 2), ("ETHUSDT", 2)):
        assert ring.newest(symbol, held) == from_rows(engine, symbol, held)
        assert engine.read.signals(symbol, held) == from_rows(engine, symbol, held)
        # beyond what memory holds, the read model reads the rows
        assert engine.read.signals(symbol, 20) == from_rows(engine, symbol, 20)
    assert len(engine.read.signals(limit=50)) == 16 + 5


def test_bars_alone_leave_memory_untouched(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    ex = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    for bar in bars[:5]:
        step(ex, bar)
    assert engine.read.signals() == [] == from_rows(engine, None, 100)


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    return real_bars(data_dir)
