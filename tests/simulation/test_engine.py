"""The engine's gates on REAL sample bars: confirmation, idempotency, risk, persistence, reset.

Pairs are driven by hand through `SimulationEngine.attach` (what a strategy does per bar:
`on_bar`, maybe `on_signal`, then `checkpoint`), so each test decides exactly when a
signal happens; the replay path is covered by test_cli.py and test_crash.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scalplab.config import Settings
from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.ids import manual_order_id
from scalplab.orders.models import Bar
from scalplab.orders.types import Order, OrderRequest
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec, SignalView
from scalplab.storage.db import Database
from scalplab.storage.models import Pair
from scalplab.storage.models_sim import SIM_TABLES, AppSetting, OrderSim, PendingSim, SignalSim
from scalplab.strategies.signal import Signal
from tests.simulation.conftest import FakeClock, real_bars

Make = Callable[..., SimulationEngine]
SLIP = 1 + 0.01 / 100  # SLIPPAGE_PCT default 0.01 %


def step(executor: StepExecutor, bar: Bar, signal: Signal | None = None) -> None:
    """One closed bar as a strategy drives it."""
    executor.on_bar(bar)
    if signal is not None:
        executor.on_signal(bar, signal)
    executor.checkpoint()


def long_signal(bar: Bar) -> Signal:
    """A long at the close with a 1 % stop and a 4 % target (reward/risk 4)."""
    return Signal("long", bar.close, bar.close * 0.99, bar.close * 1.04, 60.0, ["test"])


def attach(engine: SimulationEngine, symbol: str = "BTCUSDT") -> StepExecutor:
    return engine.attach(PairSpec(symbol, "sma_cross", "15m"))


def signal_awaiting_confirmation(
    engine: SimulationEngine, bars: list[Bar], **settings: object
) -> StepExecutor:
    """Confirmation on (plus `settings`), 20 plain bars, then a long signal on bar 20."""
    engine.update_settings({"confirm_orders": True, **settings})
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    return ex


def orders_snapshot(engine: SimulationEngine) -> list[dict[str, object]]:
    return [order.to_dict() for order in engine.read.orders(limit=100)]


@pytest.fixture
def bars(data_dir: Path) -> list[Bar]:
    return real_bars(data_dir)


def test_confirm_executes_the_entry_at_the_next_bar_open(
    make_engine: Make, bars: list[Bar]
) -> None:
    engine = make_engine()
    ex = signal_awaiting_confirmation(engine, bars)

    [signal] = engine.read.signals()
    assert signal.status == "pending" and signal.order_id is not None
    [pending] = engine.read.pending()
    assert pending.pending.order.id == signal.order_id
    assert pending.pending.order.status == "pending_confirmation"
    assert pending.seconds_left == 60.0
    step(ex, bars[21])  # waiting: a pending confirmation is not an order fill
    assert engine.read.positions() == []

    order = engine.confirm(pending.pending.id)
    assert order.status == "accepted"
    assert engine.read.pending() == []
    [confirmed] = engine.read.signals()  # its fate follows its confirmation
    assert (confirmed.status, confirmed.reason) == ("accepted", "confirmed")
    step(ex, bars[22])
    [position] = engine.read.positions()
    assert position.entry_price == pytest.approx(bars[22].open * SLIP, rel=1e-12)
    assert position.opened_at.startswith("2025-06-17T05:30")
    entry = next(o for o in engine.read.orders() if o.id == order.id)
    assert entry.status == "filled" and entry.fill_price == position.entry_price

    before = orders_snapshot(engine)
    with pytest.raises(ConflictError, match="already confirmed"):
        engine.confirm(pending.pending.id)
    with pytest.raises(NotFoundError, match="no pending confirmation"):
        engine.confirm("p-unknown")
    assert orders_snapshot(engine) == before


def test_rejected_and_expired_confirmations_never_become_orders(
    make_engine: Make, bars: list[Bar], clock: FakeClock
) -> None:
    engine = make_engine()
    ex = signal_awaiting_confirmation(engine, bars, pending_ttl_seconds=30)
    [first] = engine.read.pending()
    rejected = engine.reject(first.pending.id)
    assert rejected.status == "rejected"
    with pytest.raises(ConflictError, match="already rejected"):
        engine.confirm(first.pending.id)

    step(ex, bars[21], long_signal(bars[21]))
    [second] = engine.read.pending()
    clock.advance(31)
    assert engine.read.pending() == []  # auto-cancelled on expiry
    with pytest.raises(ConflictError, match="already expired"):
        engine.confirm(second.pending.id)
    for bar in bars[22:30]:
        step(ex, bar)
    assert engine.read.positions() == []
    statuses = {o.id: o.status for o in engine.read.orders() if o.parent_id is None}
    assert statuses == {first.pending.order.id: "rejected", second.pending.order.id: "expired"}
    children = [o for o in engine.read.orders() if o.parent_id is not None]
    assert len(children) == 4 and {o.status for o in children} == {"rejected", "expired"}
    assert engine.read.portfolio().cash == engine.account.initial_capital
    fates = [(s.status, s.reason) for s in engine.read.signals()]  # newest first
    assert fates == [("expired", "confirmation expired"), ("rejected", "rejected by the user")]


def test_expired_confirmation_is_cancelled_by_the_background_sweep(
    make_engine: Make, bars: list[Bar], clock: FakeClock
) -> None:
    engine = make_engine()
    signal_awaiting_confirmation(engine, bars, pending_ttl_seconds=5)
    [pending] = engine.read.pending()
    clock.advance(6)
    for _ in range(100):
        order = engine.read.order(pending.pending.order.id)
        if order.status == "expired":
            break
        threading.Event().wait(0.05)
    assert engine.read.order(pending.pending.order.id).status == "expired"


def test_a_late_confirm_records_the_expiry_it_finds(
    make_engine: Make, bars: list[Bar], clock: FakeClock
) -> None:
    engine = make_engine()
    signal_awaiting_confirmation(engine, bars, pending_ttl_seconds=5)
    [pending] = engine.read.pending()
    clock.advance(6)  # due, and (most likely) not swept yet
    with pytest.raises(ConflictError, match="expired"):
        engine.confirm(pending.pending.id)
    assert engine.read.order(pending.pending.order.id).status == "expired"
    assert [s.status for s in engine.read.signals()] == ["expired"]
    with pytest.raises(ConflictError, match="already expired"):
        engine.reject(pending.pending.id)


def test_signal_without_confirmation_executes_at_once(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    [signal] = engine.read.signals()
    assert signal.status == "accepted"
    assert engine.read.pending() == []
    step(ex, bars[21])
    [position] = engine.read.positions()
    assert position.entry_price == pytest.approx(bars[21].open * SLIP, rel=1e-12)
    assert position.qty == signal.qty


def test_a_resubmitted_order_is_never_doubled(
    make_engine: Make, bars: list[Bar], database: Database
) -> None:
    engine = make_engine()
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    request = OrderRequest(
        symbol="BTCUSDT",
        side="buy",
        type="limit",
        qty="0.010",
        price="100000.0",
        client_order_id=manual_order_id("double-click-1"),
    )
    first = engine.submit_order(request)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(engine.submit_order(request)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {order.id for order in results} == {first.id}
    engine.close()

    restarted = make_engine()  # a retry after a restart
    assert restarted.submit_order(request).id == first.id
    with database.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(OrderSim)
            .where(OrderSim.client_order_id == request.client_order_id)
        )
    assert count == 1


def test_the_same_signal_twice_is_one_order(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    engine.update_settings({"confirm_orders": True})
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    signal = long_signal(bars[20])
    step(ex, bars[20], signal)
    [order] = [o for o in engine.read.orders() if o.parent_id is None]
    pending_before = [p.to_dict() for p in engine.read.pending()]
    # The same signal again (a retried step): no second order.
    stepper = engine.stepper
    assert stepper.begin_bar(ex.book, bars[20], None) is False  # not applied twice
    try:
        record = stepper.signal(ex.book, bars[20], signal)
    finally:
        stepper.end_bar()
    assert record is not None
    assert [o.id for o in engine.read.orders() if o.parent_id is None] == [order.id]
    assert [p.to_dict() for p in engine.read.pending()] == pending_before
    assert engine.read.signals()[0].status == "rejected"


def test_risk_gate_blocks_and_records_the_breaker(make_engine: Make, data_dir: Path) -> None:
    engine = make_engine()
    engine.update_settings({"risk": {"max_open_positions": 1}})
    btc, eth = attach(engine, "BTCUSDT"), attach(engine, "ETHUSDT")
    btc_bars, eth_bars = real_bars(data_dir, "BTCUSDT"), real_bars(data_dir, "ETHUSDT")
    for b, e in zip(btc_bars[:20], eth_bars[:20], strict=True):
        step(btc, b)
        step(eth, e)
    step(btc, btc_bars[20], long_signal(btc_bars[20]))
    step(eth, eth_bars[20], long_signal(eth_bars[20]))

    eth_signal, btc_signal = engine.read.signals(limit=2)
    assert btc_signal.status == "accepted"
    assert eth_signal.status == "blocked"
    assert "1 open positions reach the limit of 1" in eth_signal.reason
    assert eth_signal.order_id is None
    [event] = engine.read.risk_events()
    assert (event.symbol, event.breaker, event.signal_id) == (
        "ETHUSDT",
        "max_open_positions",
        eth_signal.id,
    )
    assert event.to_dict()["time"] == "2025-06-17T05:00:00Z"
    assert (event.scope, event.effect, event.until_ms) == ("global", "block_signal", None)
    assert [o.symbol for o in engine.read.orders() if o.parent_id is None] == ["BTCUSDT"]


def test_settings_are_validated_persisted_and_survive_a_restart(
    make_engine: Make, database: Database
) -> None:
    engine = make_engine()
    before = engine.settings()
    for bad in (
        {"pending_ttl_seconds": 1},
        {"replay_speed": 0},
        {"risk": {"max_open_positions": -1}},
        {"risk": {"unknown": 1}},
        {"nope": True},
        {"confirm_orders": "yes"},
    ):
        with pytest.raises(InputError):
            engine.update_settings(bad)
    assert engine.settings() == before
    updated = engine.update_settings(
        {"confirm_orders": True, "replay_speed": 120, "risk": {"min_rr": 2.5}}
    )
    assert updated.confirm_orders and updated.replay_speed == 120.0
    assert updated.risk.min_rr == 2.5
    assert make_engine().settings() == updated
    with database.session() as session:
        assert session.get(AppSetting, "confirm_orders").value is True  # type: ignore[union-attr]


def test_state_survives_a_restart_and_reset_wipes_only_sim_tables(
    data_dir: Path, database: Database, make_engine: Make, bars: list[Bar]
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATA_DIR=data_dir,
        SIMULATION_INITIAL_CAPITAL=25_000,
        MAX_OPEN_POSITIONS=0,
    )
    with database.session() as session:
        session.add(Pair(symbol="BTCUSDT", strategy="sma_cross", timeframe="15m", params={}))
    engine = make_engine(settings=settings)
    assert engine.read.portfolio().cash == 25_000
    ex = signal_awaiting_confirmation(engine, bars)
    engine.confirm(engine.read.pending()[0].pending.id)
    step(ex, bars[21])
    step(ex, bars[22], long_signal(bars[22]))  # rejected: position open
    step(ex, bars[23])
    view = (
        engine.read.portfolio(),
        engine.read.positions(),
        orders_snapshot(engine),
        [s.to_dict() for s in engine.read.signals()],
        engine.status().to_dict(),
    )
    engine.close()

    restarted = make_engine(settings=settings)
    assert restarted.read.portfolio() == view[0]
    assert restarted.read.positions() == view[1] and len(view[1]) == 1
    assert orders_snapshot(restarted) == view[2]
    assert [s.to_dict() for s in restarted.read.signals()] == view[3]
    assert restarted.status().to_dict() == view[4]
    book = "BTCUSDT/sma_cross"
    assert restarted.account.model.bars_held(book) == engine.account.model.bars_held(book)

    restarted.reset()
    assert restarted.read.portfolio().cash == 25_000
    assert restarted.read.positions() == [] and restarted.read.orders() == []
    assert restarted.read.signals() == [] and restarted.settings().confirm_orders is True
    with database.session() as session:
        for table in SIM_TABLES:
            rows = session.scalar(select(func.count()).select_from(table))
            assert rows == (1 if table.__tablename__ == "engine_state_sim" else 0)
        assert session.scalar(select(func.count()).select_from(Pair)) == 1
        assert session.scalar(select(func.count()).select_from(AppSetting)) == 4


def test_no_sim_data_outside_sim_tables(
    make_engine: Make, bars: list[Bar], database: Database
) -> None:
    engine = make_engine()
    signal_awaiting_confirmation(engine, bars)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(SignalSim)) == 1
        assert session.scalar(select(func.count()).select_from(PendingSim)) == 1
    with database.engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table'"
        ).scalars()
        for name in names:
            if name.endswith("_sim") or name in ("app_settings", "alembic_version"):
                continue
            rows = connection.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar_one()
            assert rows == 0, f"{name} holds simulation data"


def test_events_are_published_after_the_commit(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)

    async def scenario() -> list[tuple[str, object]]:
        subscription = engine.subscribe()
        thread = threading.Thread(target=step, args=(ex, bars[20], long_signal(bars[20])))
        thread.start()
        got = []
        for _ in range(2):
            event = await asyncio.wait_for(subscription.get(), 5)
            if isinstance(event.data, SignalView):
                # Published after the commit: the row is already readable.
                assert engine.store.signal(event.data.id) is not None
            assert isinstance(event.data, SignalView | Order)
            got.append((event.kind, event.data.status))
        thread.join()
        subscription.close()
        return got

    assert asyncio.run(scenario()) == [("signal", "accepted"), ("order", "accepted")]


def test_close_position_exits_at_the_next_open(make_engine: Make, bars: list[Bar]) -> None:
    engine = make_engine()
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    step(ex, bars[21])
    with pytest.raises(NotFoundError):
        engine.close_position("DOGEUSDT")
    assert engine.close_position("btcusdt").requested is True
    step(ex, bars[22])
    assert engine.read.positions() == []
    [trade] = engine.read.trades()
    assert trade.to_dict()["exit_reason"] == "manual"
    assert trade.trade.exit_price == pytest.approx(bars[22].open * (1 - 0.0001), rel=1e-12)
    with pytest.raises(ConflictError, match="no open position"):
        engine.close_position("BTCUSDT")
    assert engine.read.performance()["trades"] == 1


def test_closed_trades_come_back_from_their_rows_after_a_restart(
    make_engine: Make, bars: list[Bar]
) -> None:
    engine = make_engine()
    ex = attach(engine)
    for bar in bars[:20]:
        step(ex, bar)
    for start in (20, 25):
        step(ex, bars[start], long_signal(bars[start]))
        step(ex, bars[start + 1])
        engine.close_position("BTCUSDT")
        step(ex, bars[start + 2])
    trades = engine.account.model.trades
    assert len(trades) == 2
    engine.close()
    restarted = make_engine()
    assert restarted.account.model.trades == trades
    assert restarted.read.portfolio() == engine.read.portfolio()
    assert restarted.read.performance() == engine.read.performance()
