"""The SQL repositories behind the order queue and the pending list (real SQLite)."""

from __future__ import annotations

import pytest

from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders.pending import PendingConfirmations
from scalplab.orders.queue import OrderQueue
from scalplab.orders.types import OrderRequest
from scalplab.simulation.repositories import SqlOrderRepository, SqlPendingRepository
from scalplab.simulation.store import SimStore
from scalplab.storage.db import Database
from tests.simulation.conftest import FakeClock


def request(key: str) -> OrderRequest:
    return OrderRequest(
        symbol="BTCUSDT",
        side="buy",
        type="market",
        qty="0.010",
        stop_loss="60000",
        take_profit="80000",
        client_order_id=key,
    )


def test_order_queue_over_sql_is_idempotent_and_round_trips(database: Database) -> None:
    store = SimStore(database)
    queue = OrderQueue(SqlOrderRepository(store))
    order, created = queue.submit(request("m-1"), 1_000)
    again, created_again = queue.submit(request("m-1"), 2_000)
    assert created and not created_again and again == order
    assert len(order.children) == 2
    restored = SqlOrderRepository(SimStore(database)).get(order.id)
    assert restored == order and restored is not None and str(restored.qty) == "0.010"
    assert [o.id for o in queue.list()][-1] == order.id
    with pytest.raises(ConflictError, match="already exists"):
        queue.repository.add(order)
    order.client_order_id = "other"
    with pytest.raises(ConflictError, match="cannot change"):
        queue.repository.update(order)


def test_a_failed_transaction_leaves_no_order_behind(database: Database) -> None:
    store = SimStore(database)
    queue = OrderQueue(SqlOrderRepository(store))
    with pytest.raises(RuntimeError), store.transaction():
        queue.submit(request("m-2"), 1_000)
        raise RuntimeError("crash before the commit")
    assert queue.get_by_client_id("m-2") is None


def test_pending_confirmations_over_sql(database: Database) -> None:
    store = SimStore(database)
    clock = FakeClock()
    queue = OrderQueue(SqlOrderRepository(store))
    pending = PendingConfirmations(SqlPendingRepository(store), 60, clock=clock, orders=queue)
    order, _ = queue.submit(request("m-3"), 1_000, awaiting_confirmation=True)
    item = pending.add(order)
    assert SqlPendingRepository(SimStore(database)).get(item.id) == item
    assert [p.pending.id for p in pending.list()] == [item.id]
    confirmed = pending.confirm(item.id)
    assert confirmed.status == "accepted" and queue.get(order.id).status == "accepted"
    with pytest.raises(ConflictError):
        pending.confirm(item.id)
    with pytest.raises(NotFoundError):
        pending.reject("p-nothing")
    other, _ = queue.submit(request("m-4"), 1_000, awaiting_confirmation=True)
    waiting = pending.add(other)
    clock.advance(61)
    assert [p.id for p in pending.expire_due()] == [waiting.id]
    assert queue.get(other.id).status == "expired"
    assert all(child.status == "expired" for child in map(queue.get, other.children))
