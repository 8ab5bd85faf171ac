"""A signal's payload in paper trading: stored with the signal, read back from the rows and
from memory, replayed exactly like the backtest; the scoreboard and the score histogram."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scalplab.errors import InputError
from scalplab.orders.models import Bar
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.queries import signal_record
from scalplab.simulation.recorder import signal_view
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.scores import bin_edges, histogram, scoreboard
from scalplab.simulation.store import SimStore
from scalplab.simulation.views import PairSpec
from scalplab.storage.db import Database
from scalplab.storage.models_sim import SignalSim
from scalplab.strategies.signal import Signal
from tests.backtests.test_signal_payload import SCORED_PLUGIN
from tests.conftest import make_settings
from tests.simulation.conftest import (
    NON_BINDING_RISK,
    add_plugin,
    real_bars,
    replayed_backtest,
    two_days,
)

Make = Callable[..., SimulationEngine]
BREAKDOWN = {"ask_dominance": 0.64, "ask_dominance_score": 85.0, "spread_pct": 0.02}


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def rated(bar: Bar, score: float | None, tier: str | None = "HIGH") -> Signal:
    """A long (1 % stop, 4 % target) with a payload (`score=None`: none at all)."""
    payload = {} if score is None else {"score": score, "tier": tier, "variant": "B"}
    return Signal(
        "long",
        bar.close,
        bar.close * 0.99,
        bar.close * 1.04,
        60.0,
        ["rated"],
        breakdown=BREAKDOWN if score is not None else {},
        **payload,  # type: ignore[arg-type]
    )


def test_the_payload_is_stored_and_read_back_from_rows_and_memory(
    make_engine: Make, data_dir: Path
) -> None:
    engine = make_engine()
    book = engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    bars = real_bars(data_dir)
    for bar in bars[:20]:
        step(book, bar)
    step(book, bars[20], rated(bars[20], 78.5))
    step(book, bars[21], rated(bars[21], None))  # a position is open: rejected, and bare

    newest, first = engine.read.signals(limit=10)  # from memory
    assert (first.score, first.tier, first.variant) == (78.5, "HIGH", "B")
    assert first.breakdown == BREAKDOWN and list(first.breakdown) == list(BREAKDOWN)
    assert first.status == "accepted"
    assert (newest.score, newest.tier, newest.variant, newest.breakdown) == (None, None, None, {})
    rows = engine.store.signals(None, None)
    assert [signal_view(row).to_dict() for row in rows] == [
        {**view.to_dict(), "candle_in_ns": None} for view in (newest, first)
    ]
    assert rows[0].breakdown is None  # no payload: NULL, not an empty object
    record = signal_record(rows[1])
    assert (record.score, record.tier, record.variant) == (78.5, "HIGH", "B")
    assert record.breakdown == BREAKDOWN

    # A restarted engine loads the same payload into memory.
    engine.close()
    again = make_engine()
    assert [v.to_dict() for v in again.read.signals(limit=10)] == [
        {**v.to_dict(), "candle_in_ns": None} for v in (newest, first)
    ]


def test_a_replay_gives_the_backtests_signals_payload_included(data_dir: Path) -> None:
    add_plugin(data_dir, "scored_pulse", SCORED_PLUGIN)
    settings = make_settings(data_dir, **NON_BINDING_RISK)
    backtest = replayed_backtest(two_days("scored_pulse", {"every": 10}), settings)
    signals = backtest["signals"]
    assert isinstance(signals, list) and len(signals) == 19
    assert all(s["score"] is not None and s["breakdown"] for s in signals)


def put(database: Database, *rows: tuple[str, str, float | None, str]) -> None:
    """Signal rows `(symbol, strategy, score, status)`, oldest first, one bar apart."""
    with database.session() as session:
        for number, (symbol, strategy, score, status) in enumerate(rows):
            session.add(
                SignalSim(
                    symbol=symbol,
                    strategy=strategy,
                    time_ms=1_750_118_400_000 + number * 60_000,
                    side="long",
                    entry=1.0,
                    stop_loss=0.9,
                    take_profit=1.4,
                    confidence=50.0,
                    reasons=[],
                    status=status,
                    reason="",
                    qty=0.0,
                    order_id=None,
                    score=score,
                    tier=None if score is None else ("HIGH" if score >= 72 else "MEDIUM"),
                    variant=None,
                    breakdown=None,
                )
            )


@pytest.fixture
def store(database: Database) -> SimStore:
    put(
        database,
        ("BTCUSDT", "sgnl", 55.0, "rejected"),
        ("ETHUSDT", "sgnl", 10.0, "accepted"),
        ("BTCUSDT", "sgnl", 90.0, "accepted"),
        ("BTCUSDT", "sgnl", None, "rejected"),  # newer, but unscored
        ("BTCUSDT", "other", 100.0, "blocked"),
        ("SOLUSDT", "sgnl", 0.0, "dropped"),
        ("ETHUSDT", "sgnl", 9.99, "rejected"),
    )
    return SimStore(database)


def test_the_scoreboard_is_the_newest_scored_signal_of_each_book_best_first(
    store: SimStore,
) -> None:
    board = scoreboard(store)
    assert [(r.symbol, r.strategy, r.score, r.status) for r in board] == [
        ("BTCUSDT", "other", 100.0, "blocked"),
        ("BTCUSDT", "sgnl", 90.0, "accepted"),
        ("ETHUSDT", "sgnl", 9.99, "rejected"),
        ("SOLUSDT", "sgnl", 0.0, "dropped"),
    ]
    top = board[0].to_dict()
    assert top["time"] == "2025-06-17T00:04:00Z" and top["tier"] == "HIGH"
    assert set(top) == {
        "signal_id",
        "symbol",
        "strategy",
        "score",
        "tier",
        "variant",
        "time",
        "status",
    }
    assert [r.symbol for r in scoreboard(store, limit=2)] == ["BTCUSDT", "BTCUSDT"]
    assert [r.strategy for r in scoreboard(store, strategy="other")] == ["other"]
    assert scoreboard(store, strategy="nope") == []
    with pytest.raises(InputError, match=r"limit 0 is outside 1\.\.1000"):
        scoreboard(store, limit=0)


def test_the_histogram_counts_scored_signals_in_equal_bins(store: SimStore) -> None:
    ten = histogram(store, 10)
    # 0 and 9.99 | 10 | … | 55 | … | 90 and 100 (the last bin includes 100)
    assert [b.count for b in ten.bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert [(b.lower, b.upper) for b in ten.bins[:2]] == [(0.0, 10.0), (10.0, 20.0)]
    assert ten.bins[-1].upper == 100.0
    assert ten.total == 7 - 1 and ten.mean == pytest.approx((55 + 10 + 90 + 100 + 0 + 9.99) / 6)
    one = histogram(store, 1)
    assert [(b.lower, b.upper, b.count) for b in one.bins] == [(0.0, 100.0, 6)]
    three = histogram(store, 3, strategy="sgnl", symbol="btcusdt")
    assert [b.count for b in three.bins] == [0, 1, 1]
    assert (three.strategy, three.symbol, three.total) == ("sgnl", "BTCUSDT", 2)
    empty = histogram(store, 4, symbol="XRPUSDT")
    assert (empty.total, empty.mean, [b.count for b in empty.bins]) == (0, None, [0] * 4)
    assert histogram(store, 100).total == 6
    assert bin_edges(4) == [0.0, 25.0, 50.0, 75.0, 100.0]
    for bad in (0, 101):
        with pytest.raises(InputError, match=rf"bins {bad} is outside 1\.\.100"):
            histogram(store, bad)


def test_the_read_model_answers_the_same(make_engine: Make) -> None:
    engine = make_engine()
    assert engine.read.scoreboard() == []
    assert engine.read.score_histogram(5).total == 0
    with pytest.raises(InputError, match="invalid symbol"):
        engine.read.score_histogram(5, symbol="BTC/USDT")
