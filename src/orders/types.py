"""The one order model: requests, orders, their statuses and symbol-rule validation.

`OrderRequest` is what a strategy signal or a person asks for; `validate_order`
checks it against the exchange's symbol rules (tick, step, minimum quantity and
notional, the price fields each type needs) with exact `Decimal` arithmetic and
raises `OrderRejected` with a one-line reason that names the value and the rule.
`Order` is the request as the queue holds it: an id, a client order id, a status
that only moves forward, and the ids of its bracket children (stop-loss and
take-profit, one-cancels-the-other). The simulation uses these types now and the
Binance broker later; JSON forms render prices and quantities as decimal strings
and times as ISO-8601 UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Literal, get_args

from scalplab.data.symbols import SymbolRules, normalize_symbol
from scalplab.errors import ConflictError, InputError, snippet
from scalplab.orders.ids import check_client_order_id
from scalplab.timeutil import iso_ms

OrderType = Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"]
OrderSide = Literal["buy", "sell"]
OrderStatus = Literal[
    "pending_confirmation", "accepted", "filled", "cancelled", "rejected", "expired"
]
OrderSource = Literal["strategy", "manual"]

ORDER_TYPES: tuple[str, ...] = get_args(OrderType)
ORDER_SIDES: tuple[str, ...] = get_args(OrderSide)
ORDER_STATUSES: tuple[str, ...] = get_args(OrderStatus)
ORDER_SOURCES: tuple[str, ...] = get_args(OrderSource)

TERMINAL_STATUSES: frozenset[str] = frozenset({"filled", "cancelled", "rejected", "expired"})
"""Statuses an order never leaves."""

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_confirmation": frozenset({"accepted", "cancelled", "rejected", "expired"}),
    "accepted": frozenset({"filled", "cancelled", "rejected", "expired"}),
    "filled": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
    "expired": frozenset(),
}
"""Allowed status moves: forward only, terminal statuses are final."""

MIN_CALLBACK_RATE_PCT = Decimal("0.1")
MAX_CALLBACK_RATE_PCT = Decimal("5")

_DECIMAL_FIELDS = ("qty", "price", "stop_price", "callback_rate_pct", "stop_loss", "take_profit")


class OrderRejected(InputError):  # noqa: N818 - the name the design fixes
    """An order request breaks a symbol rule or the order-type rules; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def order_side(side: str) -> OrderSide:
    """A signal's `long`/`short` (or `buy`/`sell`) as the order side `buy`/`sell`."""
    if side in ("long", "buy"):
        return "buy"
    if side in ("short", "sell"):
        return "sell"
    raise OrderRejected(f"side must be buy or sell, not {snippet(side)}")


def opposite(side: OrderSide) -> OrderSide:
    """The side that closes a position opened by `side`."""
    return "sell" if side == "buy" else "buy"


def to_decimal(value: object, what: str) -> Decimal:
    """A finite positive `Decimal` from a Decimal, int, float or numeric string."""
    if isinstance(value, bool):
        raise OrderRejected(f"{what} must be a number, not {snippet(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise OrderRejected(f"{what} must be a number, not {snippet(value)}") from None
    else:
        raise OrderRejected(f"{what} must be a number, not {snippet(value)}")
    if not number.is_finite():
        raise OrderRejected(f"{what} must be a finite number, not {snippet(value)}")
    if number <= 0:
        raise OrderRejected(f"{what} must be positive, not {_text(number)}")
    return number


def round_to_tick(value: float, tick: Decimal) -> Decimal:
    """`value` rounded to the nearest multiple of `tick` (half to even); unchanged if tick 0."""
    number = Decimal(str(value))
    if tick <= 0:
        return number
    steps = (number / tick).to_integral_value(rounding=ROUND_HALF_EVEN)
    return _plain(steps * tick)


def _plain(number: Decimal) -> Decimal:
    """`number` without trailing zeros or exponent notation (`1E+1` → `10`)."""
    reduced = number.normalize()
    exponent = reduced.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        reduced = reduced.quantize(Decimal(1))
    return reduced


def _text(number: Decimal | None) -> str:
    """A decimal as plain text (no exponent), as given."""
    return "" if number is None else format(number, "f")


def _opt_text(number: Decimal | None) -> str | None:
    return None if number is None else format(number, "f")


def _opt_decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _iso(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else iso_ms(epoch_ms)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a strategy or a person asks for, before any id or status.

    `qty` may be `None` only for an entry with a `stop_loss`: the engine then sizes
    it by risk and re-validates the sized request. `stop_price` is the trigger of
    stop orders and the optional activation price of a trailing stop. Construction
    normalises the symbol, coerces numbers to `Decimal` and checks the literal
    fields; the symbol rules are checked by `validate_order`.
    """

    symbol: str
    side: OrderSide
    type: OrderType = "market"
    qty: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    callback_rate_pct: Decimal | None = None
    reduce_only: bool = False
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    client_order_id: str | None = None
    source: OrderSource = "manual"
    signal_time_ms: int | None = None
    strategy: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbol", normalize_symbol(self.symbol))
        if self.side not in ORDER_SIDES:
            raise OrderRejected(f"side must be buy or sell, not {snippet(self.side)}")
        if self.type not in ORDER_TYPES:
            raise OrderRejected(
                f"order type must be one of {', '.join(ORDER_TYPES)}, not {snippet(self.type)}"
            )
        if self.source not in ORDER_SOURCES:
            raise OrderRejected(f"source must be strategy or manual, not {snippet(self.source)}")
        if not isinstance(self.reduce_only, bool):
            raise OrderRejected(
                f"reduce_only must be true or false, not {snippet(self.reduce_only)}"
            )
        for name in _DECIMAL_FIELDS:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_decimal(value, name))
        if self.client_order_id is not None:
            check_client_order_id(self.client_order_id)
        if self.signal_time_ms is not None and (
            isinstance(self.signal_time_ms, bool)
            or not isinstance(self.signal_time_ms, int)
            or self.signal_time_ms < 0
        ):
            raise OrderRejected(
                "signal_time_ms must be non-negative epoch milliseconds, "
                f"not {snippet(self.signal_time_ms)}"
            )

    @property
    def has_bracket(self) -> bool:
        """True when the request carries a stop-loss and/or a take-profit level."""
        return self.stop_loss is not None or self.take_profit is not None

    def with_qty(self, qty: Decimal) -> OrderRequest:
        """The same request with a (sized) quantity."""
        return replace(self, qty=qty)

    def with_client_order_id(self, client_order_id: str) -> OrderRequest:
        """The same request carrying `client_order_id`."""
        return replace(self, client_order_id=client_order_id)

    def entry_price(self, reference_price: float) -> Decimal:
        """The price the order would trade at: limit price, trigger, or the reference."""
        if self.type in ("limit", "stop_limit") and self.price is not None:
            return self.price
        if self.type in ("stop_market", "trailing_stop") and self.stop_price is not None:
            return self.stop_price
        return Decimal(str(reference_price))

    def to_dict(self) -> dict[str, Any]:
        """JSON form; decimals as strings (exact)."""
        return {
            "symbol": self.symbol,
            "side": self.side,
            "type": self.type,
            "qty": _opt_text(self.qty),
            "price": _opt_text(self.price),
            "stop_price": _opt_text(self.stop_price),
            "callback_rate_pct": _opt_text(self.callback_rate_pct),
            "reduce_only": self.reduce_only,
            "stop_loss": _opt_text(self.stop_loss),
            "take_profit": _opt_text(self.take_profit),
            "client_order_id": self.client_order_id,
            "source": self.source,
            "signal_time_ms": self.signal_time_ms,
            "strategy": self.strategy,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderRequest:
        """Inverse of `to_dict` (unknown keys are an `OrderRejected`)."""
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise OrderRejected(f"unknown order field(s): {', '.join(unknown)}")
        if "symbol" not in data or "side" not in data:
            raise OrderRejected("an order needs a symbol and a side")
        return cls(**data)

    @classmethod
    def from_signal(
        cls,
        symbol: str,
        side: str,
        qty: float,
        stop_loss: float,
        take_profit: float,
        rules: SymbolRules,
        *,
        strategy: str,
        signal_time_ms: int,
        client_order_id: str | None = None,
    ) -> OrderRequest:
        """The market entry with bracket of a strategy signal.

        The sized `qty` is already on the step grid (see `scalplab.orders.sizing`); the
        bracket levels are rounded to the nearest tick so the request passes
        `validate_order` as the exchange would require.
        """
        return cls(
            symbol=symbol,
            side=order_side(side),
            type="market",
            qty=_plain(Decimal(str(qty))),
            stop_loss=round_to_tick(stop_loss, rules.tick_size),
            take_profit=round_to_tick(take_profit, rules.tick_size),
            client_order_id=client_order_id,
            source="strategy",
            signal_time_ms=signal_time_ms,
            strategy=strategy,
        )


def _multiple(value: Decimal, unit: Decimal) -> bool:
    return unit <= 0 or value % unit == 0


def _check_fields(request: OrderRequest) -> None:
    """The price fields each order type needs or forbids."""
    kind = request.type
    needs_price = kind in ("limit", "stop_limit")
    needs_stop = kind in ("stop_market", "stop_limit")
    if needs_price and request.price is None:
        raise OrderRejected(f"a {kind} order needs a price")
    if not needs_price and request.price is not None:
        raise OrderRejected(f"a {kind} order takes no price (got {_text(request.price)})")
    if needs_stop and request.stop_price is None:
        raise OrderRejected(f"a {kind} order needs a stop_price")
    if kind in ("market", "limit") and request.stop_price is not None:
        raise OrderRejected(f"a {kind} order takes no stop_price (got {_text(request.stop_price)})")
    if kind == "trailing_stop":
        rate = request.callback_rate_pct
        if rate is None:
            raise OrderRejected("a trailing_stop order needs a callback_rate_pct")
        if not MIN_CALLBACK_RATE_PCT <= rate <= MAX_CALLBACK_RATE_PCT:
            raise OrderRejected(
                f"callback_rate_pct {_text(rate)} is outside "
                f"{MIN_CALLBACK_RATE_PCT}..{MAX_CALLBACK_RATE_PCT} %"
            )
    elif request.callback_rate_pct is not None:
        raise OrderRejected(
            f"a {kind} order takes no callback_rate_pct (got {_text(request.callback_rate_pct)})"
        )


def _check_bracket(request: OrderRequest, entry: Decimal) -> None:
    """Stop-loss on the losing side of the entry, take-profit on the winning side."""
    if not request.has_bracket:
        return
    if request.reduce_only:
        raise OrderRejected("a reduce_only order cannot carry a stop_loss/take_profit bracket")
    buying = request.side == "buy"
    where_sl, where_tp = ("below", "above") if buying else ("above", "below")
    sl, tp = request.stop_loss, request.take_profit
    if sl is not None and (sl >= entry if buying else sl <= entry):
        raise OrderRejected(
            f"stop_loss {_text(sl)} must be {where_sl} the entry price {_text(entry)} "
            f"for a {request.side}"
        )
    if tp is not None and (tp <= entry if buying else tp >= entry):
        raise OrderRejected(
            f"take_profit {_text(tp)} must be {where_tp} the entry price {_text(entry)} "
            f"for a {request.side}"
        )


def validate_order(request: OrderRequest, rules: SymbolRules, reference_price: float) -> None:
    """Check `request` against `rules`; `OrderRejected` with a precise one-line reason.

    `reference_price` is the current market price (the last close): market orders
    are valued at it, and it is the entry of a market or unactivated trailing
    order when the bracket sides are checked. Checks, in order: symbol, the price
    fields of the type, tick multiples (price, stop_price, stop_loss, take_profit),
    minimum quantity, step multiple, minimum notional (reduce-only orders are
    exempt, as on Binance), then the bracket.
    """
    if request.symbol != rules.symbol:
        raise OrderRejected(f"symbol rules of {rules.symbol} do not apply to {request.symbol}")
    if (
        isinstance(reference_price, bool)
        or not isinstance(reference_price, int | float)
        or not math.isfinite(reference_price)
        or reference_price <= 0
    ):
        raise OrderRejected(
            f"no usable market price for {request.symbol} (got {snippet(reference_price)})"
        )
    _check_fields(request)
    for name in ("price", "stop_price", "stop_loss", "take_profit"):
        value: Decimal | None = getattr(request, name)
        if value is not None and not _multiple(value, rules.tick_size):
            raise OrderRejected(
                f"{name} {_text(value)} is not a multiple of the tick size {_text(rules.tick_size)}"
            )
    entry = request.entry_price(reference_price)
    qty = request.qty
    if qty is None:
        if request.stop_loss is None or request.reduce_only:
            raise OrderRejected("qty is required (or give a stop_loss to size the entry by risk)")
    else:
        if qty < rules.min_qty:
            raise OrderRejected(
                f"qty {_text(qty)} is under the minimum quantity {_text(rules.min_qty)}"
            )
        if not _multiple(qty, rules.step_size):
            raise OrderRejected(
                f"qty {_text(qty)} is not a multiple of the step size {_text(rules.step_size)}"
            )
        notional = qty * entry
        if not request.reduce_only and notional < rules.min_notional:
            raise OrderRejected(
                f"notional {_text(_plain(notional))} (qty {_text(qty)} × price {_text(entry)}) "
                f"is under the minimum notional {_text(rules.min_notional)}"
            )
    _check_bracket(request, entry)


@dataclass(slots=True)
class Order:
    """An order as the queue holds it. Statuses move forward only (`TRANSITIONS`).

    `parent_id` links a bracket child (reduce-only stop-loss / take-profit) to its
    entry; `children` lists the ids of an entry's bracket children (OCO).
    """

    id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    type: OrderType
    qty: Decimal | None
    status: OrderStatus
    created_ms: int
    updated_ms: int
    price: Decimal | None = None
    stop_price: Decimal | None = None
    callback_rate_pct: Decimal | None = None
    reduce_only: bool = False
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    source: OrderSource = "manual"
    signal_time_ms: int | None = None
    strategy: str | None = None
    reason: str = ""
    filled_ms: int | None = None
    fill_price: float | None = None
    parent_id: str | None = None
    children: list[str] = field(default_factory=list)

    @classmethod
    def from_request(
        cls,
        request: OrderRequest,
        order_id: str,
        client_order_id: str,
        status: OrderStatus,
        now_ms: int,
        parent_id: str | None = None,
    ) -> Order:
        """A new order carrying every field of `request`."""
        return cls(
            id=order_id,
            client_order_id=client_order_id,
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            qty=request.qty,
            status=status,
            created_ms=now_ms,
            updated_ms=now_ms,
            price=request.price,
            stop_price=request.stop_price,
            callback_rate_pct=request.callback_rate_pct,
            reduce_only=request.reduce_only,
            stop_loss=request.stop_loss,
            take_profit=request.take_profit,
            source=request.source,
            signal_time_ms=request.signal_time_ms,
            strategy=request.strategy,
            parent_id=parent_id,
        )

    @property
    def request(self) -> OrderRequest:
        """The request this order carries."""
        return OrderRequest(
            symbol=self.symbol,
            side=self.side,
            type=self.type,
            qty=self.qty,
            price=self.price,
            stop_price=self.stop_price,
            callback_rate_pct=self.callback_rate_pct,
            reduce_only=self.reduce_only,
            stop_loss=self.stop_loss,
            take_profit=self.take_profit,
            client_order_id=self.client_order_id,
            source=self.source,
            signal_time_ms=self.signal_time_ms,
            strategy=self.strategy,
        )

    @property
    def is_open(self) -> bool:
        """True while the order can still change status."""
        return self.status not in TERMINAL_STATUSES

    def copy(self) -> Order:
        """An independent copy (the children list is not shared)."""
        return replace(self, children=list(self.children))

    def transition(
        self,
        status: OrderStatus,
        now_ms: int,
        reason: str = "",
        fill_price: float | None = None,
    ) -> None:
        """Move to `status`; `ConflictError` if the move is not allowed.

        A fill records `fill_price` and `filled_ms`; a non-empty `reason` replaces
        the stored one.
        """
        if status not in TRANSITIONS:
            raise InputError(f"unknown order status {snippet(status)}")
        if status not in TRANSITIONS[self.status]:
            if status == self.status:
                raise ConflictError(f"order {self.id} is already {self.status}")
            raise ConflictError(f"order {self.id} is {self.status}; it cannot become {status}")
        if status == "filled":
            if fill_price is None or not math.isfinite(fill_price) or fill_price <= 0:
                raise InputError(f"a fill of order {self.id} needs a positive price")
            self.fill_price = float(fill_price)
            self.filled_ms = now_ms
        self.status = status
        self.updated_ms = now_ms
        if reason:
            self.reason = reason

    def to_dict(self) -> dict[str, Any]:
        """JSON form: decimals as strings, times as ms and ISO-8601 UTC."""
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side,
            "type": self.type,
            "qty": _opt_text(self.qty),
            "price": _opt_text(self.price),
            "stop_price": _opt_text(self.stop_price),
            "callback_rate_pct": _opt_text(self.callback_rate_pct),
            "reduce_only": self.reduce_only,
            "stop_loss": _opt_text(self.stop_loss),
            "take_profit": _opt_text(self.take_profit),
            "source": self.source,
            "signal_time_ms": self.signal_time_ms,
            "strategy": self.strategy,
            "status": self.status,
            "reason": self.reason,
            "created_ms": self.created_ms,
            "created_at": iso_ms(self.created_ms),
            "updated_ms": self.updated_ms,
            "updated_at": iso_ms(self.updated_ms),
            "filled_ms": self.filled_ms,
            "filled_at": _iso(self.filled_ms),
            "fill_price": self.fill_price,
            "parent_id": self.parent_id,
            "children": list(self.children),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Order:
        """Inverse of `to_dict` (the ISO time strings are ignored, the ms fields rule)."""
        for key, allowed in (
            ("status", ORDER_STATUSES),
            ("side", ORDER_SIDES),
            ("type", ORDER_TYPES),
        ):
            if key in data and data[key] not in allowed:
                raise InputError(f"malformed stored order: {key} {snippet(data[key])} is unknown")
        try:
            return cls(
                id=str(data["id"]),
                client_order_id=str(data["client_order_id"]),
                symbol=str(data["symbol"]),
                side=data["side"],
                type=data["type"],
                qty=_opt_decimal(data.get("qty")),
                status=data["status"],
                created_ms=int(data["created_ms"]),
                updated_ms=int(data["updated_ms"]),
                price=_opt_decimal(data.get("price")),
                stop_price=_opt_decimal(data.get("stop_price")),
                callback_rate_pct=_opt_decimal(data.get("callback_rate_pct")),
                reduce_only=bool(data.get("reduce_only", False)),
                stop_loss=_opt_decimal(data.get("stop_loss")),
                take_profit=_opt_decimal(data.get("take_profit")),
                source=data.get("source", "manual"),
                signal_time_ms=data.get("signal_time_ms"),
                strategy=data.get("strategy"),
                reason=str(data.get("reason") or ""),
                filled_ms=data.get("filled_ms"),
                fill_price=data.get("fill_price"),
                parent_id=data.get("parent_id"),
                children=[str(child) for child in data.get("children", [])],
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise InputError(f"malformed stored order: {snippet(exc)}") from None
