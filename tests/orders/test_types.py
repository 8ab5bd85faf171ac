"""Order requests, orders and symbol-rule validation against REAL Binance rules.

The rules come from the recorded USDT-M exchangeInfo of 2021-07-22
(shared/data/real/rest): BTCUSDT and ETHUSDT both have tick 0.01, step 0.001,
min qty 0.001 and min notional 5 USDT. Every expected reason is the exact
one-line text the API returns as the 4xx detail.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from scalplab.data.symbols import SymbolRules, parse_exchange_info
from scalplab.errors import ConflictError, InputError
from scalplab.orders.rules import validate_order
from scalplab.orders.types import (
    Order,
    OrderRejected,
    OrderRequest,
    opposite,
    order_side,
    round_to_tick,
    to_decimal,
)
from tests.conftest import REAL

D = Decimal


@pytest.fixture(scope="module")
def rules() -> dict[str, SymbolRules]:
    payload = json.loads((REAL / "rest" / "fapi_v1_exchangeInfo_2021-07-22.json").read_text())
    return parse_exchange_info(payload)


@pytest.fixture(scope="module")
def btc(rules: dict[str, SymbolRules]) -> SymbolRules:
    return rules["BTCUSDT"]


@pytest.fixture(scope="module")
def eth(rules: dict[str, SymbolRules]) -> SymbolRules:
    return rules["ETHUSDT"]


BTC_PRICE = 31_845.27  # a BTCUSDT price of July 2021
ETH_PRICE = 1_992.40


def req(**fields: Any) -> OrderRequest:
    base: dict[str, Any] = {"symbol": "BTCUSDT", "side": "buy", "qty": D("0.001")}
    base.update(fields)
    return OrderRequest(**base)


def rejected(request: OrderRequest, rules: SymbolRules, price: float) -> str:
    with pytest.raises(OrderRejected) as caught:
        validate_order(request, rules, price)
    assert caught.value.reason == str(caught.value)
    return caught.value.reason


def test_the_real_rules_are_the_ones_the_cases_assume(btc: SymbolRules, eth: SymbolRules) -> None:
    for rule in (btc, eth):
        assert (rule.tick_size, rule.step_size, rule.min_qty, rule.min_notional) == (
            D("0.01"),
            D("0.001"),
            D("0.001"),
            D("5"),
        )


# ----- valid orders of every type ------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "market"},
        {"type": "limit", "price": D("31800.50")},
        {"type": "stop_market", "stop_price": D("32000")},
        {"type": "stop_limit", "price": D("32010.01"), "stop_price": D("32000.00")},
        {"type": "trailing_stop", "callback_rate_pct": D("0.1")},
        {"type": "trailing_stop", "callback_rate_pct": D("5"), "stop_price": D("32500")},
        {"type": "market", "stop_loss": D("31500.00"), "take_profit": D("32900.00")},
        {"type": "market", "side": "sell", "stop_loss": D("32100"), "take_profit": D("30000")},
        {"type": "market", "qty": D("1000.000")},
        {"type": "limit", "side": "sell", "reduce_only": True, "price": D("33000")},
    ],
)
def test_valid_orders_pass(btc: SymbolRules, fields: dict[str, Any]) -> None:
    validate_order(req(**fields), btc, BTC_PRICE)


# ----- quantity: minimum, step ------------------------------------------------------


def test_qty_not_a_multiple_of_the_step(btc: SymbolRules) -> None:
    reason = rejected(req(qty=D("0.0015")), btc, BTC_PRICE)
    assert reason == "qty 0.0015 is not a multiple of the step size 0.001"


def test_qty_under_the_minimum(btc: SymbolRules) -> None:
    reason = rejected(req(qty=D("0.0005")), btc, BTC_PRICE)
    assert reason == "qty 0.0005 is under the minimum quantity 0.001"


def test_qty_exactly_the_minimum_and_exact_multiples_pass(
    btc: SymbolRules, eth: SymbolRules
) -> None:
    validate_order(req(qty=D("0.001")), btc, BTC_PRICE)  # the minimum itself
    for qty in ("0.003", "0.123", "12.340", "10000"):
        validate_order(req(symbol="ETHUSDT", qty=D(qty)), eth, ETH_PRICE)


def test_qty_float_noise_is_caught_exactly(btc: SymbolRules) -> None:
    # 0.1 + 0.2 as a float is 0.30000000000000004: not on the 0.001 grid
    reason = rejected(req(qty=0.1 + 0.2), btc, BTC_PRICE)
    assert reason == "qty 0.30000000000000004 is not a multiple of the step size 0.001"


# ----- prices on the tick ---------------------------------------------------------------


def test_price_off_the_tick(btc: SymbolRules) -> None:
    reason = rejected(req(type="limit", price=D("31800.005")), btc, BTC_PRICE)
    assert reason == "price 31800.005 is not a multiple of the tick size 0.01"


def test_stop_price_off_the_tick(btc: SymbolRules) -> None:
    reason = rejected(req(type="stop_market", stop_price=D("32000.001")), btc, BTC_PRICE)
    assert reason == "stop_price 32000.001 is not a multiple of the tick size 0.01"


def test_bracket_levels_off_the_tick(btc: SymbolRules) -> None:
    assert (
        rejected(req(stop_loss=D("31500.123")), btc, BTC_PRICE)
        == "stop_loss 31500.123 is not a multiple of the tick size 0.01"
    )
    assert (
        rejected(req(take_profit=D("32999.999")), btc, BTC_PRICE)
        == "take_profit 32999.999 is not a multiple of the tick size 0.01"
    )


# ----- minimum notional ------------------------------------------------------------------


def test_notional_under_the_minimum_on_a_limit(eth: SymbolRules) -> None:
    # 0.002 × 2000.00 = 4 USDT < 5 USDT
    reason = rejected(
        req(symbol="ETHUSDT", type="limit", qty=D("0.002"), price=D("2000.00")), eth, ETH_PRICE
    )
    assert reason == ("notional 4 (qty 0.002 × price 2000.00) is under the minimum notional 5")


def test_notional_exactly_the_minimum_passes(eth: SymbolRules) -> None:
    # 0.002 × 2500 = 5 USDT: allowed
    validate_order(
        req(symbol="ETHUSDT", type="limit", qty=D("0.002"), price=D("2500")), eth, ETH_PRICE
    )


def test_market_notional_is_valued_at_the_reference_price(eth: SymbolRules) -> None:
    # 0.002 × 1992.4 = 3.9848 USDT
    reason = rejected(req(symbol="ETHUSDT", qty=D("0.002")), eth, ETH_PRICE)
    assert reason == ("notional 3.9848 (qty 0.002 × price 1992.4) is under the minimum notional 5")
    validate_order(req(symbol="ETHUSDT", qty=D("0.003")), eth, ETH_PRICE)  # 5.9772


def test_stop_market_notional_uses_the_trigger(btc: SymbolRules) -> None:
    # BTC at 31 845 but a trigger at 4 000: 0.001 × 4000 = 4 < 5
    reason = rejected(req(type="stop_market", stop_price=D("4000")), btc, BTC_PRICE)
    assert reason.startswith("notional 4 (qty 0.001 × price 4000)")


def test_reduce_only_is_exempt_from_the_minimum_notional(eth: SymbolRules) -> None:
    validate_order(
        req(symbol="ETHUSDT", side="sell", qty=D("0.001"), reduce_only=True), eth, ETH_PRICE
    )


# ----- fields per order type ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"type": "limit"}, "a limit order needs a price"),
        ({"type": "stop_limit", "stop_price": D("32000")}, "a stop_limit order needs a price"),
        ({"type": "stop_market"}, "a stop_market order needs a stop_price"),
        ({"type": "stop_limit", "price": D("32000")}, "a stop_limit order needs a stop_price"),
        ({"type": "market", "price": D("32000")}, "a market order takes no price (got 32000)"),
        (
            {"type": "stop_market", "stop_price": D("32000"), "price": D("32001")},
            "a stop_market order takes no price (got 32001)",
        ),
        (
            {"type": "trailing_stop", "callback_rate_pct": D("1"), "price": D("32000")},
            "a trailing_stop order takes no price (got 32000)",
        ),
        (
            {"type": "market", "stop_price": D("32000")},
            "a market order takes no stop_price (got 32000)",
        ),
        (
            {"type": "limit", "price": D("32000"), "stop_price": D("32000")},
            "a limit order takes no stop_price (got 32000)",
        ),
        ({"type": "trailing_stop"}, "a trailing_stop order needs a callback_rate_pct"),
        (
            {"type": "market", "callback_rate_pct": D("1")},
            "a market order takes no callback_rate_pct (got 1)",
        ),
        (
            {"type": "trailing_stop", "callback_rate_pct": D("0.09")},
            "callback_rate_pct 0.09 is outside 0.1..5 %",
        ),
        (
            {"type": "trailing_stop", "callback_rate_pct": D("5.1")},
            "callback_rate_pct 5.1 is outside 0.1..5 %",
        ),
    ],
)
def test_price_fields_per_type(btc: SymbolRules, fields: dict[str, Any], reason: str) -> None:
    assert rejected(req(**fields), btc, BTC_PRICE) == reason


# ----- brackets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"stop_loss": D("31845.27")},
            "stop_loss 31845.27 must be below the entry price 31845.27 for a buy",
        ),
        (
            {"stop_loss": D("32000")},
            "stop_loss 32000 must be below the entry price 31845.27 for a buy",
        ),
        (
            {"take_profit": D("31000")},
            "take_profit 31000 must be above the entry price 31845.27 for a buy",
        ),
        (
            {"side": "sell", "stop_loss": D("31000")},
            "stop_loss 31000 must be above the entry price 31845.27 for a sell",
        ),
        (
            {"side": "sell", "take_profit": D("32000")},
            "take_profit 32000 must be below the entry price 31845.27 for a sell",
        ),
        (
            {"type": "limit", "price": D("30000"), "stop_loss": D("30500")},
            "stop_loss 30500 must be below the entry price 30000 for a buy",
        ),
        (
            {"reduce_only": True, "side": "sell", "stop_loss": D("33000")},
            "a reduce_only order cannot carry a stop_loss/take_profit bracket",
        ),
    ],
)
def test_bracket_rules(btc: SymbolRules, fields: dict[str, Any], reason: str) -> None:
    assert rejected(req(**fields), btc, BTC_PRICE) == reason


def test_trailing_bracket_is_checked_against_the_activation_price(btc: SymbolRules) -> None:
    request = req(
        type="trailing_stop",
        callback_rate_pct=D("1"),
        stop_price=D("30000"),
        stop_loss=D("30500"),
    )
    assert rejected(request, btc, BTC_PRICE) == (
        "stop_loss 30500 must be below the entry price 30000 for a buy"
    )


def test_a_post_only_limit_must_rest(btc: SymbolRules) -> None:
    validate_order(req(type="limit", price=D("31845.2"), post_only=True), btc, BTC_PRICE)
    validate_order(
        req(side="sell", type="limit", price=D("31845.3"), post_only=True), btc, BTC_PRICE
    )
    assert rejected(req(type="limit", price=D("31845.3"), post_only=True), btc, BTC_PRICE) == (
        "post_only buy limit at 31845.3 is at or above the market price 31845.27: "
        "it would take liquidity instead of resting"
    )
    sell = req(side="sell", type="limit", price=D("31800"), post_only=True)
    assert rejected(sell, btc, BTC_PRICE) == (
        "post_only sell limit at 31800 is at or below the market price 31845.27: "
        "it would take liquidity instead of resting"
    )
    # without post_only the same limit is accepted (it fills like a limit)
    validate_order(req(type="limit", price=D("31845.3")), btc, BTC_PRICE)


@pytest.mark.parametrize("kind", ["market", "stop_market"])
def test_post_only_is_for_limit_orders_only(btc: SymbolRules, kind: str) -> None:
    fields: dict[str, Any] = {"type": kind, "post_only": True}
    if kind == "stop_market":
        fields["stop_price"] = D("32000")
    assert rejected(req(**fields), btc, BTC_PRICE) == (
        f"post_only applies to limit orders only, not to a {kind} order"
    )


# ----- unsized orders, symbol, reference price -------------------------------------------


def test_qty_may_be_left_to_risk_sizing_only_with_a_stop_loss(btc: SymbolRules) -> None:
    validate_order(req(qty=None, stop_loss=D("31000")), btc, BTC_PRICE)
    reason = rejected(req(qty=None), btc, BTC_PRICE)
    assert reason == "qty is required (or give a stop_loss to size the entry by risk)"


def test_rules_of_another_symbol(btc: SymbolRules) -> None:
    reason = rejected(req(symbol="ETHUSDT"), btc, ETH_PRICE)
    assert reason == "symbol rules of BTCUSDT do not apply to ETHUSDT"


@pytest.mark.parametrize("price", [0.0, -1.0, float("nan"), float("inf"), True])
def test_unusable_reference_price(btc: SymbolRules, price: float) -> None:
    assert rejected(req(), btc, price).startswith("no usable market price for BTCUSDT")


# ----- request construction -----------------------------------------------------------------


def test_request_normalises_symbol_and_coerces_numbers() -> None:
    request = OrderRequest(
        symbol=" btcusdt",
        side="buy",
        type="limit",
        qty="0.010",  # type: ignore[arg-type]
        price=31800.5,  # type: ignore[arg-type]
        callback_rate_pct=1,  # type: ignore[arg-type]
    )
    assert request.symbol == "BTCUSDT"
    assert request.qty == D("0.010")
    assert request.price == D("31800.5")
    assert request.callback_rate_pct == D("1")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"side": "long"}, "side must be buy or sell, not 'long'"),
        ({"type": "oco"}, "order type must be one of market, limit, stop_market"),
        ({"source": "bot"}, "source must be strategy or manual, not 'bot'"),
        ({"reduce_only": "yes"}, "reduce_only must be true or false"),
        ({"post_only": 1}, "post_only must be true or false, not 1"),
        ({"qty": D("0")}, "qty must be positive, not 0"),
        ({"qty": D("-0.001")}, "qty must be positive, not -0.001"),
        ({"price": "abc"}, "price must be a number, not 'abc'"),
        ({"price": float("nan")}, "price must be a finite number"),
        ({"qty": True}, "qty must be a number, not True"),
        ({"qty": [1]}, r"qty must be a number, not \[1\]"),
        ({"client_order_id": "has space"}, "must be 1-36 characters"),
        ({"signal_time_ms": -5}, "signal_time_ms must be non-negative epoch milliseconds"),
        ({"signal_time_ms": 1.5}, "signal_time_ms must be non-negative epoch milliseconds"),
    ],
)
def test_request_rejects_malformed_fields(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        req(**fields)


def test_bad_symbol_is_an_input_error() -> None:
    with pytest.raises(InputError, match="invalid symbol"):
        req(symbol="BTC USDT")


def test_request_dict_round_trip_and_unknown_fields() -> None:
    request = req(
        type="stop_limit",
        price=D("32010.01"),
        stop_price=D("32000"),
        stop_loss=D("31000"),
        take_profit=D("35000"),
        client_order_id="abc-1",
        source="strategy",
        signal_time_ms=1_626_858_240_000,
        strategy="smc",
    )
    data = request.to_dict()
    assert data["qty"] == "0.001"
    assert data["price"] == "32010.01"
    assert data["callback_rate_pct"] is None
    assert json.loads(json.dumps(data)) == data
    assert OrderRequest.from_dict(data) == request
    with pytest.raises(OrderRejected, match="unknown order field"):
        OrderRequest.from_dict({**data, "leverage": 5})
    with pytest.raises(OrderRejected, match="needs a symbol and a side"):
        OrderRequest.from_dict({"symbol": "BTCUSDT"})


def test_from_signal_carries_the_levels_rounded_when_the_signal_was_decided(
    btc: SymbolRules,
) -> None:
    # The pipeline rounds a signal's levels once, when it is decided; the request carries them.
    stop = round_to_tick(31_500.123456, btc.tick_size)
    take = round_to_tick(32_880.0049, btc.tick_size)
    request = OrderRequest.from_signal(
        "BTCUSDT",
        "long",
        0.137,
        stop,
        take,
        strategy="smc",
        signal_time_ms=1_626_858_240_000,
        client_order_id="sb-x",
    )
    assert request.side == "buy"
    assert request.type == "market"
    assert request.qty == D("0.137")
    assert request.stop_loss == D("31500.12")
    assert request.take_profit == D("32880")
    assert (request.source, request.strategy) == ("strategy", "smc")
    validate_order(request, btc, BTC_PRICE)


def test_round_to_tick_halves_away_from_zero_and_with_helpers() -> None:
    # ARCHITECTURE.md: nearest tick, halves away from zero, in Decimal (of the float's
    # shortest repr: 1992.405 is the decimal 1992.405, an exact half of 0.01).
    assert round_to_tick(1992.405, D("0.01")) == D("1992.41")
    assert round_to_tick(1992.415, D("0.01")) == D("1992.42")
    assert round_to_tick(-1992.405, D("0.01")) == D("-1992.41")  # away from zero, not up
    assert round_to_tick(45.0, D("10")) == D("50")  # not to the even 40
    assert str(round_to_tick(35.0, D("10"))) == "40"
    assert round_to_tick(0.123456, D("0")) == D("0.123456")
    assert req().with_qty(D("0.5")).qty == D("0.5")
    assert req().with_client_order_id("k-1").client_order_id == "k-1"
    assert to_decimal(" 0.5 ", "qty") == D("0.5")


def test_sides() -> None:
    assert order_side("long") == "buy"
    assert order_side("sell") == "sell"
    assert order_side("short") == "sell"
    assert opposite("buy") == "sell"
    assert opposite("sell") == "buy"
    with pytest.raises(OrderRejected):
        order_side("flat")


# ----- Order -----------------------------------------------------------------------------------

T = 1_750_118_400_000  # 2025-06-17T00:00:00Z


def make_order(**fields: Any) -> Order:
    request = req(stop_loss=D("31000"), take_profit=D("35000"), **fields)
    return Order.from_request(request, "ord-1", "cid-1", "accepted", T)


def test_order_carries_the_request() -> None:
    order = make_order(client_order_id="cid-1", strategy="smc", source="strategy")
    assert order.request == req(
        stop_loss=D("31000"),
        take_profit=D("35000"),
        client_order_id="cid-1",
        strategy="smc",
        source="strategy",
    )
    assert order.is_open
    assert order.created_ms == order.updated_ms == T


def test_order_statuses_move_forward_only() -> None:
    order = make_order()
    order.transition("filled", T + 60_000, fill_price=31_850.5)
    assert (order.status, order.fill_price, order.filled_ms) == ("filled", 31_850.5, T + 60_000)
    assert not order.is_open
    with pytest.raises(ConflictError, match="order ord-1 is filled; it cannot become cancelled"):
        order.transition("cancelled", T + 120_000)
    with pytest.raises(ConflictError, match="order ord-1 is already filled"):
        order.transition("filled", T + 120_000, fill_price=1.0)
    assert order.updated_ms == T + 60_000


def test_pending_order_cannot_fill_before_acceptance() -> None:
    order = Order.from_request(req(), "ord-2", "cid-2", "pending_confirmation", T)
    with pytest.raises(ConflictError, match="pending_confirmation; it cannot become filled"):
        order.transition("filled", T, fill_price=100.0)
    order.transition("accepted", T + 1, reason="confirmed")
    assert (order.status, order.reason) == ("accepted", "confirmed")


def test_fill_needs_a_price_and_status_must_exist() -> None:
    order = make_order()
    with pytest.raises(InputError, match="needs a positive price"):
        order.transition("filled", T)
    with pytest.raises(InputError, match="needs a positive price"):
        order.transition("filled", T, fill_price=float("nan"))
    with pytest.raises(InputError, match="unknown order status 'done'"):
        order.transition("done", T)  # type: ignore[arg-type]
    assert order.status == "accepted"


def test_order_dict_round_trip() -> None:
    order = make_order()
    order.children = ["ord-1-sl", "ord-1-tp"]
    order.transition("filled", T + 1500, fill_price=31_846.0)
    data = order.to_dict()
    assert data["created_at"] == "2025-06-17T00:00:00Z"
    assert data["filled_at"] == "2025-06-17T00:00:01.500Z"
    assert data["stop_loss"] == "31000"
    assert json.loads(json.dumps(data)) == data
    assert Order.from_dict(data) == order
    copy = order.copy()
    copy.children.append("x")
    assert order.children == ["ord-1-sl", "ord-1-tp"]


def test_a_post_only_order_keeps_the_flag_through_storage() -> None:
    order = make_order(type="limit", price=D("31800"), post_only=True)
    data = order.to_dict()
    assert data["post_only"] is True
    assert Order.from_dict(data).request.post_only
    stored_before_the_flag = {k: v for k, v in data.items() if k != "post_only"}
    assert Order.from_dict(stored_before_the_flag).post_only is False


def test_malformed_stored_order() -> None:
    with pytest.raises(InputError, match="malformed stored order"):
        Order.from_dict({"id": "x"})
    with pytest.raises(InputError, match="malformed stored order: status 'done' is unknown"):
        Order.from_dict({**make_order().to_dict(), "status": "done"})
    data = make_order().to_dict()
    data["qty"] = "lots"
    with pytest.raises(InputError, match="malformed stored order"):
        Order.from_dict(data)
