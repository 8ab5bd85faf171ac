"""Manual orders through the services: per book, idempotent, risk-sized, refused when live.

Books are driven by hand through `SimulationEngine.attach` on the REAL sample's BTCUSDT
15m bars (see conftest), so each test decides what happens on which bar.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalplab.errors import ConflictError, InputError, NotFoundError
from scalplab.orders.models import Bar
from scalplab.orders.types import OrderRequest
from scalplab.services.context import Services
from scalplab.services.orders import idempotent_client_id
from tests.services.conftest import step, two_books


def test_a_manual_order_names_its_book_when_a_symbol_has_several(
    services: Services, bars: list[Bar]
) -> None:
    sma, smc = two_books(services, bars)
    buy = OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002"))
    with pytest.raises(ConflictError) as several:
        services.orders.submit(buy)
    assert several.value.message == (
        "BTCUSDT is traded by several strategies (sma_cross, smc): name one"
    )
    with pytest.raises(NotFoundError, match="BTCUSDT is not traded by 'nope'"):
        services.orders.submit(buy, "nope")
    first = services.orders.submit(buy, "smc", idempotency_key="click-1")
    again = services.orders.submit(buy, "smc", idempotency_key="click-1")
    assert (first.created, again.created) == (True, False)
    assert again.order.id == first.order.id and first.order.status == "accepted"
    assert services.orders.get(first.order.id).strategy is None  # a person's order
    assert [o.id for o in services.orders.list(10, 0) if o.parent_id is None] == [first.order.id]
    step(sma, bars[20])
    step(smc, bars[20])
    [position] = services.simulation.positions()
    assert (position.symbol, position.strategy, position.qty) == ("BTCUSDT", "smc", 0.002)


def test_a_risk_sized_entry_needs_no_qty(services: Services, bars: list[Bar]) -> None:
    two_books(services, bars)
    with pytest.raises(InputError, match="qty is required"):
        services.orders.submit(OrderRequest("BTCUSDT", "buy"), "sma_cross")
    stop = Decimal(str(round(bars[19].close * 0.99, 1)))
    sized = services.orders.submit(
        OrderRequest("BTCUSDT", "buy", stop_loss=stop, take_profit=stop * 2), "sma_cross"
    )
    assert sized.order.qty is not None and sized.order.qty > 0


def test_confirmations_are_listed_and_resolved(services: Services, bars: list[Bar]) -> None:
    services.runtime_settings.update({"confirm_orders": True})
    two_books(services, bars)
    waiting = services.orders.submit(OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002")), "smc")
    assert waiting.order.status == "pending_confirmation"
    [pending] = services.orders.pending()
    assert pending.pending.order.id == waiting.order.id and pending.seconds_left > 0
    assert services.orders.reject(pending.pending.id).status == "rejected"
    assert services.orders.pending() == []
    again = services.orders.submit(OrderRequest("BTCUSDT", "buy", qty=Decimal("0.002")), "smc")
    [pending] = services.orders.pending()
    assert services.orders.confirm(pending.pending.id).id == again.order.id


def test_an_idempotency_key_and_a_client_order_id_exclude_each_other() -> None:
    assert idempotent_client_id("mine", None) == "mine"
    assert idempotent_client_id(None, "key").startswith("m-")  # type: ignore[union-attr]
    with pytest.raises(InputError, match="give either client_order_id or an Idempotency-Key"):
        idempotent_client_id("mine", "key")
