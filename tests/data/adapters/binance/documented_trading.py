"""Binance trading answers and user-data events that have NO real recording here, built
from Binance's documented shapes (USDⓈ-M futures: "New Order", "New Algo Order", "Cancel
Algo Order", "Position Information V3", "Futures Account Balance V3", "Event: Order
Update", "Event: Balance and Position Update", "Event: User Data Stream Expired").

`shared/data/real/user_data` holds real `ALGO_UPDATE`, `TRADE_LITE` and `userTrades`
payloads only; every field below has the documentation's name and type, and the values
are the documentation's examples, or the recorded ETHUSDT fill written in this shape.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

Row = dict[str, Any]


def order_answer(params: dict[str, str], order_id: int, now_ms: int, fill: Decimal) -> Row:
    """`POST /fapi/v1/order` with `newOrderRespType=RESULT`: a market order filled at
    `fill`, a limit order resting (NEW)."""
    market = params["type"] == "MARKET"
    qty = params["quantity"]
    return {
        "clientOrderId": params["newClientOrderId"], "cumQty": qty if market else "0",
        "cumQuote": str(Decimal(qty) * fill) if market else "0",
        "executedQty": qty if market else "0", "orderId": order_id,
        "avgPrice": str(fill) if market else "0.00000", "origQty": qty,
        "price": params.get("price", "0"), "reduceOnly": params.get("reduceOnly") == "true",
        "side": params["side"], "positionSide": "BOTH",
        "status": "FILLED" if market else "NEW", "stopPrice": "0", "closePosition": False,
        "symbol": params["symbol"], "timeInForce": params.get("timeInForce", "GTC"),
        "type": params["type"], "origType": params["type"], "updateTime": now_ms,
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "priceMatch": "NONE",
        "selfTradePreventionMode": "NONE", "goodTillDate": 0,
    }  # fmt: skip


def algo_answer(params: dict[str, str], algo_id: int, now_ms: int) -> Row:
    """`POST /fapi/v1/algoOrder` (documented response)."""
    return {
        "algoId": algo_id, "clientAlgoId": params["clientAlgoId"], "algoType": "CONDITIONAL",
        "orderType": params["type"], "symbol": params["symbol"], "side": params["side"],
        "positionSide": "BOTH", "timeInForce": "GTC", "quantity": params.get("quantity", "0"),
        "algoStatus": "NEW", "triggerPrice": params.get("triggerPrice", "0"),
        "price": params.get("price", "0"), "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": params.get("workingType", "CONTRACT_PRICE"), "priceMatch": "NONE",
        "closePosition": params.get("closePosition") == "true", "priceProtect": False,
        "reduceOnly": params.get("reduceOnly") == "true",
        "activatePrice": params.get("activatePrice", ""),
        "callbackRate": params.get("callbackRate", ""), "createTime": now_ms,
        "updateTime": now_ms, "triggerTime": 0, "goodTillDate": 0,
    }  # fmt: skip


def algo_cancel_answer(algo: Row) -> Row:
    """`DELETE /fapi/v1/algoOrder` answers only the ids (documented response)."""
    return {"algoId": algo["algoId"], "clientAlgoId": algo["clientAlgoId"], "code": "200",
            "msg": "success"}  # fmt: skip


POSITION_RISK: list[Row] = [
    {"symbol": "ADAUSDT", "positionSide": "BOTH", "positionAmt": "30", "entryPrice": "0.385",
     "breakEvenPrice": "0.385077", "markPrice": "0.41047590", "unRealizedProfit": "0.76427700",
     "liquidationPrice": "0", "isolatedMargin": "0", "notional": "12.31427700",
     "marginAsset": "USDT", "isolatedWallet": "0", "initialMargin": "0.61571385",
     "maintMargin": "0.08004280", "positionInitialMargin": "0.61571385",
     "openOrderInitialMargin": "0", "adl": 2, "bidNotional": "0", "askNotional": "0",
     "updateTime": 1720736417660},
]  # fmt: skip
"""`/fapi/v3/positionRisk`, one-way mode (documented example: 20× cross)."""

BALANCES: list[Row] = [
    {"accountAlias": "SgsR", "asset": "USDT", "balance": "122607.35137903",
     "crossWalletBalance": "23.72469206", "crossUnPnl": "0.00000000",
     "availableBalance": "23.72469206", "maxWithdrawAmount": "23.72469206",
     "marginAvailable": True, "updateTime": 1617939110373},
]  # fmt: skip
"""`/fapi/v3/balance` (documented example)."""

ORDER_TRADE_UPDATE_NEW = json.dumps({
    "e": "ORDER_TRADE_UPDATE", "E": 1568879465651, "T": 1568879465650,
    "o": {"s": "BTCUSDT", "c": "TEST", "S": "SELL", "o": "TRAILING_STOP_MARKET", "f": "GTC",
          "q": "0.001", "p": "0", "ap": "0", "sp": "7103.04", "x": "NEW", "X": "NEW",
          "i": 8886774, "l": "0", "z": "0", "L": "0", "N": "USDT", "n": "0",
          "T": 1568879465650, "t": 0, "b": "0", "a": "9.91", "m": False, "R": False,
          "wt": "CONTRACT_PRICE", "ot": "TRAILING_STOP_MARKET", "ps": "LONG", "cp": False,
          "AP": "7476.89", "cr": "5.0", "pP": False, "si": 0, "ss": 0, "rp": "0",
          "V": "EXPIRE_TAKER", "pm": "OPPONENT", "gtd": 0},
})  # fmt: skip
"""`ORDER_TRADE_UPDATE`, the documented example (a new trailing stop)."""

ORDER_TRADE_UPDATE_FILL = json.dumps({
    "e": "ORDER_TRADE_UPDATE", "E": 1645930322375, "T": 1645930322371,
    "o": {"s": "ETHUSDT", "c": "e-42-entry", "S": "SELL", "o": "MARKET", "f": "GTC",
          "q": "0.005", "p": "0", "ap": "2778.35", "sp": "0", "x": "TRADE", "X": "FILLED",
          "i": 831238666, "l": "0.005", "z": "0.005", "L": "2778.35", "N": "USDT",
          "n": "0.00555670", "T": 1645930322371, "t": 82357626, "b": "0", "a": "0",
          "m": False, "R": False, "wt": "CONTRACT_PRICE", "ot": "MARKET", "ps": "BOTH",
          "cp": False, "pP": False, "si": 0, "ss": 0, "rp": "0", "V": "EXPIRE_TAKER",
          "pm": "NONE", "gtd": 0},
})  # fmt: skip
"""The first recorded ETHUSDT fill (`userTrades` id 82357626) as its order update."""

ACCOUNT_UPDATE = json.dumps({
    "e": "ACCOUNT_UPDATE", "E": 1564745798939, "T": 1564745798938,
    "a": {"m": "ORDER",
          "B": [{"a": "USDT", "wb": "122624.12345678", "cw": "100.12345678",
                 "bc": "50.12345678"},
                {"a": "BUSD", "wb": "1.00000000", "cw": "0.00000000", "bc": "-49.12345678"}],
          "P": [{"s": "BTCUSDT", "pa": "0", "ep": "0.00000", "bep": "0", "cr": "200",
                 "up": "0", "mt": "isolated", "iw": "0.00000000", "ps": "BOTH"},
                {"s": "BTCUSDT", "pa": "20", "ep": "6563.66500", "bep": "0", "cr": "0",
                 "up": "2850.21200", "mt": "isolated", "iw": "13200.70726908", "ps": "LONG"}]},
})  # fmt: skip
"""`ACCOUNT_UPDATE`, the documented example (two of its positions)."""


def listen_key_expired(listen_key: str, event_ms: int = 1736996475556) -> str:
    """`listenKeyExpired` as documented (its `E` is a string there)."""
    return json.dumps({"e": "listenKeyExpired", "E": str(event_ms), "listenKey": listen_key})
