"""The kill switch through the services (`TradingControl`): it acts in the engine's pipeline,
withdraws waiting entries, closes positions when asked, and survives a restart.

Books are driven by hand through `SimulationEngine.attach` on the REAL sample's BTCUSDT
15m bars (see conftest).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.config import Settings
from scalplab.errors import ConflictError, ScalpLabError
from scalplab.orders.halt import HALTED
from scalplab.orders.models import Bar
from scalplab.orders.types import OrderRequest
from scalplab.services.context import Services
from scalplab.services.trading import HALT_KEY, HaltResult, HaltState, HaltStore
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.storage.models_sim import AppSetting
from tests.services.conftest import long_signal, step


class Clock:
    """A wall clock the test sets."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def warm(services: Services, bars: list[Bar]) -> StepExecutor:
    """The sma_cross BTCUSDT book after 20 plain bars."""
    executor = services.engine.attach(PairSpec("BTCUSDT", "sma_cross", "15m"))
    for bar in bars[:20]:
        step(executor, bar)
    return executor


def test_a_halt_blocks_signals_in_the_engine_and_closes_positions(
    services: Services, bars: list[Bar]
) -> None:
    services.trading.clock = Clock(1_800_000_000.0)
    book = warm(services, bars)
    step(book, bars[20], long_signal(bars[20]))
    step(book, bars[21])  # the entry filled
    assert len(services.simulation.positions()) == 1

    result = services.trading.halt("risk review", "test", close_positions=True)
    assert isinstance(result, HaltResult)
    assert result.state == HaltState(True, 1_800_000_000_000, "risk review", "test")
    assert result.closed == ["BTCUSDT/sma_cross"]
    step(book, bars[22], long_signal(bars[22]))  # the exit fills; the signal is blocked
    assert services.simulation.positions() == []
    [trade] = services.simulation.trades(10, 0)
    assert trade.trade.exit_reason == "manual"

    [blocked, accepted] = services.signals.list("BTCUSDT", 10)
    assert (blocked.status, blocked.breaker, accepted.status) == ("blocked", HALTED, "accepted")
    assert blocked.reason.startswith("trading is halted since 2027-01-15T08:00:00Z by test")
    [event] = services.simulation.risk_events(10)
    assert (event.breaker, event.symbol) == (HALTED, "BTCUSDT")

    # a person's entry: 409; the health report says halted
    with pytest.raises(ConflictError, match="blocked by the halted breaker"):
        services.orders.submit(OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002")))
    assert services.health.check().halted is True

    services.trading.clock = Clock(1_800_000_600.0)
    resumed = services.trading.resume("test")
    assert resumed == HaltState(False, 1_800_000_600_000, "resumed", "test")
    outcome = services.orders.submit(OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002")))
    assert outcome.order.status == "accepted"


def test_a_halt_withdraws_entries_waiting_to_fill(services: Services, bars: list[Bar]) -> None:
    book = warm(services, bars)
    step(book, bars[20], long_signal(bars[20]))  # accepted: fills at the next open
    [entry] = [order for order in services.orders.list(10, 0) if order.parent_id is None]
    assert entry.status == "accepted"

    result = services.trading.halt("stop", "test")
    assert result.closed == []  # positions were not asked for
    assert services.orders.get(entry.id).status == "cancelled"
    assert services.orders.get(entry.id).reason == "trading halted"
    step(book, bars[21])
    assert services.simulation.positions() == []


def test_halting_twice_keeps_the_first_halt_and_resuming_an_active_system_is_a_no_op(
    services: Services,
) -> None:
    control = services.trading
    assert control.resume("test") == HaltState(False, None, "", "")
    control.clock = Clock(1_800_000_000.0)
    first = control.halt("  first\n reason  ", "api")
    control.clock = Clock(1_800_000_100.0)
    second = control.halt("second", "telegram")
    assert first.state == second.state == HaltState(True, 1_800_000_000_000, "first reason", "api")
    assert control.resume("api").halted is False
    assert control.halt("x" * 500, "api").state.reason == "x" * 200


def test_the_halt_survives_a_restart(settings: Settings, bars: list[Bar]) -> None:
    first = Services.start(settings)
    try:
        first.trading.halt("overnight", "telegram")
    finally:
        first.close()
    again = Services.start(settings)
    try:
        state = again.trading.state()
        assert (state.halted, state.reason, state.source) == (True, "overnight", "telegram")
        assert again.health.check().halted is True
        book = warm(again, bars)  # the restarted engine obeys it from its first signal
        step(book, bars[20], long_signal(bars[20]))
        [record] = again.signals.list("BTCUSDT", 1)
        assert (record.status, record.breaker) == ("blocked", HALTED)
        again.trading.resume("api")
    finally:
        again.close()
    third = Services.start(settings)
    try:
        assert third.trading.state().halted is False
        assert third.trading.state().source == "api"
    finally:
        third.close()


def test_an_unreadable_stored_state_starts_halted(services: Services) -> None:
    with services.database.session() as session:
        session.merge(AppSetting(key=HALT_KEY, value={"halted": "maybe"}))
    state = HaltStore(services.database).load()
    assert state.halted is True and state.source == "startup"
    assert "could not be read" in state.reason
    with services.database.session() as session:
        session.merge(AppSetting(key=HALT_KEY, value=None))
    assert HaltStore(services.database).load().halted is False


def test_a_halt_holds_in_memory_when_the_database_fails(
    services: Services, settings: Settings
) -> None:
    services.database.engine.dispose()
    (settings.data_dir / "app.db").unlink()
    (settings.data_dir / "app.db").mkdir()  # a directory cannot be opened as a database
    with pytest.raises(ScalpLabError):
        services.trading.halt("db down", "test")
    assert services.trading.state().halted is True
