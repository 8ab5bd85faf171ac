"""The `/orders` actions: manual orders through the engine's queue, and confirmations.

In simulation mode (the only mode this release executes) an order takes the
same path as a strategy's: symbol rules, risk gate, the idempotent queue and,
when "confirm order execution" is on, the pending-confirmation list.
"""

from __future__ import annotations

import builtins
import logging
import threading
from decimal import Decimal
from typing import Any, Literal

from scalplab.errors import ConflictError, InputError
from scalplab.orders.ids import manual_order_id
from scalplab.orders.types import OrderRequest, OrderSide, OrderType
from scalplab.simulation.engine import SimulationEngine

log = logging.getLogger(__name__)


def idempotent_client_id(client_order_id: str | None, idempotency_key: str | None) -> str | None:
    """The client order id that makes a resubmission safe: given, or derived from the header."""
    if idempotency_key is None:
        return client_order_id
    if client_order_id is not None:
        raise InputError(
            "give either client_order_id or an Idempotency-Key header, not both "
            "(each names the order on its own)"
        )
    return manual_order_id(idempotency_key)


class OrderService:
    """Manual orders and pending confirmations, as JSON-ready dicts."""

    def __init__(self, engine: SimulationEngine, live: bool = False) -> None:
        self.engine = engine
        self.live = live
        # makes "was it new?" exact when the same key arrives twice at once
        self._submitting = threading.Lock()

    def create(
        self,
        *,
        symbol: str,
        side: Literal["buy", "sell"],
        type: Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"],
        qty: Decimal,
        price: Decimal | None = None,
        stop_price: Decimal | None = None,
        callback_rate_pct: Decimal | None = None,
        reduce_only: bool = False,
        stop_loss: Decimal | None = None,
        take_profit: Decimal | None = None,
        client_order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Submit an order; `(order, True)` when created, `(the same order, False)` on a retry.

        With the live-trading gate open (`/status/health` says live) an order is
        refused rather than paper-traded: nobody may believe a paper fill is real.
        """
        if self.live:
            raise ConflictError(
                "live order execution is not available in this release and orders are never "
                "paper-traded while TRADING_MODE=live is in force: set TRADING_MODE=simulation "
                "to paper-trade"
            )
        client_id = idempotent_client_id(client_order_id, idempotency_key)
        order_side: OrderSide = side
        order_type: OrderType = type
        request = OrderRequest(
            symbol=symbol,
            side=order_side,
            type=order_type,
            qty=qty,
            price=price,
            stop_price=stop_price,
            callback_rate_pct=callback_rate_pct,
            reduce_only=reduce_only,
            stop_loss=stop_loss,
            take_profit=take_profit,
            client_order_id=client_id,
            source="manual",
        )
        with self._submitting:
            known = (
                client_id is not None and self.engine.orders.get_by_client_id(client_id) is not None
            )
            order = self.engine.submit_order(request)
        created = not known
        log.info(
            "order %s %s: %s %s %s %s",
            order.id,
            "created" if created else "resubmitted (existing order returned)",
            order.side,
            order.qty,
            order.symbol,
            order.status,
            extra={"order_id": order.id, "client_order_id": order.client_order_id},
        )
        return order.to_dict(), created

    def list(self, limit: int, offset: int) -> list[dict[str, Any]]:
        """Orders, newest first."""
        return [order.to_dict() for order in self.engine.orders_list(limit, offset)]

    def get(self, order_id: str) -> dict[str, Any]:
        """One order by id (`NotFoundError` when unknown)."""
        return self.engine.orders.get(order_id).to_dict()

    def pending(self) -> builtins.list[dict[str, Any]]:
        """Open confirmations with their countdown (expired ones are cancelled first)."""
        return [view.to_dict() for view in self.engine.pending()]

    def confirm(self, pending_id: str) -> dict[str, Any]:
        """Confirm: the order executes (an entry fills at the next bar's open)."""
        order = self.engine.confirm(pending_id)
        log.info(
            "confirmation %s confirmed: order %s %s",
            pending_id,
            order.id,
            order.status,
            extra={"pending_id": pending_id, "order_id": order.id},
        )
        return order.to_dict()

    def reject(self, pending_id: str) -> dict[str, Any]:
        """Reject: the order is dropped and never executed."""
        order = self.engine.reject(pending_id)
        log.info(
            "confirmation %s rejected: order %s %s",
            pending_id,
            order.id,
            order.status,
            extra={"pending_id": pending_id, "order_id": order.id},
        )
        return order.to_dict()
