"""Manual orders through the engine's pipeline, and pending confirmations.

In every mode — paper, and live on Binance when the gate is open — a person's order
takes the same path as a strategy's: symbol rules, risk gate, the idempotent queue and, when
"confirm order execution" is on, the pending-confirmation list. It goes to the book
of one (symbol, strategy) pair: `strategy` names it, and may be left out when a
single pair trades the symbol.
"""

from __future__ import annotations

import builtins
import logging
import threading
from dataclasses import dataclass

from scalplab.errors import InputError
from scalplab.orders.ids import manual_order_id
from scalplab.orders.pending import PendingView
from scalplab.orders.types import Order, OrderRejected, OrderRequest
from scalplab.simulation.engine import SimulationEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submitted:
    """The answer to a submission: the order, and whether this call created it (False:
    a resubmission with the same client order id returned the order already queued)."""

    order: Order
    created: bool


def idempotent_client_id(client_order_id: str | None, idempotency_key: str | None) -> str | None:
    """The client order id that makes a resubmission safe: given, or derived from a key."""
    if idempotency_key is None:
        return client_order_id
    if client_order_id is not None:
        raise InputError(
            "give either client_order_id or an Idempotency-Key header, not both "
            "(each names the order on its own)"
        )
    return manual_order_id(idempotency_key)


class OrderService:
    """Manual orders and pending confirmations, as the queue's `Order` records."""

    def __init__(self, engine: SimulationEngine, live: bool = False) -> None:
        self.engine = engine
        self.live = live
        # makes "was it new?" exact when the same key arrives twice at once
        self._submitting = threading.Lock()

    def submit(
        self,
        request: OrderRequest,
        strategy: str | None = None,
        idempotency_key: str | None = None,
    ) -> Submitted:
        """Submit a person's order to the book of (`request.symbol`, `strategy`).

        `idempotency_key` (e.g. an HTTP `Idempotency-Key`) derives the client order id
        when the request carries none. With the live-trading gate open the engine's venue
        is Binance: the order goes there under its client order id.
        """
        if request.qty is None and request.stop_loss is None and not request.reduce_only:
            # checked here: the pipeline sizes only entries that carry a stop-loss
            raise OrderRejected("qty is required (or give a stop_loss to size the entry by risk)")
        client_id = idempotent_client_id(request.client_order_id, idempotency_key)
        if client_id is not None:
            request = request.with_client_order_id(client_id)
        with self._submitting:
            known = (
                client_id is not None and self.engine.read.order_by_client_id(client_id) is not None
            )
            order = self.engine.submit_order(request, strategy)
        created = not known
        log.info(
            "%s order %s %s: %s %s %s %s",
            "live" if self.live else "paper",
            order.id,
            "created" if created else "resubmitted (existing order returned)",
            order.side,
            order.qty,
            order.symbol,
            order.status,
            extra={"order_id": order.id, "client_order_id": order.client_order_id},
        )
        return Submitted(order, created)

    def list(self, limit: int, offset: int) -> builtins.list[Order]:
        """Orders, newest first."""
        return self.engine.read.orders(limit, offset)

    def get(self, order_id: str) -> Order:
        """One order by id (`NotFoundError` when unknown)."""
        return self.engine.read.order(order_id)

    def pending(self) -> builtins.list[PendingView]:
        """Open confirmations with their countdown (due ones are left out: the engine's
        sweep cancels them)."""
        return self.engine.read.pending(self.engine.config.price_move_warn_pct)

    def confirm(self, pending_id: str) -> Order:
        """Confirm: the order executes (an entry fills at the next bar's open)."""
        order = self.engine.confirm(pending_id)
        log.info(
            "confirmation %s confirmed: order %s %s",
            pending_id,
            order.id,
            order.status,
            extra={"pending_id": pending_id, "order_id": order.id},
        )
        return order

    def reject(self, pending_id: str) -> Order:
        """Reject: the order is dropped and never executed."""
        order = self.engine.reject(pending_id)
        log.info(
            "confirmation %s rejected: order %s %s",
            pending_id,
            order.id,
            order.status,
            extra={"pending_id": pending_id, "order_id": order.id},
        )
        return order

    def cancel(self, order_id: str) -> Order:
        """Cancel a working order: paper trading cancels it at once, Binance when it
        confirms (the order stays `accepted` until then)."""
        order = self.engine.cancel_order(order_id)
        log.info(
            "%s order %s cancel requested: %s",
            "live" if self.live else "paper",
            order.id,
            order.status,
            extra={"order_id": order.id},
        )
        return order
