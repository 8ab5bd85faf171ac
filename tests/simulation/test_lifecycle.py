"""Start / stop / continue on a real replay, and a failing plugin (real sample, real threads)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scalplab.backtests.runner import run_backtest
from scalplab.config import Settings
from scalplab.errors import ConflictError, InputError
from scalplab.orders.models import trade_dict
from scalplab.orders.pending import pending_id
from scalplab.orders.runs import RunRequest
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.views import FeedSpec
from scalplab.storage.db import Database
from scalplab.storage.models import Pair
from scalplab.strategies.registry import discover
from scalplab.timeutil import parse_utc, to_ms
from tests.simulation.conftest import WEEK_END, WEEK_START, FakeClock

Make = Callable[..., SimulationEngine]
START_MS = to_ms(parse_utc(WEEK_START, "start"))
END_MS = to_ms(parse_utc(WEEK_END, "end"))


def add_pair(database: Database, symbol: str = "BTCUSDT", strategy: str = "sma_cross") -> None:
    with database.session() as session:
        session.add(Pair(symbol=symbol, strategy=strategy, timeframe="15m", params={}))


def test_stop_then_start_continues_after_the_cursor_with_the_backtest_result(
    make_engine: Make, database: Database, settings: Settings
) -> None:
    engine = make_engine()
    with pytest.raises(InputError, match="no enabled pairs"):
        engine.start()
    add_pair(database)
    # 15m bars at 45000x: one every 0.02 s, so the stop lands mid-week.
    engine.start(FeedSpec(speed=45_000, start_ms=START_MS, end_ms=END_MS))
    with pytest.raises(ConflictError, match="already running"):
        engine.start()
    deadline = time.monotonic() + 20
    while engine.status().pairs[0].bars < 5 and time.monotonic() < deadline:
        time.sleep(0.01)  # a busy machine starts slower: wait for some bars, not a fixed time
    stopped = engine.stop()
    assert stopped.state == "stopped" and not stopped.finished
    done_before = stopped.pairs[0].bars
    assert 0 < done_before < 672

    engine.start(FeedSpec(speed=None, start_ms=START_MS, end_ms=END_MS))
    assert engine.wait(60)
    status = engine.status()
    assert status.finished and status.pairs[0].bars == 672 and status.candles_processed == 672
    assert status.pairs[0].last_bar == "2025-06-23T23:45:00Z"

    backtest = run_backtest(
        RunRequest(
            "BTCUSDT", "sma_cross", "15m", parse_utc(WEEK_START, "s"), parse_utc(WEEK_END, "e")
        ),
        settings,
    )
    simulated = [t.to_dict() for t in engine.read.trades()]
    assert list(reversed(simulated)) == backtest["trades"]
    assert engine.read.performance()["trades"] == len(backtest["trades"])  # type: ignore[arg-type]
    assert engine.read.portfolio().equity == pytest.approx(
        backtest["metrics"]["final_equity"],  # type: ignore[index]
        rel=1e-12,
    )
    assert [trade_dict(t) for t in engine.account.model.trades] == backtest["trades"]


def test_a_failing_plugin_stops_the_run_with_its_error(
    tmp_path: Path, settings: Settings, database: Database, clock: FakeClock
) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text(
        "from scalplab.strategies.base import SignalStrategy\n"
        "class Broken(SignalStrategy):\n"
        "    name = 'broken'\n"
        "    def generate_signal(self):\n"
        "        if len(self) > 5:\n"
        "            raise ValueError('boom')\n"
        "        return None\n",
        encoding="utf-8",
    )
    add_pair(database, "BTCUSDT", "broken")
    add_pair(database, "ETHUSDT", "sma_cross")
    engine = SimulationEngine(settings, database, discover(plugins), clock=clock)
    try:
        engine.start(FeedSpec(speed=None, start_ms=START_MS, end_ms=END_MS))
        assert engine.wait(60)
        status = engine.status()
        assert status.state == "stopped" and not status.finished
        assert status.error is not None and "boom" in status.error
        engine.update_settings({"confirm_orders": True})  # the lock was released
    finally:
        engine.close()


def test_confirmations_still_open_when_the_data_ends_are_cancelled(
    make_engine: Make, database: Database
) -> None:
    add_pair(database)
    engine = make_engine()
    engine.update_settings({"confirm_orders": True})
    engine.start(FeedSpec(speed=None, start_ms=START_MS, end_ms=END_MS))
    assert engine.wait(60) and engine.status().finished
    # Nobody answered the confirmation before the week ran out: no bar is left to
    # fill its order on, so it is cancelled rather than left open to be confirmed.
    assert engine.read.pending() == []
    waited = [s for s in engine.read.signals(limit=1000) if s.order_id is not None]
    assert waited and all(s.status == "cancelled" for s in waited)
    assert "ended" in waited[0].reason
    order = next(o for o in engine.read.orders() if o.id == waited[0].order_id)
    assert order.status == "cancelled"
    with pytest.raises(ConflictError, match="already cancelled"):
        engine.confirm(pending_id(order.id))
    assert engine.read.positions() == []
    assert engine.read.portfolio().cash == engine.account.initial_capital
