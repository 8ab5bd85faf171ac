"""A strategy breaker's "pause until resume" in paper trading: it is the kill switch.

The pause turns the deployment's switch on (source `breaker`), is recorded and streamed as
a risk event, comes back after a restart (it lives in the engine's gate state, the halt
itself was never stored), and `/resume` (`TradingControl.resume`, what the API and
Telegram call) ends it for good. Books are driven by hand on the REAL sample's BTCUSDT
15m bars (see conftest); the strategy's breakers come with each signal.
"""

from __future__ import annotations

from scalplab.config import Settings
from scalplab.orders.gating import BREAKER_SOURCE
from scalplab.orders.halt import HALTED
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.breakers import (
    BreakerInputs,
    Cooldown,
    FeedLag,
    FeedMissing,
    PauseUntilResume,
)
from tests.services.conftest import long_signal, two_books

FEED = "BTCUSDT:1m"
BREAKERS = (
    FeedMissing("btc_feed_missing", FEED, effect=PauseUntilResume()),
    Cooldown("cooldown", 60),  # per symbol: smc's signal beside sma's entry would meet it
)


def signal(book: StepExecutor, bar: Bar, lag: int) -> None:
    """A long on the close of `bar`, the reference feed `lag` bars behind."""
    book.on_bar(bar)
    book.on_signal(bar, long_signal(bar), BreakerInputs(BREAKERS, (FeedLag(FEED, lag),)))
    book.checkpoint()


def test_a_breakers_pause_survives_a_restart_until_a_person_resumes(
    settings: Settings, bars: list[Bar]
) -> None:
    first = Services.start(settings)
    try:
        sma, smc = two_books(first, bars)
        signal(sma, bars[20], lag=0)  # accepted: an entry of BTCUSDT/sma_cross
        signal(smc, bars[20], lag=2)  # the BTC feed is 2 bars behind: every entry pauses
        state = first.trading.state()
        assert (state.halted, state.since_ms, state.source) == (
            True,
            bars[20].open_ms,
            BREAKER_SOURCE,
        )
        assert state.reason.startswith("breaker btc_feed_missing: feed BTCUSDT:1m is missing")
        [event] = first.simulation.risk_events(10)
        assert (event.symbol, event.strategy, event.breaker) == (
            "BTCUSDT",
            "smc",
            "btc_feed_missing",
        )
        assert event.reason.endswith("; every new entry is paused until trading is resumed")
        assert (event.scope, event.effect, event.until_ms) == ("global", "pause", None)
    finally:
        first.close()

    again = Services.start(settings)
    try:
        state = again.trading.state()  # restored from the engine's state
        assert (state.halted, state.since_ms, state.source) == (
            True,
            bars[20].open_ms,
            BREAKER_SOURCE,
        )
        gate = again.engine.account.sandbox.gate
        entries = gate.strategy_breakers.memory.entries
        assert [(e.time_ms, e.strategy, e.symbol) for e in entries] == [
            (bars[20].open_ms, "sma_cross", "BTCUSDT")
        ]
        sma = again.engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
        signal(sma, bars[21], lag=0)
        [record] = again.signals.list("BTCUSDT", 1)
        assert (record.status, record.breaker) == ("blocked", HALTED)
        again.trading.resume("telegram")
        assert gate.paused is None and not again.trading.state().halted
    finally:
        again.close()

    third = Services.start(settings)
    try:
        assert not third.trading.state().halted
        assert third.engine.account.sandbox.gate.paused is None
    finally:
        third.close()
