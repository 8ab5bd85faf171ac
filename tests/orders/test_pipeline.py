"""The order pipeline for strategy signals: its checks in order, blocks, settings, exits.

The checks of a signal, in the order of `scalplab.orders.pipeline`'s docstring: dropped
(last bar) → position_open / pending_confirmation → invalid_levels → sizing (min_qty,
min_notional, insufficient_margin) → the risk gate (`min_rr` rejects, a breaker blocks)
→ the symbol rules → the queue. Each case below fails two checks and shows that the
earlier one decides, with its exact reason. Settings as in `tests.orders.harness`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from scalplab.errors import NotFoundError
from scalplab.orders.commands import ClosePosition, SubmitSignal
from scalplab.orders.confirming import Confirmations
from scalplab.orders.models import Bar, SignalRecord
from scalplab.orders.outcomes import (
    PositionOpened,
    SignalAccepted,
    SignalBlocked,
    SignalOutcome,
    SignalRejected,
    TradeClosed,
)
from scalplab.orders.pending import MemoryPendingRepository, PendingConfirmations
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.risk import RiskEvent, RiskSettings
from scalplab.strategies.signal import Signal
from tests.orders.harness import CONFIG, NO_BREAKERS, RULES, Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)  # RR 3, qty 20
THIN = Signal("long", 100.0, 95.0, 114.0)  # RR 2.8
FLAT = Bar(T0, 100, 100, 100, 100)


def bar(i: int, o: float, h: float, low: float, c: float) -> Bar:
    return Bar(T0 + i * H, o, h, low, c)


def record(outcome: SignalOutcome) -> SignalRecord:
    assert outcome.record is not None
    return outcome.record


def verdict(outcome: SignalOutcome) -> tuple[str, str]:
    return record(outcome).status, record(outcome).reason


BREAKER_OF = {
    "max_open_positions": "max_open_positions",
    "daily_loss_limit_pct": "daily_loss_limit",
    "max_trades_per_hour": "overtrading",
}


def breakers(**limits: Any) -> RiskSettings:
    """MIN_RR 3 and only the breakers of these limits, switched on."""
    enabled = {f"{BREAKER_OF[name]}_enabled": True for name in limits}
    return NO_BREAKERS.updated({**enabled, **limits})


def with_busy_other(h: Harness) -> str:
    """A second book of the account with an entry waiting (margin 20 × 100 / 5 = 400)."""
    other = h.add_book("other")
    h.on_bar(FLAT, other)
    assert record(h.on_signal(FLAT, LONG, other)).status == "accepted"
    return other


def confirming() -> Harness:
    queue = OrderQueue(MemoryOrderRepository())
    pending = PendingConfirmations(MemoryPendingRepository(), 60, lambda: 0.0, orders=queue)
    return Harness(queue=queue, confirmations=Confirmations(pending, lambda: True))


# ----- the checks, in order ---------------------------------------------------------------


def test_the_last_bar_drops_before_the_open_position_is_looked_at() -> None:
    h = Harness(last_open_ms=T0 + 2 * H)
    h.step(FLAT, LONG)
    h.on_bar(bar(1, 100, 100, 100, 100))  # entry filled: a position is open
    b2 = bar(2, 100, 100, 100, 100)
    h.on_bar(b2)
    assert verdict(h.on_signal(b2, Signal("long", 100.0, 101.0, 130.0))) == (
        "dropped",
        "last_bar",
    )


def test_an_open_position_or_a_waiting_entry_rejects_before_the_levels() -> None:
    h = Harness()
    h.step(FLAT, LONG)  # the entry waits for the next open
    invalid = Signal("long", 100.0, 101.0, 130.0)
    assert verdict(h.on_signal(FLAT, invalid)) == ("rejected", "position_open")
    h.on_bar(bar(1, 100, 100, 100, 100))
    assert verdict(h.on_signal(bar(1, 100, 100, 100, 100), invalid)) == (
        "rejected",
        "position_open",
    )


def test_a_waiting_confirmation_rejects_before_the_levels() -> None:
    h = confirming()
    assert record(h.step(FLAT, LONG)).status == "pending"  # type: ignore[arg-type]
    invalid = Signal("long", 100.0, 101.0, 130.0)
    assert verdict(h.on_signal(FLAT, invalid)) == ("rejected", "pending_confirmation")


def test_invalid_levels_reject_before_sizing() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=10.0))  # would be under min notional
    h.on_bar(FLAT)
    rejected = record(h.on_signal(FLAT, Signal("short", 100.0, 99.0, 85.0)))
    assert (rejected.status, rejected.reason, rejected.qty) == ("rejected", "invalid_levels", 0.0)


def test_min_qty_rejects_before_min_notional() -> None:
    h = Harness(
        config=replace(CONFIG, initial_capital=10.0),
        rules=replace(RULES, min_qty=Decimal("0.1")),
    )
    h.on_bar(FLAT)
    # qty 10 × 1 % / 5 = 0.02 < 0.1 (and its notional 2 < 5)
    rejected = record(h.on_signal(FLAT, LONG))
    assert (rejected.status, rejected.reason, rejected.qty) == ("rejected", "min_qty", 0.02)


def test_min_notional_rejects_before_the_reward_risk_check() -> None:
    h = Harness(config=replace(CONFIG, initial_capital=10.0))
    h.on_bar(FLAT)
    assert verdict(h.on_signal(FLAT, THIN)) == ("rejected", "min_notional")


def test_insufficient_margin_rejects_before_the_reward_risk_check() -> None:
    h = Harness()
    with_busy_other(h)
    h.on_bar(FLAT)
    # qty = min(100 / 0.1 = 1000, 50000 / 100 = 500) = 500; its margin 500 × 100 / 5 =
    # 10000 is over the free 10000 − 400 held by the other book's entry (RR 2 fails too)
    rejected = record(h.on_signal(FLAT, Signal("long", 100.0, 99.9, 100.2)))
    assert (rejected.status, rejected.reason, rejected.qty) == (
        "rejected",
        "insufficient_margin",
        500.0,
    )
    # a stop 0.21 away: qty 100 / 0.21 = 476.19, margin 9523.8 ≤ 9600 (RR 0.63 / 0.21 = 3)
    fits = record(h.on_signal(FLAT, Signal("long", 100.0, 99.79, 100.63)))
    assert (fits.status, fits.qty) == ("accepted", 476.19)


def test_min_rr_rejects_before_any_breaker_blocks() -> None:
    h = Harness(risk=breakers(max_open_positions=1))
    with_busy_other(h)
    h.on_bar(FLAT)
    outcome = h.on_signal(FLAT, THIN)
    assert isinstance(outcome, SignalRejected)  # a rejection, not a block
    assert verdict(outcome) == ("rejected", "min_rr") and outcome.record.breaker is None


def test_a_signals_order_is_checked_at_the_signals_own_entry() -> None:
    # The bar closes at 100 but the signal's entry is 101: its stop 100.5 is below its
    # entry (the level checks and sizing used 101), so the order is valid there too.
    odd = Signal("long", 101.0, 100.5, 102.5)  # RR 3 on its own entry
    h = Harness(risk=breakers(max_open_positions=1))
    with_busy_other(h)
    h.on_bar(FLAT)
    assert record(h.on_signal(FLAT, odd)).status == "blocked"  # the breaker comes first
    free = Harness()
    free.on_bar(FLAT)
    assert record(free.on_signal(FLAT, odd)).status == "accepted"


def test_an_accepted_signal_queues_its_entry_with_the_bracket() -> None:
    h = Harness()
    h.on_bar(FLAT)
    outcome = h.on_signal(FLAT, LONG)
    assert isinstance(outcome, SignalAccepted)
    order = outcome.order
    assert outcome.record.order_id == order.id and outcome.record.qty == 20.0
    assert (order.side, order.type, order.qty, order.source, order.strategy) == (
        "buy",
        "market",
        Decimal(20),
        "strategy",
        "test",
    )
    assert (order.stop_loss, order.take_profit, order.signal_time_ms) == (
        Decimal(95),
        Decimal(115),
        T0,
    )
    assert len(order.children) == 2 and len(h.queue.list()) == 3
    assert h.sandbox.gate.entries_last_hour(T0) == 1
    assert h.sandbox.venue.has_pending_entry(h.book)
    h.on_bar(bar(1, 100, 100, 100, 100))
    [opened] = h.of_type(PositionOpened)
    assert opened.position.entry_order_id == order.id


def test_an_unknown_book_is_not_found() -> None:
    h = Harness()
    with pytest.raises(NotFoundError, match="no book TESTUSDT/nope"):
        h.pipeline.submit_signal(SubmitSignal("TESTUSDT/nope", FLAT, LONG))


# ----- blocks ------------------------------------------------------------------------------


def test_a_blocked_signal_carries_its_breaker_and_a_risk_event() -> None:
    h = Harness(risk=breakers(max_open_positions=1))
    other = with_busy_other(h)
    h.on_bar(FLAT)
    outcome = h.on_signal(FLAT, LONG)
    assert isinstance(outcome, SignalBlocked)
    reason = "1 open positions reach the limit of 1"
    assert (outcome.record.status, outcome.record.breaker, outcome.record.reason) == (
        "blocked",
        "max_open_positions",
        reason,
    )
    assert outcome.record.qty == 20.0 and outcome.record.order_id is None
    params = {"open": 1, "limit": 1}
    assert outcome.risk_event == RiskEvent(
        T0,
        "TESTUSDT",
        "test",
        "max_open_positions",
        reason,
        code="max_open_positions",
        params=params,
    )
    assert (outcome.record.reason_code, outcome.record.reason_params) == (
        "max_open_positions",
        params,
    )
    assert h.of_type(SignalBlocked) == [outcome] and h.signals[-1] == outcome.record
    # nothing was queued or counted as an entry for the blocked book
    assert {o.strategy for o in h.queue.list()} == {"other"}
    assert h.sandbox.gate.entries_last_hour(T0) == 1
    assert h.sandbox.venue.busy_books() == {other}


def test_breakers_use_the_bar_clock() -> None:
    # overtrading: one entry per rolling hour (now − 1 h, now], on the bars' open times
    h = Harness(risk=breakers(max_trades_per_hour=1))
    other = h.add_book("other")
    h.on_bar(FLAT, other)
    assert record(h.on_signal(FLAT, LONG, other)).status == "accepted"
    half = Bar(T0 + H // 2, 100, 100, 100, 100)
    h.on_bar(half)
    blocked = record(h.on_signal(half, LONG))
    assert (blocked.breaker, blocked.reason) == (
        "overtrading",
        "1 entries in the last hour reach the limit of 1 per hour",
    )
    hour = Bar(T0 + H, 100, 100, 100, 100)
    h.on_bar(hour)
    assert record(h.on_signal(hour, LONG)).status == "accepted"


def test_the_daily_loss_limit_holds_until_the_next_utc_day() -> None:
    h = Harness(risk=breakers(daily_loss_limit_pct=0.5))
    loser = h.add_book("loser")
    # 100 / (100 − 80) = 5 @ 100.1 (fee 0.25025), marked at the close 90: −50.5
    h.on_bar(FLAT, loser)
    h.on_signal(FLAT, Signal("long", 100.0, 80.0, 160.0), loser)
    h.on_bar(bar(1, 100, 100, 100, 100), loser)
    h.on_bar(bar(2, 95, 95, 90, 90), loser)
    b2 = bar(2, 100, 100, 100, 100)
    h.on_bar(b2)
    blocked = record(h.on_signal(b2, LONG))
    # 10000 → 10000 − 0.25025 − 50.5 = 9949.24975: down 0.5075 % ≥ 0.5 %
    assert (blocked.breaker, blocked.reason) == (
        "daily_loss_limit",
        "equity 9949.25 is down 0.51 % from 10000.00 at the UTC day start (limit 0.5 %); "
        "blocked until 2025-06-18T00:00:00Z",
    )
    late = bar(23, 100, 100, 100, 100)
    h.on_bar(late)
    assert record(h.on_signal(late, LONG)).breaker == "daily_loss_limit"
    # the next UTC day starts from the equity before its first bar: allowed again
    h.on_bar(bar(24, 90, 90, 90, 90), loser)
    next_day = bar(24, 100, 100, 100, 100)
    h.on_bar(next_day)
    assert record(h.on_signal(next_day, LONG)).status == "accepted"


def test_min_rr_is_read_from_the_gate_at_each_signal() -> None:
    h = Harness()
    h.on_bar(FLAT)
    assert verdict(h.on_signal(FLAT, THIN)) == ("rejected", "min_rr")
    gate = h.sandbox.gate
    gate.settings = gate.settings.updated({"min_rr": 2.5})  # changed at run time
    assert record(h.on_signal(FLAT, THIN)).status == "accepted"
    b1 = bar(1, 100, 100, 100, 100)
    h.on_bar(b1)
    h.exit("manual")
    b2 = bar(2, 100, 100, 100, 100)
    h.on_bar(b2)
    gate.settings = gate.settings.updated({"min_rr_enabled": False})
    assert record(h.on_signal(b2, Signal("long", 100.0, 95.0, 101.0))).status == "accepted"


# ----- exits and the end -------------------------------------------------------------------


def test_close_position_queues_a_reduce_only_market_order_filled_at_the_next_open() -> None:
    h = Harness()
    h.step(FLAT, LONG)
    h.on_bar(bar(1, 100, 100, 100, 100))  # 20 @ 100.1
    entry = h.queue.get(h.executor.position().entry_order_id)  # type: ignore[union-attr]
    assert h.pipeline.close_position(ClosePosition(h.book, "max_hold"))
    assert not h.pipeline.close_position(ClosePosition(h.book, "max_hold"))  # already sent
    [exit_order] = [o for o in h.queue.list() if o.parent_id is None and o.reduce_only]
    assert (exit_order.side, exit_order.type, exit_order.qty, exit_order.source) == (
        "sell",
        "market",
        Decimal(20),
        "strategy",
    )
    assert exit_order.status == "accepted"
    h.on_bar(bar(2, 108, 116, 107, 110))  # the exit comes before the take-profit
    [trade] = h.trades
    assert (trade.exit_reason, trade.exit_price) == ("max_hold", pytest.approx(108 * 0.999))
    filled = h.queue.get(exit_order.id)
    assert (filled.status, filled.fill_price) == ("filled", pytest.approx(108 * 0.999))
    for child in entry.children:
        assert h.queue.get(child).status == "cancelled"
        assert h.queue.get(child).reason == "position closed (max_hold)"
    assert [t.trade for t in h.of_type(TradeClosed)] == [trade]
    assert not h.pipeline.close_position(ClosePosition(h.book, "manual"))  # flat


def test_a_persons_close_is_a_manual_order() -> None:
    h = Harness()
    h.step(FLAT, LONG)
    h.on_bar(bar(1, 100, 100, 100, 100))
    assert h.exit("manual")
    [exit_order] = [o for o in h.queue.list() if o.parent_id is None and o.reduce_only]
    assert exit_order.source == "manual"
    h.on_bar(bar(2, 100, 100, 100, 100))
    assert h.trades[0].exit_reason == "manual"


def test_finish_withdraws_confirmations_and_closes_at_the_last_close() -> None:
    h = confirming()
    h.step(FLAT, LONG)
    h.finish()
    entry = next(o for o in h.queue.list() if o.parent_id is None)
    assert (entry.status, entry.reason) == ("cancelled", "the data ended before it was confirmed")
    assert {h.queue.get(child).status for child in entry.children} == {"cancelled"}
    assert h.sandbox.pipeline.confirmations is not None
    assert not h.sandbox.pipeline.confirmations.waiting(h.book)
