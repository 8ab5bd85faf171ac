"""The idempotent order queue and the repository it stores orders in.

Every order carries a client order id: the strategy signal's deterministic id
(`ids.client_order_id`), a manual idempotency key's id (`ids.manual_order_id`),
one the caller set, or — for a manual order without any key — its own fresh id.
`OrderQueue.submit` returns `(order, True)` for a new order and `(existing, False)`
when that client id is already known with the same request (a retry): a later
submission never creates a second order. A known client id with a different
request (symbol, side, type, quantity, prices, flags or bracket) is an
`IdempotencyConflict` naming the differences: the caller reused a key for another
order. A lock makes concurrent submits from threads safe; a repository backed by
a database must also refuse a duplicate client id (`ConflictError`), which `submit`
turns into the same answers, so two processes cannot double an order either.

An entry with a stop-loss and/or take-profit gets bracket children: a
reduce-only `stop_market` at the stop-loss and a reduce-only `limit` at the
take-profit, one-cancels-the-other. An entry with a take-profit ladder (`exits`)
gets one reduce-only `limit` per leg instead, each with its own quantity and price
(client ids `<parent>-tp1`, `-tp2`, ... by the signal's leg number); the legs do not
cancel one another or the stop. Status changes cascade: when a child fills, its open
siblings are cancelled (not when it is one leg of a ladder: the position then closes
leg by leg, and the venue reports what is left); when an entry is cancelled,
rejected or expires, its open children follow. A stop rule moving a stop updates
its trigger (`move_stop`).
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from scalplab.errors import ConflictError, NotFoundError, snippet
from scalplab.limits import check_page
from scalplab.orders.decimals import OrderRejected, text
from scalplab.orders.ids import child_order_id, new_order_id
from scalplab.orders.types import Order, OrderRequest, OrderStatus, opposite

IDEMPOTENT_FIELDS = (
    "symbol",
    "side",
    "type",
    "qty",
    "price",
    "stop_price",
    "callback_rate_pct",
    "reduce_only",
    "post_only",
    "stop_loss",
    "take_profit",
    "exits",
)
"""The request fields a retry must repeat (ids, times and statuses are not compared)."""


class IdempotencyConflict(OrderRejected):
    """A client order id (or idempotency key) already names an order with another request."""


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return text(value)
    return snippet(value, bare=True)


def request_differences(existing: Order, request: OrderRequest) -> list[str]:
    """`qty 0.002 vs 0.003` for each field in which `request` differs from `existing`'s.

    A request without `qty` leaves the quantity to the engine's risk sizing, so it
    does not differ from the quantity the first submission was sized to.
    """
    differences = []
    for name in IDEMPOTENT_FIELDS:
        new = getattr(request, name)
        if name == "qty" and new is None:
            continue
        old = getattr(existing, name)
        if old != new:
            differences.append(f"{name} {_shown(old)} vs {_shown(new)}")
    return differences


def check_resubmission(existing: Order, request: OrderRequest) -> None:
    """Nothing for a retry of `existing`'s request; `IdempotencyConflict` for another order."""
    differences = request_differences(existing, request)
    if differences:
        raise IdempotencyConflict(
            f"client order id {existing.client_order_id} already names order {existing.id}, "
            f"placed with a different request ({', '.join(differences)}): retry with the same "
            "request to get that order, or use a new key for a new order"
        )


class OrderRepository(Protocol):
    """Where orders are stored. Implementations return independent copies.

    `add` must raise `ConflictError` when the id or the client order id exists;
    `update` must raise `NotFoundError` for an unknown id; `list` is newest first
    (by `created_ms`, then insertion), paged by `limit`/`offset`.
    """

    def get(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        ...

    def get_by_client_id(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        ...

    def add(self, order: Order) -> None:
        """Store a new order."""
        ...

    def update(self, order: Order) -> None:
        """Replace the stored order of the same id."""
        ...

    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Order]:
        """A page of orders, newest first."""
        ...

    def open_orders(self) -> builtins.list[Order]:
        """Every order not yet in a final status, oldest first."""
        ...


class MemoryOrderRepository:
    """An in-memory `OrderRepository` (tests, the ephemeral CLI engine); thread-safe."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        self._by_client: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        with self._lock:
            order = self._orders.get(order_id)
            return None if order is None else order.copy()

    def get_by_client_id(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        with self._lock:
            order_id = self._by_client.get(client_order_id)
            return None if order_id is None else self._orders[order_id].copy()

    def add(self, order: Order) -> None:
        """Store a new order; `ConflictError` when its id or client order id exists."""
        with self._lock:
            if order.id in self._orders:
                raise ConflictError(f"order id {order.id} already exists")
            if order.client_order_id in self._by_client:
                raise ConflictError(f"client order id {order.client_order_id} already exists")
            self._orders[order.id] = order.copy()
            self._by_client[order.client_order_id] = order.id

    def update(self, order: Order) -> None:
        """Replace the stored order of the same id; `NotFoundError` when unknown."""
        with self._lock:
            stored = self._orders.get(order.id)
            if stored is None:
                raise NotFoundError(f"no order {order.id}")
            if stored.client_order_id != order.client_order_id:
                raise ConflictError(f"order {order.id}: the client order id cannot change")
            self._orders[order.id] = order.copy()

    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Order]:
        """A page of orders, newest first (ties: the later added first)."""
        with self._lock:
            ordered = sorted(
                enumerate(self._orders.values()),
                key=lambda item: (item[1].created_ms, item[0]),
                reverse=True,
            )
            return [order.copy() for _, order in ordered[offset : offset + limit]]

    def open_orders(self) -> builtins.list[Order]:
        """Every order not yet in a final status, oldest first."""
        with self._lock:
            ordered = sorted(
                enumerate(self._orders.values()), key=lambda item: (item[1].created_ms, item[0])
            )
            return [order.copy() for _, order in ordered if order.is_open]


def bracket_ids(order: Order) -> tuple[str | None, str | None]:
    """The ids of an entry's stop-loss and take-profit children (None where it has none).

    `OrderQueue.submit` creates the stop-loss child first, then the take-profit one.
    """
    children = iter(order.children)
    stop = next(children, None) if order.stop_loss is not None else None
    take_profit = next(children, None) if order.take_profit is not None else None
    return stop, take_profit


def ladder_ids(order: Order) -> tuple[str, ...]:
    """The ids of a laddered entry's take-profit children, leg by leg (nearest first)."""
    return tuple(order.children[1 if order.stop_loss is not None else 0 :])


def cancels_siblings(parent: Order, child: Order) -> bool:
    """Whether a fill of bracket `child` cancels its open siblings (one cancels the
    other): always, except for a take-profit leg of a ladder."""
    return parent.exits is None or not parent.exits.laddered or child.type != "limit"


def exit_child(
    entry: OrderRequest,
    qty: Decimal | None,
    *,
    stop_price: Decimal | None = None,
    price: Decimal | None = None,
) -> OrderRequest:
    """A reduce-only exit of `entry` on the other side, with its source, signal time and
    strategy: a `stop_market` at `stop_price` (the stop-loss) or a `limit` at `price` (a
    take-profit or one leg of a ladder) for `qty`."""
    if (stop_price is None) == (price is None):
        raise ValueError("an exit child has either a stop price or a limit price")
    return OrderRequest(
        symbol=entry.symbol,
        side=opposite(entry.side),
        type="limit" if stop_price is None else "stop_market",
        qty=qty,
        price=price,
        stop_price=stop_price,
        reduce_only=True,
        source=entry.source,
        signal_time_ms=entry.signal_time_ms,
        strategy=entry.strategy,
    )


class OrderQueue:
    """Submits orders idempotently and moves them through their statuses."""

    def __init__(
        self,
        repository: OrderRepository,
        id_factory: Callable[[], str] = new_order_id,
    ) -> None:
        self.repository = repository
        self._new_id = id_factory
        self._lock = threading.RLock()

    # ----- submission ------------------------------------------------------------

    def submit(
        self, request: OrderRequest, now_ms: int, *, awaiting_confirmation: bool = False
    ) -> tuple[Order, bool]:
        """Queue `request`; `(order, True)` if new, `(existing order, False)` if its
        client order id is already known with the same request (`IdempotencyConflict`
        when the request differs: see `check_resubmission`).

        The order starts `accepted`, or `pending_confirmation` when a person must
        confirm it first. Validate the request (`validate_order`) before submitting.
        """
        status: OrderStatus = "pending_confirmation" if awaiting_confirmation else "accepted"
        with self._lock:
            if request.client_order_id is not None:
                existing = self.repository.get_by_client_id(request.client_order_id)
                if existing is not None:
                    check_resubmission(existing, request)
                    return existing, False
            order_id = self._new_id()
            client_id = request.client_order_id or order_id
            order = Order.from_request(request, order_id, client_id, status, now_ms)
            children = self._bracket(order, request, status, now_ms)
            order.children = [child.id for child in children]
            try:
                self.repository.add(order)
            except ConflictError:
                raced = self.repository.get_by_client_id(client_id)
                if raced is None:
                    raise
                check_resubmission(raced, request)
                return raced, False
            for child in children:
                self.repository.add(child)
            return order, True

    def _bracket(
        self, parent: Order, request: OrderRequest, status: OrderStatus, now_ms: int
    ) -> list[Order]:
        """The reduce-only OCO children of an entry with stop-loss / take-profit."""
        if request.reduce_only:
            return []
        legs: list[tuple[str, OrderRequest]] = []
        if request.stop_loss is not None:
            legs.append(("sl", exit_child(request, request.qty, stop_price=request.stop_loss)))
        ladder = request.exits.take_profits if request.exits is not None else ()
        for leg in ladder:
            legs.append((f"tp{leg.number}", exit_child(request, leg.qty, price=leg.price)))
        if request.take_profit is not None and not ladder:
            legs.append(("tp", exit_child(request, request.qty, price=request.take_profit)))
        return [
            Order.from_request(
                leg,
                self._new_id(),
                child_order_id(parent.client_order_id, role),
                status,
                now_ms,
                parent_id=parent.id,
            )
            for role, leg in legs
        ]

    # ----- queries ---------------------------------------------------------------

    def get(self, order_id: str) -> Order:
        """The order with this id; `NotFoundError` when unknown."""
        order = self.repository.get(order_id)
        if order is None:
            raise NotFoundError(f"no order {snippet(order_id)}")
        return order

    def get_by_client_id(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        return self.repository.get_by_client_id(client_order_id)

    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Order]:
        """A page of orders, newest first; `InputError` for a bad page."""
        check_page(limit, offset)
        return self.repository.list(limit, offset)

    # ----- status changes ----------------------------------------------------------

    def accept(self, order_id: str, now_ms: int, reason: str = "") -> Order:
        """A confirmed order (and its pending children) becomes `accepted`."""
        return self._move(order_id, "accepted", now_ms, reason)

    def fill(self, order_id: str, price: float, now_ms: int) -> Order:
        """Mark a fill at `price`; a filled bracket child cancels its open sibling (OCO)."""
        return self._move(order_id, "filled", now_ms, "", price)

    def move_stop(self, order_id: str, stop_price: Decimal, now_ms: int, reason: str) -> Order:
        """A stop rule moved an open stop order's trigger to `stop_price` (`reason`: which)."""
        with self._lock:
            order = self.get(order_id)
            if not order.is_open or order.type != "stop_market":
                raise ConflictError(f"order {order.id} is not an open stop order")
            order.stop_price = stop_price
            order.updated_ms = now_ms
            order.reason = reason
            self.repository.update(order)
            return order

    def cancel(self, order_id: str, now_ms: int, reason: str = "cancelled") -> Order:
        """Cancel an open order and its open children."""
        return self._move(order_id, "cancelled", now_ms, reason)

    def reject(self, order_id: str, now_ms: int, reason: str) -> Order:
        """Reject an open order (and its open children) with a reason."""
        return self._move(order_id, "rejected", now_ms, reason)

    def expire(self, order_id: str, now_ms: int, reason: str = "expired") -> Order:
        """Expire an open order (and its open children)."""
        return self._move(order_id, "expired", now_ms, reason)

    def transition(
        self,
        order_id: str,
        status: OrderStatus,
        now_ms: int,
        reason: str = "",
        fill_price: float | None = None,
    ) -> Order:
        """Move an order to any allowed status (with the cascades above)."""
        return self._move(order_id, status, now_ms, reason, fill_price)

    def _move(
        self,
        order_id: str,
        status: OrderStatus,
        now_ms: int,
        reason: str,
        fill_price: float | None = None,
    ) -> Order:
        with self._lock:
            order = self.get(order_id)
            order.transition(status, now_ms, reason, fill_price)
            self.repository.update(order)
            if status == "filled" and order.parent_id is not None:
                parent = self.repository.get(order.parent_id)
                cascade = parent is not None and cancels_siblings(parent, order)
                siblings = parent.children if parent is not None and cascade else []
                for sibling_id in siblings:
                    if sibling_id != order.id:
                        self._follow(sibling_id, "cancelled", now_ms, f"OCO: {order.id} filled")
            elif status != "filled":
                for child_id in order.children:
                    self._follow(child_id, status, now_ms, f"parent {order.id} {status}")
            return order

    def _follow(self, order_id: str, status: OrderStatus, now_ms: int, reason: str) -> None:
        """Cascade `status` to a related order if it is still open and may take it."""
        related = self.repository.get(order_id)
        if related is None or not related.is_open or related.status == status:
            return
        related.transition(status, now_ms, reason)
        self.repository.update(related)
