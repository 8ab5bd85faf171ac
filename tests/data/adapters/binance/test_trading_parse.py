"""REST answers of the trading endpoints → records: the REAL recorded `userTrades`, and
Binance's documented shapes elsewhere (`documented_trading`; no real recording exists)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.trading_parse import (
    parse_account_trades,
    parse_algo_orders,
    parse_order,
    parse_positions,
)
from tests.data.adapters.binance import documented_trading as documented
from tests.data.adapters.binance.signed_server import ACCOUNT_TRADES


def test_recorded_account_trades_are_typed() -> None:
    rows = json.loads(ACCOUNT_TRADES.read_text())
    trades = parse_account_trades(rows)
    assert [(t.trade_id, t.order_id, t.side, t.price, t.qty, t.realized_pnl, t.commission,
             t.time_ms, t.maker) for t in trades] == [
        (82357626, 831238666, "SELL", Decimal("2778.35"), Decimal("0.005"), Decimal(0),
         Decimal("0.00555670"), 1645930322371, False),
        (82357629, 831238690, "BUY", Decimal("2779"), Decimal("0.005"),
         Decimal("-0.00325000"), Decimal("0.00555800"), 1645930333910, False),
    ]  # fmt: skip


def test_position_leverage_and_margin_type_from_v3_and_v2_answers() -> None:
    [cross] = parse_positions(documented.POSITION_RISK)
    assert (cross.leverage, cross.margin_type) == (20, "cross")  # notional / initial margin
    isolated = {**documented.POSITION_RISK[0], "isolatedWallet": "0.61", "positionAmt": "-30"}
    flat = {**documented.POSITION_RISK[0], "positionAmt": "0", "notional": "0",
            "positionInitialMargin": "0"}  # fmt: skip
    v2 = {**documented.POSITION_RISK[0], "leverage": "7", "marginType": "isolated"}
    found = parse_positions([isolated, flat, v2])
    assert [(p.position_amt, p.leverage, p.margin_type) for p in found] == [
        (Decimal(-30), 20, "isolated"),
        (Decimal(0), 0, ""),
        (Decimal(30), 7, "isolated"),
    ]


def test_open_algo_orders_come_as_a_list_or_under_orders() -> None:
    algo = documented.algo_answer({"clientAlgoId": "e-1-sl", "type": "STOP_MARKET",
                                   "symbol": "ETHUSDT", "side": "SELL",
                                   "triggerPrice": "2400", "closePosition": "true"},
                                  11, 1)  # fmt: skip
    assert parse_algo_orders([algo]) == parse_algo_orders({"orders": [algo]})
    [order] = parse_algo_orders([algo])
    assert (order.client_algo_id, order.close_position, order.actual_order_id) == (
        "e-1-sl", True, "")  # fmt: skip


def test_a_malformed_order_names_the_missing_field() -> None:
    with pytest.raises(MessageError, match="malformed order: missing orderId"):
        parse_order({"symbol": "ETHUSDT"})
