"""Binance USDT-M live trading over signed REST (the execution client of the adapter).

`BinanceTradingClient` places entries on `POST /fapi/v1/order` (market, limit, post-only
`GTX`, with `newClientOrderId`) and stop-losses, take-profits and trailing stops as
conditional algo orders on `POST /fapi/v1/algoOrder` (`algoType=CONDITIONAL`,
`clientAlgoId`; Binance refuses them on `/fapi/v1/order` since December 2025, -4120). It
looks orders up and cancels them by client id, lists open orders, open algo orders,
positions, fills and balances, checks the position mode, sets isolated margin and the
leverage, and manages the user-data stream's listenKey. Every answer is a typed record
(`trading_schemas`).

The transport (`signed_rest.SignedRest`) signs every request and decides what may be
retried: an order placement whose outcome is unknown is never sent again here, it
raises `OutcomeUnknown` and the caller looks it up by its client id; refusals are
`BinanceRejected` with the reason in words (`order_errors`). Placements pass through
the account's `OrderRateLimiter`, every request counts its documented weight in the
`WeightBudget` shared with the market-data client of the same base URL. Inputs are
checked before anything is sent (an `InputError` sends nothing).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from scalplab.data.adapters.binance.json_fields import Fields
from scalplab.data.adapters.binance.order_errors import (
    MARGIN_TYPE_UNCHANGED,
    NO_SUCH_ORDER,
    UNKNOWN_ORDER,
    OutcomeUnknown,
)
from scalplab.data.adapters.binance.order_limits import OrderLimitStats, OrderRateLimiter
from scalplab.data.adapters.binance.rest_health import RestHealth, health_of
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.adapters.binance.signed_rest import Credentials, Request, SignedRest
from scalplab.data.adapters.binance.trading_parse import (
    parse_account_trades,
    parse_algo_order,
    parse_algo_orders,
    parse_balances,
    parse_order,
    parse_orders,
    parse_positions,
)
from scalplab.data.adapters.binance.trading_schemas import (
    AccountTrade,
    AlgoOrder,
    AlgoType,
    Balance,
    EntryType,
    ExchangeOrder,
    ExchangeSide,
    PositionRisk,
)
from scalplab.data.adapters.binance.weight import WeightBudget, budget_for
from scalplab.errors import InputError, snippet

CLIENT_ID = re.compile(r"^[.A-Za-z0-9:/_-]{1,36}$")
"""Binance's client order id: at most 36 of `[.A-Za-z0-9:/_-]`."""
SYMBOL = re.compile(r"^[A-Z0-9]{2,30}$")
ENTRY_TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX")
ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", "TRAILING_STOP_MARKET")
CLOSE_ALL_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET")
"""Algo types that may close the whole position (`closePosition=true`)."""
WORKING_TYPES = ("MARK_PRICE", "CONTRACT_PRICE")
MARGIN_TYPES = ("ISOLATED", "CROSSED")
TRADES_LIMIT = 1000
MAX_LEVERAGE = 125
GONE = frozenset({UNKNOWN_ORDER, NO_SUCH_ORDER})
"""Answers meaning the order is not (or no longer) there."""
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TradingHealth:
    """The trading client's figures for `/status/health`."""

    rest: RestHealth
    """Requests, retries, failures, latency (p50 and last) and used weight."""
    orders: OrderLimitStats
    """Order counts in Binance's windows and the limiter's waits."""
    clock_offset_ms: int | None
    """Binance's clock minus the local one (None before the first measure)."""
    time_syncs: int
    outcomes_unknown: int
    """Placements whose outcome Binance left unknown (each looked up by the caller)."""
    rejections: int

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            **self.rest.to_dict(),
            "orders": self.orders.to_dict(),
            "clock_offset_ms": self.clock_offset_ms,
            "time_syncs": self.time_syncs,
            "outcomes_unknown": self.outcomes_unknown,
            "rejections": self.rejections,
        }


class BinanceTradingClient:
    """Signed USDT-M trading endpoints of one account (thread-safe; see the module
    docstring)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        api_secret: str,
        *,
        recv_window_ms: int = 5000,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        limiter: OrderRateLimiter | None = None,
        weights: WeightBudget | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(
                f"REST base URL must start with http:// or https://, got {snippet(base_url)}"
            )
        if not 1 <= recv_window_ms <= 60_000:
            raise InputError("recvWindow must be within 1..60000 ms")
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter or OrderRateLimiter(clock=clock, sleep=sleep)
        self.weights = weights or budget_for(self.base_url)
        self._rest = SignedRest(
            self.base_url,
            Credentials(api_key, api_secret),
            limiter=self.limiter,
            weights=self.weights,
            recv_window_ms=recv_window_ms,
            timeout_s=timeout_s,
            clock=clock,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"BinanceTradingClient({self.base_url!r}, api_key=***, api_secret=***)"

    def sync_time(self) -> int:
        """Measure the offset to Binance's clock (`GET /fapi/v1/time`); the offset in ms
        (also done at first use, every 30 minutes and after a -1021)."""
        return self._rest.sync_time()

    # ----- orders ---------------------------------------------------------------------

    def new_order(
        self,
        *,
        symbol: str,
        side: ExchangeSide,
        type: EntryType,
        quantity: Decimal,
        client_order_id: str,
        price: Decimal | None = None,
        time_in_force: str | None = None,
        reduce_only: bool = False,
    ) -> ExchangeOrder:
        """`POST /fapi/v1/order` (`newOrderRespType=RESULT`): a market order, or a limit
        order (`GTC` by default; `GTX` is post-only). Never sent twice here: an unknown
        outcome raises `OutcomeUnknown`."""
        _check_symbol(symbol)
        _check_side(side)
        _check_client_id(client_order_id)
        params: dict[str, object] = {"symbol": symbol, "side": side, "type": type}
        if type == "LIMIT":
            tif = time_in_force or "GTC"
            if tif not in ENTRY_TIME_IN_FORCE:
                raise InputError(f"time in force must be one of {', '.join(ENTRY_TIME_IN_FORCE)}")
            params["timeInForce"] = tif
            params["quantity"] = _positive("quantity", quantity)
            params["price"] = _positive("price", price)
        elif type == "MARKET":
            if price is not None or time_in_force is not None:
                raise InputError("a market order takes neither a price nor a time in force")
            params["quantity"] = _positive("quantity", quantity)
        else:
            raise InputError(f"entry type must be MARKET or LIMIT, got {snippet(type)}")
        if reduce_only:
            params["reduceOnly"] = True
        params["newClientOrderId"] = client_order_id
        params["newOrderRespType"] = "RESULT"
        what = f"the order {symbol} {client_order_id}"
        request = Request("POST", "/fapi/v1/order", what, params, placement=True)
        return self._place(request, parse_order)

    def new_algo_order(
        self,
        *,
        symbol: str,
        side: ExchangeSide,
        type: AlgoType,
        client_algo_id: str,
        trigger_price: Decimal | None,
        quantity: Decimal | None = None,
        close_position: bool = False,
        reduce_only: bool = False,
        price: Decimal | None = None,
        callback_rate: Decimal | None = None,
        activate_price: Decimal | None = None,
        working_type: str = "MARK_PRICE",
    ) -> AlgoOrder:
        """`POST /fapi/v1/algoOrder` (`algoType=CONDITIONAL`): a stop or take-profit
        (market, or limit at `price`) triggered at `trigger_price`, or a trailing stop
        (`callback_rate` %, from `activate_price`); for `quantity`, or the whole position
        (`close_position`). Never sent twice here, like `new_order`."""
        _check_symbol(symbol)
        _check_side(side)
        _check_client_id(client_algo_id)
        if type not in ALGO_TYPES:
            raise InputError(f"algo order type must be one of {', '.join(ALGO_TYPES)}")
        if working_type not in WORKING_TYPES:
            raise InputError(f"working type must be one of {', '.join(WORKING_TYPES)}")
        params: dict[str, object] = {"algoType": "CONDITIONAL", "symbol": symbol, "side": side}
        params["type"] = type
        if close_position:
            if type not in CLOSE_ALL_TYPES or quantity is not None or reduce_only:
                raise InputError(
                    "close_position is for STOP_MARKET / TAKE_PROFIT_MARKET, "
                    "without a quantity or reduce_only"
                )
        else:
            params["quantity"] = _positive("quantity", quantity)
        if type in ("STOP", "TAKE_PROFIT"):
            params["price"] = _positive("price", price)
        elif price is not None:
            raise InputError(f"a {type} order takes no price")
        if type == "TRAILING_STOP_MARKET":
            if trigger_price is not None:
                raise InputError("a trailing stop starts at activate_price, not a trigger price")
            params["callbackRate"] = _positive("callback_rate", callback_rate)
            if activate_price is not None:
                params["activatePrice"] = _positive("activate_price", activate_price)
        else:
            params["triggerPrice"] = _positive("trigger_price", trigger_price)
        params["workingType"] = working_type
        if close_position:
            params["closePosition"] = True
        if reduce_only:
            params["reduceOnly"] = True
        params["clientAlgoId"] = client_algo_id
        what = f"the algo order {symbol} {client_algo_id}"
        request = Request("POST", "/fapi/v1/algoOrder", what, params, placement=True)
        return self._place(request, parse_algo_order)

    def order(self, symbol: str, client_order_id: str) -> ExchangeOrder | None:
        """`GET /fapi/v1/order` by client id; None when Binance has no such order (-2013)."""
        params = {"symbol": symbol, "origClientOrderId": client_order_id}
        what = f"the lookup of order {symbol} {client_order_id}"
        answer = self._rest.call(Request("GET", "/fapi/v1/order", what, params, absent=GONE))
        return None if answer is None else parse_order(answer)

    def algo_order(self, client_algo_id: str) -> AlgoOrder | None:
        """`GET /fapi/v1/algoOrder` by client algo id; None when there is none."""
        what = f"the lookup of algo order {client_algo_id}"
        params = {"clientAlgoId": client_algo_id}
        answer = self._rest.call(Request("GET", "/fapi/v1/algoOrder", what, params, absent=GONE))
        return None if answer is None else parse_algo_order(answer)

    def cancel_order(self, symbol: str, client_order_id: str) -> ExchangeOrder | None:
        """`DELETE /fapi/v1/order` by client id: the cancelled order, or None when Binance
        knows no open order of that id (-2011: filled, cancelled or never placed)."""
        params = {"symbol": symbol, "origClientOrderId": client_order_id}
        what = f"the cancel of order {symbol} {client_order_id}"
        answer = self._rest.call(Request("DELETE", "/fapi/v1/order", what, params, absent=GONE))
        return None if answer is None else parse_order(answer)

    def cancel_algo_order(self, client_algo_id: str) -> AlgoOrder | None:
        """`DELETE /fapi/v1/algoOrder` by client algo id (possible until it triggers): the
        cancelled algo order (looked up when Binance answers only its ids), or None when
        there is none to cancel."""
        what = f"the cancel of algo order {client_algo_id}"
        params = {"clientAlgoId": client_algo_id}
        request = Request("DELETE", "/fapi/v1/algoOrder", what, params, absent=GONE)
        answer = self._rest.call(request)
        if answer is None:
            return None
        if isinstance(answer, Mapping) and "algoStatus" in answer:
            return parse_algo_order(answer)
        return self.algo_order(client_algo_id)

    def open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        """`GET /fapi/v1/openOrders` (of every symbol without one: weight 40)."""
        params = {} if symbol is None else {"symbol": symbol}
        request = Request("GET", "/fapi/v1/openOrders", "the open orders", params)
        return parse_orders(self._rest.call(request))

    def open_algo_orders(self, symbol: str | None = None) -> list[AlgoOrder]:
        """`GET /fapi/v1/openAlgoOrders`: conditional orders not triggered yet."""
        params = {} if symbol is None else {"symbol": symbol}
        request = Request("GET", "/fapi/v1/openAlgoOrders", "the open algo orders", params)
        return parse_algo_orders(self._rest.call(request))

    # ----- account ----------------------------------------------------------------------

    def positions(self, symbol: str | None = None) -> list[PositionRisk]:
        """`GET /fapi/v3/positionRisk`: positions (Binance lists symbols with a position
        or an open order)."""
        params = {} if symbol is None else {"symbol": symbol}
        request = Request("GET", "/fapi/v3/positionRisk", "the positions", params)
        return parse_positions(self._rest.call(request))

    def account_trades(
        self,
        symbol: str,
        *,
        from_id: int | None = None,
        start_time_ms: int | None = None,
        limit: int = TRADES_LIMIT,
    ) -> list[AccountTrade]:
        """`GET /fapi/v1/userTrades`: the account's fills on `symbol` from a trade id or
        from a time (Binance refuses both together; neither: the last 7 days)."""
        if not 1 <= limit <= TRADES_LIMIT:
            raise InputError(f"limit must be within 1..{TRADES_LIMIT}, got {snippet(limit)}")
        if from_id is not None and start_time_ms is not None:
            raise InputError("account trades are asked from an id or from a time, not both")
        params: dict[str, object] = {"symbol": symbol}
        if from_id is not None:
            params["fromId"] = from_id
        if start_time_ms is not None:
            params["startTime"] = start_time_ms
        params["limit"] = limit
        request = Request("GET", "/fapi/v1/userTrades", f"the fills of {symbol}", params)
        return parse_account_trades(self._rest.call(request))

    def balances(self) -> list[Balance]:
        """`GET /fapi/v3/balance`: the futures wallet's assets."""
        return parse_balances(self._rest.call(Request("GET", "/fapi/v3/balance", "the balances")))

    def dual_side_position(self) -> bool:
        """`GET /fapi/v1/positionSide/dual`: True in hedge mode, False in one-way mode."""
        request = Request("GET", "/fapi/v1/positionSide/dual", "the position mode")
        return Fields(self._rest.call(request), "positionSide/dual").flag("dualSidePosition")

    def set_margin_type(self, symbol: str, margin_type: str = "ISOLATED") -> None:
        """`POST /fapi/v1/marginType` (already that type, -4046, is success)."""
        _check_symbol(symbol)
        if margin_type not in MARGIN_TYPES:
            raise InputError(f"margin type must be one of {', '.join(MARGIN_TYPES)}")
        params = {"symbol": symbol, "marginType": margin_type}
        what = f"the margin type of {symbol}"
        absent = frozenset({MARGIN_TYPE_UNCHANGED})
        self._rest.call(Request("POST", "/fapi/v1/marginType", what, params, absent=absent))

    def set_leverage(self, symbol: str, leverage: int) -> int:
        """`POST /fapi/v1/leverage`; the leverage Binance set."""
        _check_symbol(symbol)
        if isinstance(leverage, bool) or not 1 <= leverage <= MAX_LEVERAGE:
            raise InputError(f"leverage must be within 1..{MAX_LEVERAGE}, got {snippet(leverage)}")
        params = {"symbol": symbol, "leverage": leverage}
        request = Request("POST", "/fapi/v1/leverage", f"the leverage of {symbol}", params)
        return Fields(self._rest.call(request), "leverage").integer("leverage")

    # ----- user-data stream -----------------------------------------------------------

    def new_listen_key(self) -> str:
        """`POST /fapi/v1/listenKey` (API key only): the account's listenKey, valid 60
        minutes (the active one, extended, if there is one)."""
        request = Request("POST", "/fapi/v1/listenKey", "a new listenKey", auth="key")
        return Fields(self._rest.call(request), "listenKey").text("listenKey")

    def keepalive_listen_key(self) -> None:
        """`PUT /fapi/v1/listenKey`: 60 more minutes; `BinanceRejected` -1125 when the
        key has expired (a new one must be created)."""
        self._rest.call(Request("PUT", "/fapi/v1/listenKey", "the listenKey keepalive", auth="key"))

    def close_listen_key(self) -> None:
        """`DELETE /fapi/v1/listenKey`: the stream closes."""
        self._rest.call(Request("DELETE", "/fapi/v1/listenKey", "the listenKey close", auth="key"))

    # ----- health -------------------------------------------------------------------------

    def health(self) -> TradingHealth:
        """Requests, failures, latency, used weight, order counts and clock offset."""
        rest = self._rest
        return TradingHealth(
            rest=health_of(rest.stats, self.base_url, self.weights.limit),
            orders=self.limiter.stats(),
            clock_offset_ms=rest.offset_ms,
            time_syncs=rest.time_syncs,
            outcomes_unknown=rest.outcomes_unknown,
            rejections=rest.rejections,
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._rest.close()

    def _place(self, request: Request, parse: Callable[[Any], T]) -> T:
        """A placement: an accepted answer that does not read is an unknown outcome (the
        order may well be on the book)."""
        answer = self._rest.call(request)
        try:
            return parse(answer)
        except MessageError as exc:
            raise OutcomeUnknown(request.what, f"unreadable answer: {exc}") from None


def _check_symbol(symbol: str) -> None:
    if not isinstance(symbol, str) or not SYMBOL.match(symbol):
        raise InputError(f"not a Binance futures symbol: {snippet(symbol)}")


def _check_side(side: str) -> None:
    if side not in ("BUY", "SELL"):
        raise InputError(f"side must be BUY or SELL, got {snippet(side)}")


def _check_client_id(client_id: str) -> None:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise InputError(
            f"client order id must be 1..36 of [.A-Za-z0-9:/_-], got {snippet(client_id)}"
        )


def _positive(name: str, value: Decimal | int | float | None) -> Decimal:
    if value is None or isinstance(value, bool):
        raise InputError(f"{name} is required")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number <= 0:
        raise InputError(f"{name} must be a positive number, got {snippet(value)}")
    return number
