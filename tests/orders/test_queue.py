"""The idempotent order queue: one order per client id, brackets, status cascades."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.ids import client_order_id, manual_order_id
from scalplab.orders.queue import IdempotencyConflict, MemoryOrderRepository, OrderQueue
from scalplab.orders.types import Order, OrderRequest

D = Decimal
T = 1_750_118_400_000  # 2025-06-17T00:00:00Z
R = TypeVar("R")


def counter_ids() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"ord-{next(numbers)}"


def make_queue() -> tuple[OrderQueue, MemoryOrderRepository]:
    repository = MemoryOrderRepository()
    return OrderQueue(repository, id_factory=counter_ids()), repository


def entry(**fields: Any) -> OrderRequest:
    base: dict[str, Any] = {
        "symbol": "BTCUSDT",
        "side": "buy",
        "qty": D("0.010"),
        "stop_loss": D("104000.0"),
        "take_profit": D("109500.0"),
        "client_order_id": client_order_id("BTCUSDT", "smc", T, "buy"),
        "source": "strategy",
        "signal_time_ms": T,
        "strategy": "smc",
    }
    base.update(fields)
    return OrderRequest(**base)


# ----- idempotent submission ---------------------------------------------------------------


def test_a_new_request_becomes_an_accepted_order_with_oco_children() -> None:
    queue, repository = make_queue()
    order, created = queue.submit(entry(), T + 1)
    assert created
    assert (order.id, order.status, order.created_ms) == ("ord-1", "accepted", T + 1)
    assert order.client_order_id == entry().client_order_id
    assert order.children == ["ord-2", "ord-3"]
    sl, tp = queue.get("ord-2"), queue.get("ord-3")
    assert (sl.type, sl.side, sl.stop_price, sl.reduce_only) == (
        "stop_market",
        "sell",
        D("104000.0"),
        True,
    )
    assert (tp.type, tp.side, tp.price, tp.reduce_only) == ("limit", "sell", D("109500.0"), True)
    assert sl.client_order_id == order.client_order_id + "-sl"
    assert tp.client_order_id == order.client_order_id + "-tp"
    assert sl.parent_id == tp.parent_id == "ord-1"
    assert (sl.qty, tp.qty) == (D("0.010"), D("0.010"))
    assert len(repository) == 3


def test_a_retry_of_the_same_request_returns_the_first_order() -> None:
    queue, repository = make_queue()
    first, created = queue.submit(entry(), T)
    # the same request, written differently and later: still a retry
    again, created_again = queue.submit(entry(qty=D("0.01000"), symbol=" btcusdt"), T + 99)
    assert created and not created_again
    assert again == first
    assert len(repository) == 3


@pytest.mark.parametrize(
    ("change", "difference"),
    [
        ({"qty": D("5")}, "qty 0.010 vs 5"),
        ({"side": "sell", "stop_loss": None, "take_profit": None}, "side buy vs sell"),
        ({"symbol": "ETHUSDT"}, "symbol BTCUSDT vs ETHUSDT"),
        ({"type": "limit", "price": D("105000")}, "type market vs limit, price none vs 105000"),
        ({"stop_loss": None}, "stop_loss 104000.0 vs none"),
        ({"take_profit": D("110000")}, "take_profit 109500.0 vs 110000"),
        (
            {"reduce_only": True, "stop_loss": None, "take_profit": None},
            "reduce_only false vs true",
        ),
    ],
)
def test_the_same_key_for_a_different_request_is_a_conflict(
    change: dict[str, Any], difference: str
) -> None:
    queue, repository = make_queue()
    first, _ = queue.submit(entry(), T)
    with pytest.raises(IdempotencyConflict) as info:
        queue.submit(entry(**change), T + 99)
    message = str(info.value)
    assert message.startswith(
        f"client order id {first.client_order_id} already names order ord-1, placed with a "
        "different request ("
    )
    assert difference in message
    assert isinstance(info.value, InputError)  # the API answers 422
    assert len(repository) == 3  # nothing new stored
    assert queue.get("ord-1") == first  # and the first order is untouched


def test_a_request_left_to_risk_sizing_matches_the_sized_order() -> None:
    queue, _ = make_queue()
    first, _ = queue.submit(entry(), T)
    again, created = queue.submit(entry(qty=None), T + 1)
    assert (again, created) == (first, False)


def test_manual_orders_are_idempotent_on_their_key_only() -> None:
    queue, repository = make_queue()
    key = manual_order_id("click-42")
    plain: dict[str, Any] = {"symbol": "ETHUSDT", "side": "sell", "qty": D("0.5")}
    a, new_a = queue.submit(OrderRequest(**plain, client_order_id=key), T)
    b, new_b = queue.submit(OrderRequest(**plain, client_order_id=key), T)
    assert (new_a, new_b, a.id) == (True, False, b.id)
    # without a key every submission is a new order with a fresh client id
    c, new_c = queue.submit(OrderRequest(**plain), T)
    d, new_d = queue.submit(OrderRequest(**plain), T)
    assert new_c and new_d
    assert c.client_order_id != d.client_order_id
    assert c.client_order_id == c.id  # a keyless order is known by its own id
    assert c.children == []
    assert len(repository) == 3


def test_awaiting_confirmation_starts_pending_and_accept_cascades() -> None:
    queue, _ = make_queue()
    order, _ = queue.submit(entry(), T, awaiting_confirmation=True)
    assert order.status == "pending_confirmation"
    assert {queue.get(c).status for c in order.children} == {"pending_confirmation"}
    accepted = queue.accept(order.id, T + 5, "confirmed")
    assert (accepted.status, accepted.reason, accepted.updated_ms) == (
        "accepted",
        "confirmed",
        T + 5,
    )
    assert {queue.get(c).status for c in order.children} == {"accepted"}


def run_together(count: int, action: Callable[[int], R]) -> list[R]:
    """Run `action(i)` in `count` threads released at the same instant; their results."""
    barrier = threading.Barrier(count)
    results: list[R] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        result = action(i)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def submitter(
    queues: list[OrderQueue], request: OrderRequest
) -> Callable[[int], tuple[Order, bool]]:
    """Thread `i` submits `request` through queue `i mod len(queues)`."""
    return lambda i: queues[i % len(queues)].submit(request, T)


def test_concurrent_submits_from_threads_create_one_order() -> None:
    for _ in range(20):
        queue, repository = make_queue()
        results = run_together(12, submitter([queue], entry()))
        assert sum(created for _, created in results) == 1
        assert len({order.id for order, _ in results}) == 1
        assert len(repository) == 3


def test_two_queues_over_one_store_still_create_one_order() -> None:
    """Like two processes over one database: the store's unique client id decides."""
    for _ in range(20):
        repository = MemoryOrderRepository()
        queues = [OrderQueue(repository), OrderQueue(repository)]
        results = run_together(8, submitter(queues, entry(take_profit=None, stop_loss=None)))
        assert [created for _, created in results].count(True) == 1
        assert len(repository) == 1


class StaleReadRepository(MemoryOrderRepository):
    """A store whose client-id lookup lags a commit of another process (read replica).

    The first lookup of each client id answers None although the row exists, the
    way a read-committed snapshot taken before another writer's commit would.
    """

    def __init__(self) -> None:
        super().__init__()
        self._missed: set[str] = set()

    def get_by_client_id(self, client_order_id: str) -> Order | None:
        if client_order_id not in self._missed:
            self._missed.add(client_order_id)
            return None
        return super().get_by_client_id(client_order_id)


def test_a_duplicate_refused_by_the_store_returns_the_existing_order() -> None:
    repository = StaleReadRepository()
    other_process = MemoryOrderRepository.add
    winner = Order.from_request(entry(), "ord-other", entry().client_order_id or "", "accepted", T)
    other_process(repository, winner)
    queue = OrderQueue(repository)
    order, created = queue.submit(entry(), T + 1)
    assert not created
    assert order.id == "ord-other"
    assert len(repository) == 1


def test_a_different_request_refused_by_the_store_is_a_conflict() -> None:
    """The other process won the race with another request under the same key."""
    repository = StaleReadRepository()
    winner = Order.from_request(entry(), "ord-other", entry().client_order_id or "", "accepted", T)
    MemoryOrderRepository.add(repository, winner)
    with pytest.raises(IdempotencyConflict, match=r"\(qty 0\.010 vs 0\.020\)"):
        OrderQueue(repository).submit(entry(qty=D("0.020")), T + 1)
    assert len(repository) == 1


def test_a_store_conflict_on_another_key_is_not_swallowed() -> None:
    repository = MemoryOrderRepository()
    queue = OrderQueue(repository, id_factory=lambda: "ord-same")
    queue.submit(OrderRequest(symbol="BTCUSDT", side="buy", qty=D("1"), client_order_id="a"), T)
    with pytest.raises(ConflictError, match="order id ord-same already exists"):
        queue.submit(OrderRequest(symbol="BTCUSDT", side="buy", qty=D("1"), client_order_id="b"), T)


# ----- status changes and cascades ---------------------------------------------------------


def test_a_filled_stop_loss_cancels_the_take_profit() -> None:
    queue, _ = make_queue()
    order, _ = queue.submit(entry(), T)
    queue.fill(order.id, 106_000.5, T + 60_000)
    assert {queue.get(c).status for c in order.children} == {"accepted"}  # live bracket
    sl = queue.fill("ord-2", 103_989.6, T + 120_000)
    assert (sl.status, sl.fill_price, sl.filled_ms) == ("filled", 103_989.6, T + 120_000)
    tp = queue.get("ord-3")
    assert (tp.status, tp.reason) == ("cancelled", "OCO: ord-2 filled")
    with pytest.raises(ConflictError, match="order ord-3 is cancelled; it cannot become filled"):
        queue.fill("ord-3", 109_500.0, T + 180_000)


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [
        ("cancel", "cancelled", "parent ord-1 cancelled"),
        ("reject", "rejected", "parent ord-1 rejected"),
        ("expire", "expired", "parent ord-1 expired"),
    ],
)
def test_closing_an_entry_closes_its_children(action: str, status: str, reason: str) -> None:
    queue, _ = make_queue()
    order, _ = queue.submit(entry(), T, awaiting_confirmation=True)
    args: tuple[Any, ...] = (order.id, T + 9, "why") if action == "reject" else (order.id, T + 9)
    closed = getattr(queue, action)(*args)
    assert closed.status == status
    for child in order.children:
        stored = queue.get(child)
        assert (stored.status, stored.reason, stored.updated_ms) == (status, reason, T + 9)


def test_cascades_skip_children_already_closed() -> None:
    queue, _ = make_queue()
    order, _ = queue.submit(entry(), T)
    queue.cancel("ord-3", T + 1, "user removed the take-profit")
    queue.cancel(order.id, T + 2)
    assert queue.get("ord-3").reason == "user removed the take-profit"
    assert queue.get("ord-2").reason == "parent ord-1 cancelled"
    with pytest.raises(ConflictError, match="order ord-1 is already cancelled"):
        queue.transition(order.id, "cancelled", T + 3)


def test_reduce_only_orders_have_no_children_and_unknown_ids_are_not_found() -> None:
    queue, _ = make_queue()
    order, _ = queue.submit(
        OrderRequest(symbol="BTCUSDT", side="sell", qty=D("0.01"), reduce_only=True), T
    )
    assert order.children == []
    with pytest.raises(NotFoundError, match="no order 'ord-404'"):
        queue.get("ord-404")
    with pytest.raises(NotFoundError):
        queue.cancel("ord-404", T)


def test_list_pages_newest_first() -> None:
    queue, _ = make_queue()
    for i in range(5):
        queue.submit(OrderRequest(symbol="BTCUSDT", side="buy", qty=D("1")), T + i)
    queue.submit(OrderRequest(symbol="BTCUSDT", side="buy", qty=D("1")), T + 4)
    assert [o.id for o in queue.list()] == ["ord-6", "ord-5", "ord-4", "ord-3", "ord-2", "ord-1"]
    assert [o.id for o in queue.list(limit=2, offset=1)] == ["ord-5", "ord-4"]
    assert queue.list(limit=10, offset=10) == []
    with pytest.raises(InputError, match=r"limit 0 is outside 1\.\.1000"):
        queue.list(limit=0)
    with pytest.raises(InputError, match=r"offset -1 is outside 0\.\.1000000"):
        queue.list(offset=-1)


# ----- the memory repository -------------------------------------------------------------------


def test_memory_repository_stores_copies_and_enforces_keys() -> None:
    repository = MemoryOrderRepository()
    order = Order.from_request(entry(), "ord-1", "cid-1", "accepted", T)
    repository.add(order)
    order.status = "filled"  # a caller mutating its object does not change the store
    stored = repository.get("ord-1")
    assert stored is not None
    assert stored.status == "accepted"
    assert repository.get("nope") is None
    assert repository.get_by_client_id("nope") is None
    with pytest.raises(ConflictError, match="order id ord-1 already exists"):
        repository.add(order)
    with pytest.raises(ConflictError, match="client order id cid-1 already exists"):
        repository.add(Order.from_request(entry(), "ord-2", "cid-1", "accepted", T))
    with pytest.raises(NotFoundError, match="no order ord-9"):
        repository.update(Order.from_request(entry(), "ord-9", "cid-9", "accepted", T))
    stored.client_order_id = "cid-changed"
    with pytest.raises(ConflictError, match="the client order id cannot change"):
        repository.update(stored)
