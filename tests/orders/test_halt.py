"""The kill switch inside the order pipeline (`scalplab.orders.halt`).

While halted: a signal is blocked by the `halted` breaker (recorded and counted like any
breaker), a person's entry order is refused with a `ConflictError` and recorded as a
risk event, an entry waiting for confirmation cannot be confirmed; exits, reduce-only
orders and position closes still work. Settings as in `tests.orders.harness`.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from scalplab.errors import ConflictError
from scalplab.orders.commands import ConfirmOrder, RejectOrder
from scalplab.orders.confirming import Confirmations
from scalplab.orders.halt import (
    ACTIVE,
    HALTED,
    HaltState,
    HaltSwitch,
    TradingHaltedError,
    cancel_waiting_entries,
    halt_decision,
    waiting_entries,
)
from scalplab.orders.metrics import blocks_by_breaker
from scalplab.orders.models import Bar
from scalplab.orders.outcomes import (
    ConfirmationRequested,
    OrderAccepted,
    OrderBlocked,
    SignalAccepted,
    SignalBlocked,
)
from scalplab.orders.pending import MemoryPendingRepository, PendingConfirmations
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.types import OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)
POOR = Signal("long", 100.0, 95.0, 101.0)  # reward/risk 0.2: min_rr would reject it
HALT = HaltState(True, T0, "maintenance", "api")


def bar(i: int) -> Bar:
    return Bar(T0 + i * H, 100, 100, 100, 100)


def request(**fields: object) -> OrderRequest:
    return OrderRequest(symbol="TESTUSDT", **fields)  # type: ignore[arg-type]


def test_a_halted_switch_blocks_signals_with_the_halted_breaker() -> None:
    switch = HaltSwitch(HALT)
    h = Harness(halt=switch)
    outcome = h.step(bar(0), LONG)
    assert isinstance(outcome, SignalBlocked)
    record, event = outcome.record, outcome.risk_event
    assert (record.status, record.breaker, event.breaker) == ("blocked", HALTED, HALTED)
    assert (
        record.reason
        == event.reason
        == (
            "trading is halted since 2025-06-17T00:00:00Z by api (maintenance): new entries are "
            "stopped until trading is resumed"
        )
    )
    assert record.qty > 0 and record.order_id is None  # sized like any blocked signal
    assert h.queue.list() == [] and h.model.position(h.book) is None
    # the kill switch comes first: a signal min_rr would reject is blocked too
    blocked = h.step(bar(1), POOR)
    assert isinstance(blocked, SignalBlocked) and blocked.record.breaker == HALTED
    assert blocks_by_breaker(h.signals) == {HALTED: 2}

    switch.set(HaltState(False, T0 + 2 * H, "resumed", "telegram"))
    accepted = h.step(bar(2), LONG)
    assert isinstance(accepted, SignalAccepted)
    h.on_bar(bar(3))
    assert h.model.position(h.book) is not None


def test_a_persons_entry_is_refused_but_exits_still_work() -> None:
    switch = HaltSwitch()
    h = Harness(halt=switch)
    h.step(bar(0), LONG)
    h.on_bar(bar(1))  # the entry fills: a position is open
    position = h.model.position(h.book)
    assert position is not None

    switch.set(HALT)
    with pytest.raises(ConflictError, match="blocked by the halted breaker: trading is halted"):
        h.order(request(side="buy", qty=Decimal(1)))
    [blocked] = h.of_type(OrderBlocked)
    assert (blocked.risk_event.breaker, blocked.risk_event.time_ms) == (HALTED, T0 + H)
    # the kill switch comes before the other checks (the open position, the leverage)
    with pytest.raises(ConflictError, match="halted"):
        h.order(request(side="sell", qty=Decimal(10_000)))

    # a reduce-only order and a close go through
    reduce = h.order(request(side="sell", qty=Decimal(1), reduce_only=True))
    assert reduce.status == "accepted" and isinstance(h.outcomes[-1], OrderAccepted)
    assert h.exit("manual") is True
    h.on_bar(bar(2))
    assert h.model.position(h.book) is None
    assert [trade.exit_reason for trade in h.trades][-1] == "manual"


def test_an_entry_waiting_for_confirmation_cannot_be_confirmed_while_halted() -> None:
    queue = OrderQueue(MemoryOrderRepository())
    pending = PendingConfirmations(
        MemoryPendingRepository(), 60, lambda: 1_800_000_000.0, orders=queue
    )
    switch = HaltSwitch()
    h = Harness(queue=queue, confirmations=Confirmations(pending, lambda: True), halt=switch)
    asked = h.step(bar(0), LONG)
    assert isinstance(asked, ConfirmationRequested)

    switch.set(HALT)
    with pytest.raises(TradingHaltedError, match="confirming an entry is refused") as refused:
        h.pipeline.confirm(ConfirmOrder(asked.pending.id))
    assert isinstance(refused.value, ConflictError)  # 409 over HTTP
    assert "exits, reduce-only orders and position closes still work" in str(refused.value)
    assert queue.get(asked.order.id).status == "pending_confirmation"  # nothing changed
    assert h.pipeline.reject(RejectOrder(asked.pending.id)).status == "rejected"


def test_waiting_entries_are_withdrawn_with_their_bracket() -> None:
    h = Harness()
    accepted = h.step(bar(0), LONG)
    assert isinstance(accepted, SignalAccepted)
    entry = accepted.order
    assert [order.id for order in waiting_entries(h.queue)] == [entry.id]

    cancelled = cancel_waiting_entries(h.sandbox.venue, h.queue, "trading halted")
    assert cancelled == [entry.id]
    assert h.queue.get(entry.id).status == "cancelled"
    assert h.queue.get(entry.id).reason == "trading halted"
    assert {h.queue.get(child).status for child in entry.children} == {"cancelled"}
    h.on_bar(bar(1))
    assert h.model.position(h.book) is None  # nothing filled at the next open
    assert waiting_entries(h.queue) == []
    assert cancel_waiting_entries(h.sandbox.venue, h.queue, "again") == []


def test_an_open_position_is_not_a_waiting_entry() -> None:
    h = Harness()
    h.step(bar(0), LONG)
    h.on_bar(bar(1))
    assert h.model.position(h.book) is not None
    assert waiting_entries(h.queue) == []  # the filled entry; its bracket is reduce-only


def test_the_switch_states_and_decisions() -> None:
    assert halt_decision(None) is None
    switch = HaltSwitch()
    assert switch.state() == ACTIVE and not switch.halted
    assert halt_decision(switch) is None
    assert ACTIVE.describe() == "trading is active"
    assert HaltState(True, None, "", "").describe() == "trading is halted"
    switch.set(HALT)
    decision = halt_decision(switch)
    assert decision is not None and (decision.allowed, decision.breaker) == (False, HALTED)

    seen: list[bool] = []

    def flip() -> None:
        for index in range(500):
            switch.set(HALT if index % 2 else ACTIVE)
            seen.append(switch.state() in (HALT, ACTIVE))

    threads = [threading.Thread(target=flip) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(seen) and len(seen) == 2000
