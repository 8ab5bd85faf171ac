"""Which orders a person may cancel, and why not the others."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.orders.cancelling import refusal
from scalplab.orders.types import Order, OrderRequest, OrderStatus

T = 1_750_118_400_000
LIMIT = OrderRequest(
    symbol="BTCUSDT", side="buy", type="limit", qty=Decimal("0.01"), price=Decimal("100000")
)


def order(status: OrderStatus, parent_id: str | None = None) -> Order:
    return Order.from_request(LIMIT, "ord-1", "cid-1", status, T, parent_id=parent_id)


def test_a_working_order_can_be_cancelled() -> None:
    assert refusal(order("accepted")) is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("pending_confirmation", "order ord-1 waits for confirmation: reject it instead"),
        (
            "submitted",
            "order ord-1 was sent and its outcome is being looked up: try again once it is known",
        ),
        ("filled", "order ord-1 is filled: only a working order can be cancelled"),
        ("cancelled", "order ord-1 is cancelled: only a working order can be cancelled"),
        ("rejected", "order ord-1 is rejected: only a working order can be cancelled"),
        ("expired", "order ord-1 is expired: only a working order can be cancelled"),
    ],
)
def test_orders_that_are_not_working_are_refused(status: OrderStatus, reason: str) -> None:
    assert refusal(order(status)) == reason


def test_the_protection_of_a_position_is_refused() -> None:
    assert refusal(order("accepted", parent_id="ord-0")) == (
        "order ord-1 protects the position of order ord-0: close the position instead"
    )
