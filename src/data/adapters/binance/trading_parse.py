"""Answers of Binance USDT-M's signed trading endpoints turned into typed records.

`/fapi/v1/order` (placement, query, cancel), `/fapi/v1/algoOrder`,
`/fapi/v1/openAlgoOrders`, `/fapi/v3/positionRisk`, `/fapi/v1/userTrades` and
`/fapi/v3/balance` answers become `trading_schemas` records. Anything that is not
what Binance documents is a one-line `MessageError`.

`/fapi/v3/positionRisk` no longer carries `leverage` and `marginType` (v2 did): when they
are absent, the margin type is `isolated` for a position with an isolated wallet,
`cross` for an open position without one, `''` for a flat one (unknowable there); the
leverage is the notional over the position's initial margin, 0 when flat.
"""

from __future__ import annotations

from decimal import Decimal

from scalplab.data.adapters.binance.json_fields import Fields, rows_of
from scalplab.data.adapters.binance.trading_schemas import (
    AccountTrade,
    AlgoOrder,
    Balance,
    ExchangeOrder,
    PositionRisk,
)

ZERO = Decimal(0)


def parse_order(payload: object) -> ExchangeOrder:
    """One `/fapi/v1/order` answer (placement with `newOrderRespType=RESULT`, query or
    cancel)."""
    return _order(Fields(payload, "order"))


def parse_orders(payload: object) -> list[ExchangeOrder]:
    """A `/fapi/v1/openOrders` answer."""
    return [_order(row) for row in rows_of(payload, "openOrders")]


def parse_algo_order(payload: object) -> AlgoOrder:
    """One `/fapi/v1/algoOrder` answer (placement or query)."""
    return _algo(Fields(payload, "algoOrder"))


def parse_algo_orders(payload: object) -> list[AlgoOrder]:
    """A `/fapi/v1/openAlgoOrders` answer (a list, or an object holding `orders`)."""
    if isinstance(payload, dict) and "orders" in payload:
        payload = payload["orders"]
    return [_algo(row) for row in rows_of(payload, "openAlgoOrders")]


def parse_positions(payload: object) -> list[PositionRisk]:
    """A `/fapi/v3/positionRisk` answer."""
    return [_position(row) for row in rows_of(payload, "positionRisk")]


def parse_account_trades(payload: object) -> list[AccountTrade]:
    """A `/fapi/v1/userTrades` answer, oldest first as Binance sends it."""
    return [_trade(row) for row in rows_of(payload, "userTrades")]


def parse_balances(payload: object) -> list[Balance]:
    """A `/fapi/v3/balance` answer."""
    return [_balance(row) for row in rows_of(payload, "balance")]


def _order(f: Fields) -> ExchangeOrder:
    return ExchangeOrder(
        symbol=f.text("symbol"),
        order_id=f.integer("orderId"),
        client_order_id=f.text("clientOrderId"),
        side=f.side(),
        type=f.text("type"),
        status=f.text("status"),
        orig_qty=f.decimal("origQty"),
        executed_qty=f.decimal("executedQty", ZERO),
        avg_price=f.decimal("avgPrice", ZERO),
        price=f.decimal("price", ZERO),
        reduce_only=f.flag("reduceOnly", False),
        time_in_force=f.text("timeInForce", ""),
        update_time_ms=f.integer("updateTime", 0),
    )


def _algo(f: Fields) -> AlgoOrder:
    return AlgoOrder(
        algo_id=f.integer("algoId"),
        client_algo_id=f.text("clientAlgoId"),
        symbol=f.text("symbol"),
        side=f.side(),
        order_type=f.text("orderType"),
        algo_status=f.text("algoStatus"),
        trigger_price=f.decimal("triggerPrice", ZERO),
        quantity=f.decimal("quantity", ZERO),
        close_position=f.flag("closePosition", False),
        reduce_only=f.flag("reduceOnly", False),
        actual_order_id=f.text("actualOrderId", ""),
        update_time_ms=f.integer("updateTime", 0),
    )


def _position(f: Fields) -> PositionRisk:
    amount = f.decimal("positionAmt")
    isolated_wallet = f.decimal("isolatedWallet", ZERO) or f.decimal("isolatedMargin", ZERO)
    if "marginType" in f.data:
        margin_type = f.text("marginType").lower()
    elif isolated_wallet:
        margin_type = "isolated"
    else:
        margin_type = "cross" if amount else ""
    if "leverage" in f.data:
        leverage = f.integer("leverage")
    else:
        margin = f.decimal("positionInitialMargin", ZERO)
        notional = abs(f.decimal("notional", ZERO))
        leverage = int((notional / margin).to_integral_value()) if margin and notional else 0
    return PositionRisk(
        symbol=f.text("symbol"),
        position_amt=amount,
        entry_price=f.decimal("entryPrice", ZERO),
        mark_price=f.decimal("markPrice", ZERO),
        unrealized_pnl=f.decimal("unRealizedProfit", ZERO),
        liquidation_price=f.decimal("liquidationPrice", ZERO),
        leverage=leverage,
        margin_type=margin_type,
        update_time_ms=f.integer("updateTime", 0),
    )


def _trade(f: Fields) -> AccountTrade:
    return AccountTrade(
        symbol=f.text("symbol"),
        trade_id=f.integer("id"),
        order_id=f.integer("orderId"),
        side=f.side(),
        price=f.decimal("price"),
        qty=f.decimal("qty"),
        realized_pnl=f.decimal("realizedPnl", ZERO),
        commission=f.decimal("commission", ZERO),
        commission_asset=f.text("commissionAsset", ""),
        time_ms=f.integer("time"),
        maker=f.flag("maker", False),
    )


def _balance(f: Fields) -> Balance:
    return Balance(
        asset=f.text("asset"),
        wallet_balance=f.decimal("balance"),
        available_balance=f.decimal("availableBalance", ZERO),
        unrealized_pnl=f.decimal("crossUnPnl", ZERO),
    )
