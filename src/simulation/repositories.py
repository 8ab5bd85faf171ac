"""SQL implementations of the order queue's and the pending list's repositories.

`SqlOrderRepository` (`orders_sim`) and `SqlPendingRepository` (`pending_sim`)
fulfil the Protocols of `scalplab.orders.queue` and `scalplab.orders.pending`. They join
the caller's open `SimStore.transaction()` when there is one (the engine's
state-change transaction), so an order, its confirmation and the engine state
are committed together. Each row keeps the record's full JSON form beside the
indexed columns and reads back through `from_dict`, exactly as it was stored.
"""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select

from scalplab.errors import ConflictError, NotFoundError, snippet
from scalplab.orders.confirm_facts import ConfirmationFacts
from scalplab.orders.pending import Pending
from scalplab.orders.types import Order
from scalplab.simulation.store import SimStore
from scalplab.storage.models_sim import OrderSim, PendingSim


def _moment(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)


class SqlOrderRepository:
    """Orders in `orders_sim`; a duplicate id or client order id is a `ConflictError`."""

    def __init__(self, store: SimStore) -> None:
        self.store = store

    def get(self, order_id: str) -> Order | None:
        """The order with this id, or None."""
        with self.store.transaction() as session:
            row = session.get(OrderSim, order_id)
            return None if row is None else Order.from_dict(row.data)

    def get_by_client_id(self, client_order_id: str) -> Order | None:
        """The order with this client order id, or None."""
        with self.store.transaction() as session:
            row = session.scalar(
                select(OrderSim).where(OrderSim.client_order_id == client_order_id)
            )
            return None if row is None else Order.from_dict(row.data)

    def add(self, order: Order) -> None:
        """Store a new order."""
        with self.store.transaction() as session:
            clash = session.execute(
                select(OrderSim.id).where(
                    or_(OrderSim.id == order.id, OrderSim.client_order_id == order.client_order_id)
                )
            ).first()
            if clash is not None and clash.id == order.id:
                raise ConflictError(f"order id {order.id} already exists")
            if clash is not None:
                raise ConflictError(f"client order id {order.client_order_id} already exists")
            last = session.scalar(select(func.max(OrderSim.seq)))
            session.execute(
                insert(OrderSim).values(
                    id=order.id,
                    seq=(last or 0) + 1,
                    client_order_id=order.client_order_id,
                    symbol=order.symbol,
                    status=order.status,
                    source=order.source,
                    created_ms=order.created_ms,
                    updated_ms=order.updated_ms,
                    data=order.to_dict(),
                )
            )

    def update(self, order: Order) -> None:
        """Replace the stored order of the same id."""
        with self.store.transaction() as session:
            row = session.get(OrderSim, order.id)
            if row is None:
                raise NotFoundError(f"no order {order.id}")
            if row.client_order_id != order.client_order_id:
                raise ConflictError(f"order {order.id}: the client order id cannot change")
            row.status = order.status
            row.updated_ms = order.updated_ms
            row.data = order.to_dict()
            session.flush()

    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Order]:
        """A page of orders, newest first."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(OrderSim)
                .order_by(OrderSim.created_ms.desc(), OrderSim.seq.desc())
                .limit(limit)
                .offset(offset)
            )
            return [Order.from_dict(row.data) for row in rows]

    def open_orders(self) -> builtins.list[Order]:
        """Every order not yet in a final status, oldest first."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(OrderSim)
                .where(OrderSim.status.in_(("pending_confirmation", "accepted", "submitted")))
                .order_by(OrderSim.created_ms, OrderSim.seq)
            )
            return [Order.from_dict(row.data) for row in rows]


def _pending_data(pending: Pending) -> dict[str, Any]:
    return {
        "id": pending.id,
        "order": pending.order.to_dict(),
        "created_at": pending.created_at,
        "expires_at": pending.expires_at,
        "status": pending.status,
        "resolved_at": pending.resolved_at,
        "facts": None if pending.facts is None else pending.facts.to_dict(),
    }


def _pending_from(data: dict[str, Any]) -> Pending:
    return Pending(
        id=str(data["id"]),
        order=Order.from_dict(data["order"]),
        created_at=float(data["created_at"]),
        expires_at=float(data["expires_at"]),
        status=data["status"],
        resolved_at=None if data["resolved_at"] is None else float(data["resolved_at"]),
        facts=None if data.get("facts") is None else ConfirmationFacts.from_dict(data["facts"]),
    )


class SqlPendingRepository:
    """Confirmations in `pending_sim`."""

    def __init__(self, store: SimStore) -> None:
        self.store = store

    def get(self, pending_id: str) -> Pending | None:
        """The confirmation with this id, or None."""
        with self.store.transaction() as session:
            row = session.get(PendingSim, pending_id)
            return None if row is None else _pending_from(row.data)

    def add(self, pending: Pending) -> None:
        """Store a new confirmation; `ConflictError` when the id exists."""
        with self.store.transaction() as session:
            if session.get(PendingSim, pending.id) is not None:
                raise ConflictError(f"confirmation {pending.id} already exists")
            session.add(
                PendingSim(
                    id=pending.id,
                    order_id=pending.order.id,
                    status=pending.status,
                    created_at=_moment(pending.created_at),
                    expires_at=_moment(pending.expires_at),
                    data=_pending_data(pending),
                )
            )
            session.flush()

    def update(self, pending: Pending) -> None:
        """Replace the stored confirmation; `NotFoundError` when unknown."""
        with self.store.transaction() as session:
            row = session.get(PendingSim, pending.id)
            if row is None:
                raise NotFoundError(f"no pending confirmation {snippet(pending.id)}")
            row.status = pending.status
            row.expires_at = _moment(pending.expires_at)
            row.data = _pending_data(pending)
            session.flush()

    def list_open(self) -> builtins.list[Pending]:
        """Every open confirmation, oldest first."""
        with self.store.transaction() as session:
            rows = session.scalars(
                select(PendingSim)
                .where(PendingSim.status == "open")
                .order_by(PendingSim.created_at, PendingSim.id)
            )
            return [_pending_from(row.data) for row in rows]
