"""The fake venue's records — orders, conditional (algo) orders, fills — and how Binance
writes them: REST answers (`/fapi/v1/order`, `/fapi/v1/algoOrder`, `/fapi/v1/userTrades`)
and the user-data events `ORDER_TRADE_UPDATE` and `ALGO_UPDATE`.

The shapes follow Binance's documentation of USDT-M futures and the real recordings of an
`ALGO_UPDATE` lifecycle (`shared/data/real/user_data`): a triggered conditional order
places an order carrying the algo order's client id (`c` = `caid`), whose id is the
algo update's `ai`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scalplab.data.adapters.binance.fake_rules import ZERO, exact, money, plain

Json = dict[str, Any]
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
OPEN_ALGO_STATUSES = frozenset({"NEW", "TRIGGERING"})
CONDITIONAL_TYPES = frozenset(
    {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
)
STP_MODE = "EXPIRE_MAKER"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One user-data event as sent on the wire (`payload`: its JSON text); `fill` marks
    the events of a fill (the ones a stream dropped "during a fill" loses)."""

    name: str
    payload: str
    fill: bool = False


@dataclass
class FakeOrder:
    """An order of `/fapi/v1/order` (placed by a client, or by a triggered algo order)."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    """MARKET or LIMIT (what the matching engine works)."""
    time_in_force: str
    quantity: Decimal
    price: Decimal
    reduce_only: bool
    position_side: str
    time_ms: int
    orig_type: str = ""
    stop_price: Decimal = ZERO
    close_position: bool = False
    algo_id: int | None = None
    """The conditional order whose trigger placed it."""
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_ms: int = 0
    good_till_ms: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed

    @property
    def avg_price(self) -> Decimal:
        return exact(self.cum_quote / self.executed) if self.executed else ZERO


@dataclass
class FakeAlgoOrder:
    """A conditional order of `/fapi/v1/algoOrder` (`algoType=CONDITIONAL`)."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    order_type: str
    position_side: str
    time_in_force: str
    quantity: Decimal
    trigger_price: Decimal
    price: Decimal
    working_type: str
    close_position: bool
    price_protect: bool
    reduce_only: bool
    create_ms: int
    activate_price: Decimal | None = None
    callback_rate: Decimal | None = None
    status: str = "NEW"
    update_ms: int = 0
    trigger_ms: int = 0
    actual_order_id: int | None = None
    actual_type: str = ""
    avg_price: Decimal = ZERO
    filled_qty: Decimal = ZERO
    reason: str = ""
    extreme: Decimal | None = None
    """A trailing stop's best price since it activated (None: not active yet)."""
    good_till_ms: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALGO_STATUSES


@dataclass
class FakeTrade:
    """One fill of the account (a row of `/fapi/v1/userTrades`)."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    realized_pnl: Decimal
    commission: Decimal
    maker: bool
    position_side: str
    time_ms: int
    asset: str = "USDT"


@dataclass
class Counters:
    """The venue's id sequences (ids look like Binance's, and never repeat)."""

    order: int = 8_389_765_000
    algo: int = 1_000_000_033_000_000
    trade: int = 4_467_432_000

    def next_order(self) -> int:
        self.order += 1
        return self.order

    def next_algo(self) -> int:
        self.algo += 1
        return self.algo

    def next_trade(self) -> int:
        self.trade += 1
        return self.trade


def order_json(order: FakeOrder, placement: bool = False) -> Json:
    """The REST shape of an order: a placement or cancel answer (`placement`, with
    `cumQty`) or a query / open-orders row (with `time`)."""
    answer: Json = {
        "avgPrice": plain(order.avg_price),
        "clientOrderId": order.client_order_id,
        "cumQuote": money(order.cum_quote),
        "executedQty": plain(order.executed),
        "orderId": order.order_id,
        "origQty": plain(order.quantity),
        "origType": order.orig_type or order.type,
        "price": plain(order.price),
        "reduceOnly": order.reduce_only,
        "side": order.side,
        "positionSide": order.position_side,
        "status": order.status,
        "stopPrice": plain(order.stop_price),
        "closePosition": order.close_position,
        "symbol": order.symbol,
        "timeInForce": order.time_in_force,
        "type": order.type,
        "updateTime": order.update_ms,
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "priceMatch": "NONE",
        "selfTradePreventionMode": STP_MODE,
        "goodTillDate": order.good_till_ms,
    }
    if placement:
        answer["cumQty"] = plain(order.executed)
    else:
        answer["time"] = order.time_ms
    return answer


def order_event(
    order: FakeOrder, execution: str, event_ms: int, trade: FakeTrade | None = None
) -> StreamEvent:
    """`ORDER_TRADE_UPDATE` for an order that changed (`execution`: NEW, TRADE, CANCELED,
    EXPIRED)."""
    when = trade.time_ms if trade is not None else order.update_ms
    body: Json = {
        "s": order.symbol,
        "c": order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force,
        "q": plain(order.quantity),
        "p": plain(order.price),
        "ap": plain(order.avg_price),
        "sp": plain(order.stop_price),
        "x": execution,
        "X": order.status,
        "i": order.order_id,
        "l": plain(trade.qty) if trade else "0",
        "z": plain(order.executed),
        "L": plain(trade.price) if trade else "0",
        "N": trade.asset if trade else "USDT",
        "n": money(trade.commission) if trade else "0",
        "T": when,
        "t": trade.trade_id if trade else 0,
        "b": "0",
        "a": "0",
        "m": trade.maker if trade else False,
        "R": order.reduce_only,
        "wt": "CONTRACT_PRICE",
        "ot": order.orig_type or order.type,
        "ps": order.position_side,
        "cp": order.close_position,
        "pP": False,
        "si": 0,
        "ss": 0,
        "rp": money(trade.realized_pnl) if trade else "0",
        "V": STP_MODE,
        "pm": "NONE",
        "gtd": order.good_till_ms,
    }
    event = {"e": "ORDER_TRADE_UPDATE", "E": event_ms, "T": when, "o": body}
    return StreamEvent("ORDER_TRADE_UPDATE", _dumps(event), fill=trade is not None)


def _algo_common(algo: FakeAlgoOrder) -> Json:
    return {
        "algoId": algo.algo_id,
        "clientAlgoId": algo.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": algo.order_type,
        "symbol": algo.symbol,
        "side": algo.side,
        "positionSide": algo.position_side,
        "timeInForce": algo.time_in_force,
        "quantity": plain(algo.quantity),
        "algoStatus": algo.status,
    }


def _algo_tail(algo: FakeAlgoOrder) -> Json:
    return {
        "selfTradePreventionMode": STP_MODE,
        "workingType": algo.working_type,
        "priceMatch": "NONE",
        "closePosition": algo.close_position,
        "priceProtect": algo.price_protect,
        "reduceOnly": algo.reduce_only,
    }


def _times(algo: FakeAlgoOrder) -> Json:
    return {
        "createTime": algo.create_ms,
        "updateTime": algo.update_ms,
        "triggerTime": algo.trigger_ms,
        "goodTillDate": algo.good_till_ms,
    }


def algo_placed_json(algo: FakeAlgoOrder) -> Json:
    """The answer of `POST /fapi/v1/algoOrder`."""
    return {
        **_algo_common(algo),
        "triggerPrice": plain(algo.trigger_price),
        "price": plain(algo.price),
        "icebergQuantity": None,
        **_algo_tail(algo),
        "activatePrice": plain(algo.activate_price) if algo.activate_price is not None else "",
        "callbackRate": plain(algo.callback_rate) if algo.callback_rate is not None else "",
        **_times(algo),
    }


def algo_json(algo: FakeAlgoOrder, query: bool = True) -> Json:
    """A conditional order as `GET /fapi/v1/algoOrder` (`query`) or a row of
    `GET /fapi/v1/openAlgoOrders` writes it."""
    actual = {
        "actualOrderId": str(algo.actual_order_id) if algo.actual_order_id else "",
        "actualPrice": plain(algo.avg_price),
    }
    if query:
        actual.update({"actualType": algo.actual_type, "actualQty": plain(algo.filled_qty)})
    answer: Json = {
        **_algo_common(algo),
        **actual,
        "triggerPrice": plain(algo.trigger_price),
        "price": plain(algo.price),
        "icebergQuantity": None,
    }
    if not query:
        answer.update({"tpTriggerPrice": "0", "tpPrice": "0", "slTriggerPrice": "0",
                       "slPrice": "0"})  # fmt: skip
    answer["tpOrderType"] = ""
    answer.update(_algo_tail(algo))
    answer.update(_times(algo))
    return answer


def algo_event(algo: FakeAlgoOrder, event_ms: int, transact_ms: int) -> StreamEvent:
    """`ALGO_UPDATE` for a conditional order that moved, in the recorded shape: `ai`, `ap`,
    `aq` and `act` once it reached the matching engine (TRIGGERED and after), `rm` with
    the reason of a rejection or expiry."""
    body: Json = {
        "caid": algo.client_algo_id,
        "aid": algo.algo_id,
        "at": "CONDITIONAL",
        "o": algo.order_type,
        "s": algo.symbol,
        "S": algo.side,
        "ps": algo.position_side,
        "f": algo.time_in_force,
        "q": plain(algo.quantity),
        "X": algo.status,
        "ai": str(algo.actual_order_id) if algo.actual_order_id else "",
    }
    if algo.actual_order_id:
        body.update({"ap": plain(algo.avg_price), "aq": plain(algo.filled_qty),
                     "act": algo.actual_type})  # fmt: skip
    body.update({
        "tp": plain(algo.trigger_price),
        "p": plain(algo.price),
        "V": STP_MODE,
        "wt": algo.working_type,
        "pm": "NONE",
        "cp": algo.close_position,
        "pP": algo.price_protect,
        "R": algo.reduce_only,
        "tt": algo.trigger_ms,
        "gtd": algo.good_till_ms,
    })  # fmt: skip
    if algo.reason:
        body["rm"] = algo.reason
    event = {"e": "ALGO_UPDATE", "T": transact_ms, "E": event_ms, "o": body}
    return StreamEvent("ALGO_UPDATE", _dumps(event), fill=algo.status == "FINISHED")


def trade_json(trade: FakeTrade) -> Json:
    """A row of `GET /fapi/v1/userTrades`."""
    return {
        "symbol": trade.symbol,
        "id": trade.trade_id,
        "orderId": trade.order_id,
        "side": trade.side,
        "price": plain(trade.price),
        "qty": plain(trade.qty),
        "realizedPnl": money(trade.realized_pnl),
        "marginAsset": trade.asset,
        "quoteQty": money(trade.price * trade.qty),
        "commission": money(trade.commission),
        "commissionAsset": trade.asset,
        "time": trade.time_ms,
        "positionSide": trade.position_side,
        "buyer": trade.side == "BUY",
        "maker": trade.maker,
    }


def _dumps(event: Json) -> str:
    return json.dumps(event, separators=(",", ":"))
