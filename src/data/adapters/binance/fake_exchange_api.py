"""The fake venue's trading endpoints: which paths it serves, with which security and
weight, and what each answers (Binance USDT-M's documented shapes and errors).

Served: `/fapi/v1/time`; orders (`POST/GET/DELETE /fapi/v1/order`, `GET openOrders`,
`DELETE allOpenOrders`); conditional orders (`POST/GET/DELETE /fapi/v1/algoOrder`,
`GET openAlgoOrders`, `DELETE algoOpenOrders`); the account (`GET /fapi/v3/positionRisk`,
`GET /fapi/v1/userTrades`, `GET /fapi/v3/balance`, `GET /fapi/v1/symbolConfig`,
`GET/POST /fapi/v1/positionSide/dual`, `POST /fapi/v1/marginType`,
`POST /fapi/v1/leverage`) and the user stream's listenKey (`POST/PUT/DELETE
/fapi/v1/listenKey`, API key only). Authentication, order limits and faults are the
venue's (`fake_exchange`); this module turns verified parameters into typed requests and
the venue's records into answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scalplab.data.adapters.binance.fake_accounts import Account
from scalplab.data.adapters.binance.fake_matching import Matching, OrderRequest, mandatory
from scalplab.data.adapters.binance.fake_records import (
    algo_json,
    algo_placed_json,
    order_json,
    trade_json,
)
from scalplab.data.adapters.binance.fake_rules import VenueError
from scalplab.data.adapters.binance.fake_triggers import AlgoBook, AlgoRequest
from scalplab.data.adapters.binance.fake_user_stream import UserStreams

SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
DECIMAL_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}
SUCCESS = {"code": 200, "msg": "success"}


@dataclass(frozen=True, slots=True)
class Route:
    """A served endpoint: `security` NONE, USER_STREAM (API key) or SIGNED; its weight;
    whether it places an order (counted in the order limits)."""

    security: str
    weight: int
    places_order: bool = False


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/fapi/v1/time"): Route("NONE", 1),
    ("POST", "/fapi/v1/order"): Route("SIGNED", 0, places_order=True),
    ("GET", "/fapi/v1/order"): Route("SIGNED", 1),
    ("DELETE", "/fapi/v1/order"): Route("SIGNED", 1),
    ("GET", "/fapi/v1/openOrders"): Route("SIGNED", 1),
    ("DELETE", "/fapi/v1/allOpenOrders"): Route("SIGNED", 1),
    ("POST", "/fapi/v1/algoOrder"): Route("SIGNED", 0, places_order=True),
    ("GET", "/fapi/v1/algoOrder"): Route("SIGNED", 1),
    ("DELETE", "/fapi/v1/algoOrder"): Route("SIGNED", 1),
    ("GET", "/fapi/v1/openAlgoOrders"): Route("SIGNED", 1),
    ("DELETE", "/fapi/v1/algoOpenOrders"): Route("SIGNED", 1),
    ("GET", "/fapi/v3/positionRisk"): Route("SIGNED", 5),
    ("GET", "/fapi/v1/userTrades"): Route("SIGNED", 5),
    ("GET", "/fapi/v3/balance"): Route("SIGNED", 5),
    ("GET", "/fapi/v1/symbolConfig"): Route("SIGNED", 5),
    ("GET", "/fapi/v1/positionSide/dual"): Route("SIGNED", 30),
    ("POST", "/fapi/v1/positionSide/dual"): Route("SIGNED", 1),
    ("POST", "/fapi/v1/marginType"): Route("SIGNED", 1),
    ("POST", "/fapi/v1/leverage"): Route("SIGNED", 1),
    ("POST", "/fapi/v1/listenKey"): Route("USER_STREAM", 1),
    ("PUT", "/fapi/v1/listenKey"): Route("USER_STREAM", 1),
    ("DELETE", "/fapi/v1/listenKey"): Route("USER_STREAM", 1),
}
"""(method, path) → the endpoint."""
PATHS = frozenset(path for _, path in ROUTES)


def request_weight(method: str, path: str, params: Mapping[str, str]) -> int:
    """The documented weight of one request (open orders of every symbol cost 40)."""
    route = ROUTES[(method, path)]
    if path in ("/fapi/v1/openOrders", "/fapi/v1/openAlgoOrders") and "symbol" not in params:
        return 40
    return route.weight


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value not in (None, "") else None


def _required(params: Mapping[str, str], name: str) -> str:
    value = _text(params, name)
    if value is None:
        raise mandatory(name)
    return value


def _decimal(params: Mapping[str, str], name: str) -> Decimal | None:
    value = _text(params, name)
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise VenueError(
            -1100, f"Illegal characters found in parameter '{name}'; legal range is "
            f"'{DECIMAL_RANGE}'.",
        )  # fmt: skip
    return number


def _int(params: Mapping[str, str], name: str) -> int | None:
    value = _text(params, name)
    if value is None:
        return None
    if not value.lstrip("-").isdigit():
        raise VenueError(-1100, f"Illegal characters found in parameter '{name}'.")
    return int(value)


def _bool(params: Mapping[str, str], name: str) -> bool:
    value = (_text(params, name) or "false").lower()
    if value not in ("true", "false"):
        raise VenueError(-1130, f"Data sent for parameter '{name}' is not valid.")
    return value == "true"


def _side(params: Mapping[str, str]) -> str:
    side = _required(params, "side")
    if side not in ("BUY", "SELL"):
        raise VenueError(-1117, "Invalid side.")
    return side


class TradingApi:
    """Answers the trading endpoints from the venue's account, books and user streams
    (called under the venue's lock)."""

    def __init__(
        self,
        account: Account,
        matching: Matching,
        algos: AlgoBook,
        streams: UserStreams,
        clock: Callable[[], int],
    ) -> None:
        self.account = account
        self.matching = matching
        self.algos = algos
        self.streams = streams
        self.clock = clock
        self.handlers: dict[tuple[str, str], Callable[[Mapping[str, str]], object]] = {
            ("GET", "/fapi/v1/time"): lambda p: {"serverTime": self.clock()},
            ("POST", "/fapi/v1/order"): self.new_order,
            ("GET", "/fapi/v1/order"): self.query_order,
            ("DELETE", "/fapi/v1/order"): self.cancel_order,
            ("GET", "/fapi/v1/openOrders"): self.open_orders,
            ("DELETE", "/fapi/v1/allOpenOrders"): self.cancel_all,
            ("POST", "/fapi/v1/algoOrder"): self.new_algo,
            ("GET", "/fapi/v1/algoOrder"): self.query_algo,
            ("DELETE", "/fapi/v1/algoOrder"): self.cancel_algo,
            ("GET", "/fapi/v1/openAlgoOrders"): self.open_algos,
            ("DELETE", "/fapi/v1/algoOpenOrders"): self.cancel_all_algos,
            ("GET", "/fapi/v3/positionRisk"): self.position_risk,
            ("GET", "/fapi/v1/userTrades"): self.user_trades,
            ("GET", "/fapi/v3/balance"): self.balance,
            ("GET", "/fapi/v1/symbolConfig"): self.symbol_config,
            ("GET", "/fapi/v1/positionSide/dual"): self.position_mode,
            ("POST", "/fapi/v1/positionSide/dual"): self.change_position_mode,
            ("POST", "/fapi/v1/marginType"): self.change_margin_type,
            ("POST", "/fapi/v1/leverage"): self.change_leverage,
            ("POST", "/fapi/v1/listenKey"): lambda p: {"listenKey": self.streams.create()},
            ("PUT", "/fapi/v1/listenKey"): self.keepalive,
            ("DELETE", "/fapi/v1/listenKey"): self.close_stream,
        }

    def dispatch(self, method: str, path: str, params: Mapping[str, str]) -> object:
        """The answer of a verified request (VenueError: Binance's refusal)."""
        return self.handlers[(method, path)](params)

    # ----- orders ---------------------------------------------------------------------

    def new_order(self, params: Mapping[str, str]) -> object:
        """`POST /fapi/v1/order`: the order as accepted (ACK) or as it ended (RESULT)."""
        quantity = _decimal(params, "quantity")
        if quantity is None:
            raise mandatory("quantity")
        request = OrderRequest(
            symbol=_required(params, "symbol"),
            side=_side(params),
            type=_required(params, "type"),
            quantity=quantity,
            price=_decimal(params, "price"),
            time_in_force=_text(params, "timeInForce"),
            reduce_only=_bool(params, "reduceOnly"),
            position_side=_text(params, "positionSide"),
            client_order_id=_text(params, "newClientOrderId"),
            good_till_ms=_int(params, "goodTillDate") or 0,
        )
        accepted, final = self.matching.place(request)
        result = _text(params, "newOrderRespType") == "RESULT"
        return order_json(final if result else accepted, placement=True)

    def _order_ids(self, params: Mapping[str, str]) -> tuple[str, int | None, str | None]:
        return (
            _required(params, "symbol"),
            _int(params, "orderId"),
            _text(params, "origClientOrderId"),
        )

    def query_order(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/order` by `orderId` or `origClientOrderId`."""
        return order_json(self.matching.find(*self._order_ids(params)))

    def cancel_order(self, params: Mapping[str, str]) -> object:
        """`DELETE /fapi/v1/order`."""
        return order_json(self.matching.cancel(*self._order_ids(params)), placement=True)

    def open_orders(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/openOrders` (one symbol, or all)."""
        symbol = _text(params, "symbol")
        orders = self.matching.open.values()
        return [order_json(o) for o in orders if symbol in (None, o.symbol)]

    def cancel_all(self, params: Mapping[str, str]) -> object:
        """`DELETE /fapi/v1/allOpenOrders`."""
        self.matching.cancel_all(_required(params, "symbol"))
        return DONE

    # ----- conditional orders -----------------------------------------------------------

    def new_algo(self, params: Mapping[str, str]) -> object:
        """`POST /fapi/v1/algoOrder` (`algoType=CONDITIONAL` only)."""
        algo_type = _required(params, "algoType")
        if algo_type != "CONDITIONAL":
            raise VenueError(-1130, "Data sent for parameter 'algoType' is not valid.")
        activate = _decimal(params, "activatePrice") or _decimal(params, "activationPrice")
        request = AlgoRequest(
            symbol=_required(params, "symbol"),
            side=_side(params),
            order_type=_required(params, "type"),
            quantity=_decimal(params, "quantity"),
            trigger_price=_decimal(params, "triggerPrice"),
            price=_decimal(params, "price"),
            time_in_force=_text(params, "timeInForce"),
            working_type=_text(params, "workingType"),
            close_position=_bool(params, "closePosition"),
            reduce_only=_bool(params, "reduceOnly"),
            price_protect=_bool(params, "priceProtect"),
            position_side=_text(params, "positionSide"),
            activate_price=activate,
            callback_rate=_decimal(params, "callbackRate"),
            client_algo_id=_text(params, "clientAlgoId"),
            good_till_ms=_int(params, "goodTillDate") or 0,
        )
        return algo_placed_json(self.algos.place(request))

    def query_algo(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/algoOrder` by `algoId` or `clientAlgoId`."""
        algo = self.algos.find(_int(params, "algoId"), _text(params, "clientAlgoId"))
        return algo_json(algo)

    def cancel_algo(self, params: Mapping[str, str]) -> object:
        """`DELETE /fapi/v1/algoOrder` (until it triggered)."""
        algo = self.algos.cancel(_int(params, "algoId"), _text(params, "clientAlgoId"))
        return {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200",
                "msg": "success"}  # fmt: skip

    def open_algos(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/openAlgoOrders` (one symbol, or all)."""
        symbol = _text(params, "symbol")
        algos = self.algos.open.values()
        return [algo_json(a, query=False) for a in algos if symbol in (None, a.symbol)]

    def cancel_all_algos(self, params: Mapping[str, str]) -> object:
        """`DELETE /fapi/v1/algoOpenOrders`."""
        self.algos.cancel_all(_required(params, "symbol"))
        return DONE

    # ----- the account ------------------------------------------------------------------

    def position_risk(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v3/positionRisk`: sides with a position or open orders."""
        symbol = _text(params, "symbol")
        keys = {k for k, p in self.account.positions.items() if p.amount != 0}
        keys |= {(o.symbol, o.position_side) for o in self.matching.open.values()}
        rows = sorted(k for k in keys if symbol in (None, k[0]))
        return self.account.position_risk(
            rows, self.matching.margin_by_position(), self.matching.notional_by_side()
        )

    def user_trades(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/userTrades`: from `fromId`, in a time window, or the latest."""
        symbol = _required(params, "symbol")
        order_id, from_id = _int(params, "orderId"), _int(params, "fromId")
        start, end = _int(params, "startTime"), _int(params, "endTime")
        limit = _int(params, "limit") or 500
        if not 1 <= limit <= 1000:
            raise VenueError(-1130, "Data sent for parameter 'limit' is not valid.")
        if from_id is not None and (start is not None or end is not None):
            raise VenueError(-1128, "Combination of optional parameters invalid.")
        rows = [t for t in self.matching.trades
                if t.symbol == symbol and order_id in (None, t.order_id)]  # fmt: skip
        if from_id is not None:
            chosen = [t for t in rows if t.trade_id >= from_id][:limit]
        elif start is not None or end is not None:
            low = start if start is not None else (end or 0) - SEVEN_DAYS_MS
            high = end if end is not None else low + SEVEN_DAYS_MS
            if high - low > SEVEN_DAYS_MS:
                raise VenueError(-1127, "More than 7 days between startTime and endTime.")
            chosen = [t for t in rows if low <= t.time_ms <= high][:limit]
        else:
            since = self.clock() - SEVEN_DAYS_MS
            chosen = [t for t in rows if t.time_ms >= since][-limit:]
        return [trade_json(t) for t in chosen]

    def balance(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v3/balance`."""
        return self.account.balances(self.matching.order_margin(), self.clock())

    def symbol_config(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/symbolConfig`: leverage and margin type per symbol."""
        symbol = _text(params, "symbol")
        if symbol is not None:
            self.matching.rules_for(symbol)
            return self.account.symbol_config([symbol])
        return self.account.symbol_config(sorted(self.matching.rules.rules))

    def position_mode(self, params: Mapping[str, str]) -> object:
        """`GET /fapi/v1/positionSide/dual`."""
        return {"dualSidePosition": self.account.hedge_mode}

    def change_position_mode(self, params: Mapping[str, str]) -> object:
        """`POST /fapi/v1/positionSide/dual` (only while flat and without orders)."""
        _required(params, "dualSidePosition")
        hedge = _bool(params, "dualSidePosition")
        if hedge == self.account.hedge_mode:
            raise VenueError(-4059, "No need to change position side.")
        if self.account.has_position():
            raise VenueError(-4068, "Position side cannot be changed if there exists position.")
        if self.matching.open or self.algos.open:
            raise VenueError(-4067, "Position side cannot be changed if there exists open orders.")
        self.account.hedge_mode = hedge
        return SUCCESS

    def change_margin_type(self, params: Mapping[str, str]) -> object:
        """`POST /fapi/v1/marginType` (-4046 when unchanged)."""
        symbol = _required(params, "symbol")
        wanted = _required(params, "marginType").upper()
        if wanted not in ("ISOLATED", "CROSSED"):
            raise VenueError(-1130, "Data sent for parameter 'marginType' is not valid.")
        self.matching.rules_for(symbol)
        if wanted == self.account.margin_type(symbol):
            raise VenueError(-4046, "No need to change margin type.")
        if self.account.has_position(symbol):
            raise VenueError(-4048, "Margin type cannot be changed if there exists position.")
        if any(o.symbol == symbol for o in self.matching.open.values()):
            raise VenueError(-4047, "Margin type cannot be changed if there exists open orders.")
        self.account.margin_types[symbol] = wanted
        return SUCCESS

    def change_leverage(self, params: Mapping[str, str]) -> object:
        """`POST /fapi/v1/leverage` (1 to 125)."""
        symbol = _required(params, "symbol")
        leverage = _int(params, "leverage")
        if leverage is None:
            raise mandatory("leverage")
        if not 1 <= leverage <= 125:
            raise VenueError(-4028, f"Leverage {leverage} is not valid")
        self.matching.rules_for(symbol)
        self.account.leverages[symbol] = leverage
        return {"leverage": leverage, "maxNotionalValue": "1000000", "symbol": symbol}

    # ----- the user stream --------------------------------------------------------------

    def keepalive(self, params: Mapping[str, str]) -> object:
        """`PUT /fapi/v1/listenKey` (-1125 without an active key)."""
        key = self.streams.keepalive(_text(params, "listenKey"))
        if key is None:
            raise VenueError(-1125, "This listenKey does not exist.")
        return {"listenKey": key}

    def close_stream(self, params: Mapping[str, str]) -> object:
        """`DELETE /fapi/v1/listenKey`."""
        self.streams.close()
        return {}
