"""The confirmation stage of the order pipeline: queued orders waiting for a person.

`Confirmations` pairs the pending-confirmation list (`scalplab.orders.pending`, TTL on
wall time) with what the pipeline must remember about each waiting order: its book
and the bar time it was decided on (for the overtrading breaker once confirmed).
Whether confirmation is required is read at each order (`required`), so switching it
from the dashboard applies to the next signal. Each resolution is reported as
`ConfirmationResolved` with the fate the order's signal takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scalplab.errors import ConflictError, DataError
from scalplab.orders.confirm_facts import ConfirmationFacts
from scalplab.orders.models import SignalFate
from scalplab.orders.outcomes import ConfirmationResolved, Outcome
from scalplab.orders.pending import Pending, PendingConfirmations, pending_id
from scalplab.orders.types import Order


@dataclass(frozen=True, slots=True)
class WaitingOrder:
    """An order waiting for a person: which book, decided at which bar time."""

    order: Order
    book: str
    time_ms: int


class Confirmations:
    """Orders waiting for confirmation, by order id."""

    def __init__(
        self,
        pending: PendingConfirmations,
        required: Callable[[], bool],
        listener: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.pending = pending
        self.required = required
        self.listener = listener
        self._waiting: dict[str, tuple[str, int]] = {}

    def ask(
        self, order: Order, book: str, time_ms: int, facts: ConfirmationFacts | None = None
    ) -> Pending:
        """Put a `pending_confirmation` order on the list (`facts`: its figures)."""
        entry = self.pending.add(order, facts)
        self._waiting[order.id] = (book, time_ms)
        return entry

    def waiting(self, book: str) -> bool:
        """Whether an order of `book` waits for a person."""
        return any(waiting_book == book for waiting_book, _ in self._waiting.values())

    def book_of(self, order_id: str) -> str | None:
        """The book of a waiting order, or None."""
        known = self._waiting.get(order_id)
        return None if known is None else known[0]

    def waiting_books(self) -> set[str]:
        """The books with an order waiting for a person."""
        return {book for book, _ in self._waiting.values()}

    def open(self, pending_id_: str) -> WaitingOrder:
        """An open confirmation and its book (`NotFoundError`/`ConflictError` otherwise)."""
        entry = self.pending.get(pending_id_)
        if entry.status != "open":
            raise ConflictError(f"confirmation {pending_id_} was already {entry.status}")
        known = self._waiting.get(entry.order.id)
        if known is None:
            raise ConflictError(f"confirmation {pending_id_} has no order to execute")
        book, time_ms = known
        return WaitingOrder(entry.order, book, time_ms)

    def confirm(self, pending_id_: str) -> Order:
        """The person confirms: the order is `accepted`."""
        order = self.pending.confirm(pending_id_)
        self._resolved(order, "accepted", "confirmed")
        return order

    def reject(self, pending_id_: str, reason: str) -> Order:
        """The person rejects: the order is `rejected` and never executes."""
        order = self.pending.reject(pending_id_, reason)
        self._resolved(order, "rejected", order.reason)
        return order

    def expire_due(self) -> int:
        """Expire every confirmation whose time-to-live ran out; how many."""
        if not self._waiting:
            return 0
        expired = self.pending.expire_due()
        for entry in expired:
            self._resolved(entry.order, "expired", entry.order.reason)
        return len(expired)

    def cancel_book(self, book: str, reason: str) -> int:
        """Withdraw the open confirmations of `book`; how many."""
        ids = [order_id for order_id, (owner, _) in self._waiting.items() if owner == book]
        for order_id in ids:
            order = self.pending.cancel(pending_id(order_id), reason)
            self._resolved(order, "cancelled", reason)
        return len(ids)

    def _resolved(self, order: Order, fate: SignalFate, reason: str) -> None:
        self._waiting.pop(order.id, None)
        if self.listener is not None:
            entry = self.pending.get(pending_id(order.id))
            self.listener(ConfirmationResolved(order, entry, fate, reason))

    # ----- persistence ---------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """The waiting orders as JSON (the confirmations themselves are stored rows)."""
        return {order_id: [book, time_ms] for order_id, (book, time_ms) in self._waiting.items()}

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from `state()` (`DataError` when it is malformed)."""
        try:
            self._waiting = {
                str(order_id): (str(value[0]), int(value[1])) for order_id, value in state.items()
            }
        except (TypeError, ValueError, IndexError, AttributeError) as exc:
            raise DataError(f"malformed confirmation state: {exc}") from None
