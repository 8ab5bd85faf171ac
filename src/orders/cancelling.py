"""A person cancels a working order: a resting limit, stop or trailing stop, or an entry
that has not filled yet.

Only an order the venue is working can be cancelled, and never the stop-loss or the
take-profit protecting a position (close the position instead): an unprotected
position is not something a click should leave behind. An order waiting for
confirmation is rejected, not cancelled; an order whose outcome is still being looked
up (`submitted`) is refused until Binance has answered. The venue withdraws the order
and its events move it (and its bracket) to `cancelled`: at once in paper trading, when
Binance confirms in live trading.
"""

from __future__ import annotations

from collections.abc import Iterable

from scalplab.errors import ConflictError
from scalplab.orders.models import book_id
from scalplab.orders.queue import OrderQueue
from scalplab.orders.types import Order
from scalplab.orders.venue import Venue

CANCELLED_BY_REQUEST = "cancelled by request"


def refusal(order: Order) -> str | None:
    """Why `order` cannot be cancelled by a person (None when it can)."""
    if order.status == "pending_confirmation":
        return f"order {order.id} waits for confirmation: reject it instead"
    if order.status == "submitted":
        return (
            f"order {order.id} was sent and its outcome is being looked up: "
            "try again once it is known"
        )
    if not order.is_open:
        return f"order {order.id} is {order.status}: only a working order can be cancelled"
    if order.parent_id is not None:
        return (
            f"order {order.id} protects the position of order {order.parent_id}: "
            "close the position instead"
        )
    return None


def cancel_working_order(
    venue: Venue, queue: OrderQueue, order_id: str, books: Iterable[str]
) -> Order:
    """Withdraw `order_id` from the venue; the order as it stands afterwards.

    `books` are the books the order may rest in (a person's order names its symbol, and
    a strategy's its book too). `NotFoundError` for an unknown id, `ConflictError` with
    the reason when it cannot be cancelled (see `refusal`) or no venue book works it."""
    order = queue.get(order_id)
    reason = refusal(order)
    if reason is not None:
        raise ConflictError(reason)
    if order.strategy is not None:
        books = [book_id(order.symbol, order.strategy)]
    for book in books:
        if venue.has_book(book) and venue.cancel(book, order.id, CANCELLED_BY_REQUEST):
            return queue.get(order_id)
    raise ConflictError(f"order {order.id} is no longer working at the venue")
