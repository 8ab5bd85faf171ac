"""Pending confirmations: confirm, reject, expire, a second confirm, unknown ids, races.

The TTL runs on an injected wall clock; C0 is 2026-11-22T03:00:00Z.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.pending import (
    MemoryPendingRepository,
    Pending,
    PendingConfirmations,
    iso_seconds,
    pending_id,
)
from scalplab.orders.queue import MemoryOrderRepository, OrderQueue
from scalplab.orders.types import Order, OrderRequest

C0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC).timestamp()
BAR_MS = 1_750_118_400_000


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = C0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def setup(
    ttl: float = 60,
) -> tuple[PendingConfirmations, OrderQueue, Clock, MemoryPendingRepository]:
    numbers = itertools.count(1)
    queue = OrderQueue(MemoryOrderRepository(), id_factory=lambda: f"ord-{next(numbers)}")
    clock = Clock()
    repository = MemoryPendingRepository()
    return PendingConfirmations(repository, ttl, clock, orders=queue), queue, clock, repository


def waiting_order(queue: OrderQueue, key: str = "k-1") -> Order:
    request = OrderRequest(
        symbol="BTCUSDT",
        side="buy",
        qty=Decimal("0.010"),
        stop_loss=Decimal("104000"),
        take_profit=Decimal("109500"),
        client_order_id=key,
    )
    order, _ = queue.submit(request, BAR_MS, awaiting_confirmation=True)
    return order


def test_add_sets_the_ttl_and_list_counts_down() -> None:
    pending, queue, clock, _ = setup()
    entry = pending.add(waiting_order(queue))
    assert entry == Pending("p-ord-1", entry.order, C0, C0 + 60)
    assert entry.id == pending_id("ord-1")
    clock.now = C0 + 20.25
    [view] = pending.list()
    assert view.seconds_left == 39.75
    data = view.to_dict()
    assert data["id"] == "p-ord-1"
    assert data["created_at"] == "2026-11-22T03:00:00.000Z"
    assert data["expires_at"] == "2026-11-22T03:01:00.000Z"
    assert data["seconds_left"] == 39.75
    assert data["status"] == "open"
    assert data["order"]["status"] == "pending_confirmation"
    assert data["order"]["qty"] == "0.010"
    assert json.loads(json.dumps(data)) == data


def test_add_is_idempotent_and_only_for_waiting_orders() -> None:
    pending, queue, clock, _ = setup()
    order = waiting_order(queue)
    first = pending.add(order)
    clock.now += 30
    assert pending.add(order) == first  # same entry, same expiry
    assert len(pending.list()) == 1
    accepted, _ = queue.submit(OrderRequest(symbol="BTCUSDT", side="buy", qty=Decimal("1")), 0)
    with pytest.raises(ConflictError, match="is accepted; only a pending_confirmation order"):
        pending.add(accepted)


def test_confirm_releases_the_order_once() -> None:
    pending, queue, clock, _ = setup()
    entry = pending.add(waiting_order(queue))
    clock.now = C0 + 59.999
    order = pending.confirm(entry.id)
    assert (order.status, order.reason) == ("accepted", "confirmed")
    assert queue.get("ord-1").status == "accepted"
    assert {queue.get(c).status for c in order.children} == {"accepted"}
    assert pending.list() == []
    assert pending.get(entry.id).status == "confirmed"
    clock.now = C0 + 61
    with pytest.raises(
        ConflictError,
        match=r"confirmation p-ord-1 was already confirmed at 2026-11-22T03:00:59\.999Z",
    ):
        pending.confirm(entry.id)
    with pytest.raises(ConflictError, match="was already confirmed"):
        pending.reject(entry.id)
    assert pending.expire_due() == []  # a confirmed entry never expires
    assert queue.get("ord-1").status == "accepted"


def test_reject_drops_the_order() -> None:
    pending, queue, _, _ = setup()
    entry = pending.add(waiting_order(queue))
    order = pending.reject(entry.id)
    assert (order.status, order.reason) == ("rejected", "rejected by the user")
    stored = queue.get("ord-1")
    assert (stored.status, stored.reason) == ("rejected", "rejected by the user")
    assert {queue.get(c).status for c in order.children} == {"rejected"}
    with pytest.raises(ConflictError, match="was already rejected"):
        pending.confirm(entry.id)
    assert queue.get("ord-1").status == "rejected"


def test_a_confirm_at_the_expiry_instant_fails_and_expires_it() -> None:
    pending, queue, clock, _ = setup()
    entry = pending.add(waiting_order(queue))
    clock.now = C0 + 60  # exactly the TTL
    with pytest.raises(
        ConflictError, match=r"confirmation p-ord-1 expired at 2026-11-22T03:01:00\.000Z"
    ):
        pending.confirm(entry.id)
    assert pending.get(entry.id).status == "expired"
    stored = queue.get("ord-1")
    assert (stored.status, stored.reason) == ("expired", "confirmation expired")
    with pytest.raises(ConflictError, match="was already expired"):
        pending.confirm(entry.id)
    with pytest.raises(ConflictError, match="was already expired"):
        pending.reject(entry.id)


def test_expire_due_cancels_only_the_overdue_ones() -> None:
    pending, queue, clock, _ = setup(ttl=60)
    old = pending.add(waiting_order(queue, "k-old"))
    clock.now = C0 + 30
    young = pending.add(waiting_order(queue, "k-young"))
    clock.now = C0 + 75
    assert [v.pending.id for v in pending.list()] == [young.id]
    expired = pending.expire_due()
    assert [p.id for p in expired] == [old.id]
    assert expired[0].status == "expired"
    assert expired[0].order.status == "expired"
    assert queue.get(old.order.id).status == "expired"
    assert queue.get(young.order.id).status == "pending_confirmation"
    assert pending.expire_due() == []  # idempotent
    clock.now = C0 + 90
    assert [p.id for p in pending.expire_due()] == [young.id]


def test_unknown_ids_are_not_found() -> None:
    pending, _, _, _ = setup()
    with pytest.raises(NotFoundError, match="no pending confirmation 'p-nope'"):
        pending.confirm("p-nope")
    with pytest.raises(NotFoundError):
        pending.reject("p-nope")
    with pytest.raises(NotFoundError):
        pending.get("p-nope")


def test_cancel_withdraws_an_open_confirmation() -> None:
    pending, queue, _, _ = setup()
    entry = pending.add(waiting_order(queue))
    order = pending.cancel(entry.id, "simulation reset")
    assert (order.status, order.reason) == ("cancelled", "simulation reset")
    assert queue.get("ord-1").status == "cancelled"
    assert pending.get(entry.id).to_dict(C0)["seconds_left"] == 0


def test_an_order_closed_elsewhere_cannot_be_confirmed_but_can_lapse() -> None:
    pending, queue, clock, _ = setup()
    entry = pending.add(waiting_order(queue))
    queue.cancel("ord-1", BAR_MS + 1, "simulation stopped")
    with pytest.raises(ConflictError, match="order ord-1 is cancelled; it cannot become accepted"):
        pending.confirm(entry.id)
    assert pending.get(entry.id).status == "open"  # nothing changed
    clock.now = C0 + 60
    [expired] = pending.expire_due()
    assert expired.status == "expired"
    assert queue.get("ord-1").status == "cancelled"  # the queue keeps its own verdict


def test_without_a_queue_the_returned_order_carries_the_verdict() -> None:
    clock = Clock()
    pending = PendingConfirmations(MemoryPendingRepository(), 60, clock)
    order = Order.from_request(
        OrderRequest(symbol="ETHUSDT", side="sell", qty=Decimal("1")),
        "ord-x",
        "cid-x",
        "pending_confirmation",
        BAR_MS,
    )
    entry = pending.add(order)
    assert pending.confirm(entry.id).status == "accepted"
    assert order.status == "pending_confirmation"  # the caller's object is not mutated


def test_concurrent_confirms_release_the_order_exactly_once() -> None:
    pending, queue, _, _ = setup()
    entry = pending.add(waiting_order(queue))
    barrier = threading.Barrier(10)
    outcomes: list[str] = []

    def confirm() -> None:
        barrier.wait()
        try:
            pending.confirm(entry.id)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=confirm) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 9 + ["ok"]
    assert queue.get("ord-1").status == "accepted"


def test_ttl_bounds_and_update() -> None:
    repository = MemoryPendingRepository()
    for bad in (0, -5, 86_401, float("nan"), True, "60"):
        with pytest.raises(InputError, match="pending TTL"):
            PendingConfirmations(repository, bad)  # type: ignore[arg-type]
    pending, queue, _, _ = setup(ttl=60)
    pending.ttl_seconds = 5
    assert pending.ttl_seconds == 5.0
    entry = pending.add(waiting_order(queue))
    assert entry.expires_at - entry.created_at == 5.0
    with pytest.raises(InputError, match=r"pending TTL 0 s is outside 1\.\.86400 s"):
        pending.ttl_seconds = 0
    assert pending.now() == C0


def test_memory_repository_keys_and_copies() -> None:
    repository = MemoryPendingRepository()
    order = Order.from_request(
        OrderRequest(symbol="ETHUSDT", side="buy", qty=Decimal("1")),
        "ord-1",
        "cid-1",
        "pending_confirmation",
        BAR_MS,
    )
    entry = Pending("p-ord-1", order, C0, C0 + 60)
    repository.add(entry)
    order.status = "accepted"  # mutating the caller's order does not reach the store
    stored = repository.get("p-ord-1")
    assert stored is not None
    assert stored.order.status == "pending_confirmation"
    assert repository.get("p-none") is None
    with pytest.raises(ConflictError, match="confirmation p-ord-1 already exists"):
        repository.add(entry)
    with pytest.raises(NotFoundError, match="no pending confirmation 'p-2'"):
        repository.update(Pending("p-2", order, C0, C0 + 1))


def test_iso_seconds_keeps_milliseconds() -> None:
    assert iso_seconds(C0 + 0.5) == "2026-11-22T03:00:00.500Z"
    assert iso_seconds(0) == "1970-01-01T00:00:00.000Z"
