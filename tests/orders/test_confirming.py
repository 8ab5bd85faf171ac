"""The confirmation stage: orders of the pipeline waiting for a person (TTL on wall time).

A sandbox with confirmations on, an in-memory queue and pending list, and a wall
clock the test moves by hand (TTL 60 s).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scalplab.errors import ConflictError, DataError, NotFoundError
from scalplab.orders.book import EntryOrder
from scalplab.orders.commands import ConfirmOrder, ExpireConfirmations, RejectOrder
from scalplab.orders.confirming import Confirmations, WaitingOrder
from scalplab.orders.models import Bar
from scalplab.orders.outcomes import ConfirmationRequested, ConfirmationResolved
from scalplab.orders.pending import MemoryPendingRepository, PendingConfirmations, pending_id
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.risk import RiskSettings
from scalplab.orders.types import OrderRejected, OrderRequest
from scalplab.strategies.signal import Signal
from tests.orders.harness import NO_BREAKERS, Harness

H = 3_600_000
T0 = 1_750_118_400_000  # 2025-06-17T00:00:00Z
LONG = Signal("long", 100.0, 95.0, 115.0)


def bar(i: int) -> Bar:
    return Bar(T0 + i * H, 100, 100, 100, 100)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Setup:
    """A confirming harness; `required` can be switched between orders."""

    def __init__(self, risk: RiskSettings = NO_BREAKERS) -> None:
        self.clock = Clock()
        self.required = True
        queue = OrderQueue(MemoryOrderRepository())
        self.pending = PendingConfirmations(MemoryPendingRepository(), 60, self.clock, orders=queue)
        self.confirmations = Confirmations(self.pending, lambda: self.required)
        self.h = Harness(risk=risk, queue=queue, confirmations=self.confirmations)

    def ask(self, i: int = 0) -> ConfirmationRequested:
        self.h.on_bar(bar(i))
        outcome = self.h.on_signal(bar(i), LONG)
        assert isinstance(outcome, ConfirmationRequested)
        return outcome


def test_a_signal_waits_for_a_person_and_holds_its_book() -> None:
    s = Setup()
    asked = s.ask()
    assert asked.record is not None
    assert (asked.record.status, asked.record.order_id) == ("pending", asked.order.id)
    assert asked.order.status == "pending_confirmation"
    assert asked.pending.id == pending_id(asked.order.id)
    assert s.h.signals == [asked.record]
    assert s.confirmations.waiting(s.h.book) and s.confirmations.waiting_books() == {s.h.book}
    # nothing went to the venue: no entry waits for an open, no entry was counted
    assert not s.h.sandbox.venue.has_pending_entry(s.h.book)
    assert s.h.sandbox.gate.entries_last_hour(T0) == 0
    assert s.h.on_signal(bar(0), LONG).record.reason == "pending_confirmation"  # type: ignore[union-attr]


def test_confirming_sends_the_order_and_it_fills_at_the_next_open() -> None:
    s = Setup()
    asked = s.ask()
    order = s.h.pipeline.confirm(ConfirmOrder(asked.pending.id))
    assert order.status == "accepted"
    assert s.h.sandbox.gate.entries_last_hour(T0) == 1  # counted at its signal's bar time
    [resolved] = s.h.of_type(ConfirmationResolved)
    assert (resolved.fate, resolved.reason, resolved.pending.status) == (
        "accepted",
        "confirmed",
        "confirmed",
    )
    assert not s.confirmations.waiting(s.h.book)
    s.h.on_bar(bar(1))
    position = s.h.executor.position()
    assert position is not None and position.entry_order_id == asked.order.id
    assert {s.h.queue.get(c).status for c in asked.order.children} == {"accepted"}
    with pytest.raises(ConflictError, match="was already confirmed"):
        s.h.pipeline.confirm(ConfirmOrder(asked.pending.id))


def test_rejecting_or_letting_it_expire_never_executes() -> None:
    s = Setup()
    asked = s.ask()
    rejected = s.h.pipeline.reject(RejectOrder(asked.pending.id, "not now"))
    assert (rejected.status, rejected.reason) == ("rejected", "not now")
    assert s.h.of_type(ConfirmationResolved)[-1].fate == "rejected"
    s.h.on_bar(bar(1))
    assert s.h.executor.position() is None
    second = s.ask(1)
    s.clock.now += 59
    assert s.h.pipeline.expire(ExpireConfirmations()) == 0
    s.clock.now += 1  # the TTL of 60 s has run out
    with pytest.raises(ConflictError, match="was already expired"):
        s.h.pipeline.confirm(ConfirmOrder(second.pending.id))
    assert s.h.queue.get(second.order.id).status == "expired"
    assert s.h.of_type(ConfirmationResolved)[-1].fate == "expired"
    with pytest.raises(NotFoundError):
        s.h.pipeline.confirm(ConfirmOrder("p-nope"))


def test_confirmation_is_read_at_each_order() -> None:
    s = Setup()
    s.required = False
    s.h.on_bar(bar(0))
    assert s.h.on_signal(bar(0), LONG).record.status == "accepted"  # type: ignore[union-attr]
    s.h.on_bar(bar(1))
    s.h.exit("manual")
    s.h.on_bar(bar(2))
    s.required = True
    s.h.on_bar(bar(3))
    assert isinstance(s.h.on_signal(bar(3), LONG), ConfirmationRequested)


def test_a_waiting_order_counts_as_an_open_position_for_the_gate() -> None:
    risk = NO_BREAKERS.updated({"max_open_positions_enabled": True, "max_open_positions": 1})
    s = Setup(risk)
    s.ask()
    other = s.h.add_book("other")
    s.h.on_bar(bar(0), other)
    blocked = s.h.on_signal(bar(0), LONG, other).record
    assert blocked is not None and blocked.breaker == "max_open_positions"


def test_a_waiting_confirmation_holds_the_book_against_a_persons_entry_too() -> None:
    s = Setup()
    asked = s.ask()
    s.required = False
    with pytest.raises(OrderRejected, match="an order of TESTUSDT/test waits for confirmation"):
        s.h.order(OrderRequest(symbol="TESTUSDT", side="buy", qty=Decimal(1)))
    # an entry that reached the venue some other way (a restored state, say) is not joined
    s.h.model.submit_entry(s.h.book, EntryOrder("ord-elsewhere", "long", 1.0, None, None))
    with pytest.raises(ConflictError, match="already has a position or a pending entry"):
        s.h.pipeline.confirm(ConfirmOrder(asked.pending.id))
    assert s.confirmations.waiting(s.h.book)  # the error changed nothing
    assert s.h.queue.get(asked.order.id).status == "pending_confirmation"


def test_manual_orders_wait_too_and_without_confirmations_the_commands_refuse() -> None:
    s = Setup()
    s.h.on_bar(bar(0))
    order = s.h.order(OrderRequest(symbol="TESTUSDT", side="buy", qty=Decimal(1)))
    assert order.status == "pending_confirmation"
    [asked] = s.h.of_type(ConfirmationRequested)
    assert asked.record is None and asked.order.id == order.id
    plain = Harness()
    with pytest.raises(ConflictError, match="not used in this mode"):
        plain.pipeline.confirm(ConfirmOrder("p-x"))
    assert plain.pipeline.expire(ExpireConfirmations()) == 0


def test_waiting_orders_survive_a_restart() -> None:
    s = Setup()
    asked = s.ask()
    state = json.loads(json.dumps(s.confirmations.state()))
    assert state == {asked.order.id: [s.h.book, T0]}
    again = Confirmations(s.pending, lambda: True)
    again.restore(state)
    assert again.open(asked.pending.id) == WaitingOrder(asked.pending.order, s.h.book, T0)
    with pytest.raises(DataError, match="malformed confirmation state"):
        again.restore({"x": 5})
    assert again.cancel_book(s.h.book, "reset") == 1
    assert not again.waiting(s.h.book)
    with pytest.raises(ConflictError, match="was already cancelled"):
        again.open(asked.pending.id)
