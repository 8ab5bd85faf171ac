"""`validate_order`'s maximum quantity, against REAL Binance rules.

The recorded USDT-M exchangeInfo of 2021-07-22 (shared/data/real/rest) gives BCHUSDT
a LOT_SIZE maxQty of 10000 and a MARKET_LOT_SIZE maxQty of 1000 (step 0.001): Binance
refuses a bigger order (-4005), reduce-only ones included.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from scalplab.data.symbols import SymbolRules, parse_exchange_info
from scalplab.orders.rules import validate_order
from scalplab.orders.types import OrderRejected, OrderRequest
from tests.conftest import REAL

D = Decimal
BCH_PRICE = 430.55  # a BCHUSDT price of July 2021


@pytest.fixture(scope="module")
def bch() -> SymbolRules:
    payload = json.loads((REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json").read_text())
    return parse_exchange_info(payload)["BCHUSDT"]


def req(**fields: Any) -> OrderRequest:
    base: dict[str, Any] = {"symbol": "BCHUSDT", "side": "buy"}
    base.update(fields)
    return OrderRequest(**base)


def rejected(request: OrderRequest, rules: SymbolRules) -> str:
    with pytest.raises(OrderRejected) as caught:
        validate_order(request, rules, BCH_PRICE)
    return caught.value.reason


def test_the_real_maxima_are_the_ones_the_cases_assume(bch: SymbolRules) -> None:
    assert (bch.max_qty, bch.market_max_qty, bch.step_size) == (D(10000), D(1000), D("0.001"))


def test_market_orders_are_capped_by_market_lot_size(bch: SymbolRules) -> None:
    validate_order(req(qty=D(1000)), bch, BCH_PRICE)
    assert rejected(req(qty=D("1000.001")), bch) == (
        "qty 1000.001 is over the maximum quantity 1000 of BCHUSDT for market orders"
    )


def test_other_orders_are_capped_by_lot_size(bch: SymbolRules) -> None:
    exits = {"side": "sell", "reduce_only": True}
    limit = {"type": "limit", "price": D("430")}
    validate_order(req(qty=D(10000), **exits, **limit), bch, BCH_PRICE)
    assert rejected(req(qty=D("10000.001"), **exits, **limit), bch) == (
        "qty 10000.001 is over the maximum quantity 10000 of BCHUSDT for limit orders"
    )
    stop = {"type": "stop_market", "stop_price": D("420")}
    validate_order(req(qty=D(5000), **exits, **stop), bch, BCH_PRICE)
    assert rejected(req(qty=D(10001), **exits, **stop), bch) == (
        "qty 10001 is over the maximum quantity 10000 of BCHUSDT for stop_market orders"
    )


def test_an_entry_is_no_bigger_than_a_market_order_can_close(bch: SymbolRules) -> None:
    """LOT_SIZE would take a 5,000 limit, but its stop-loss, take-profit or exit (market
    orders, MARKET_LOT_SIZE 1,000) could not close that position."""
    limit = {"type": "limit", "price": D("430")}
    validate_order(req(qty=D(1000), **limit), bch, BCH_PRICE)
    assert rejected(req(qty=D("1000.001"), **limit), bch) == (
        "qty 1000.001 is over 1000, the largest position of BCHUSDT one market order can "
        "close (its stop-loss, take-profit or exit)"
    )
    assert bch.max_position_qty == D(1000)


def test_reduce_only_orders_are_capped_too(bch: SymbolRules) -> None:
    assert rejected(req(side="sell", qty=D(1001), reduce_only=True), bch) == (
        "qty 1001 is over the maximum quantity 1000 of BCHUSDT for market orders"
    )


def test_the_maximum_is_checked_before_the_step(bch: SymbolRules) -> None:
    assert rejected(req(qty=D("1000.0005")), bch).startswith("qty 1000.0005 is over the maximum")


def test_no_known_maximum_is_no_limit(bch: SymbolRules) -> None:
    unknown = replace(bch, max_qty=None, market_max_qty=None)
    assert unknown.max_position_qty is None
    validate_order(req(qty=D(1_000_000)), unknown, BCH_PRICE)
    validate_order(req(qty=D(1_000_000), type="limit", price=D("430")), unknown, BCH_PRICE)


def test_an_unknown_market_maximum_falls_back_to_lot_size(bch: SymbolRules) -> None:
    no_market = replace(bch, market_max_qty=None)
    validate_order(req(qty=D(10000)), no_market, BCH_PRICE)
    assert rejected(req(qty=D("10000.001")), no_market) == (
        "qty 10000.001 is over the maximum quantity 10000 of BCHUSDT for market orders"
    )
