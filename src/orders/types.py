"""The one order model: requests, orders, their statuses and symbol-rule validation.

`OrderRequest` is what a strategy signal or a person asks for;
`scalplab.orders.rules.validate_order` checks it against the exchange's symbol rules
(tick, step, minimum quantity and notional, the price fields each type needs) with
exact `Decimal` arithmetic and raises `OrderRejected` with a one-line reason that
names the value and the rule.
`Order` is the request as the queue holds it: an id, a client order id, a status
that only moves forward, and the ids of its bracket children (stop-loss and
take-profit, one-cancels-the-other). The simulation uses these types now and the
Binance broker later; JSON forms render prices and quantities as decimal strings
and times as ISO-8601 UTC. The number helpers (`to_decimal`, `round_to_tick`) and
`OrderRejected` live in `scalplab.orders.decimals` and are re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from scalplab.data.symbols import normalize_symbol
from scalplab.errors import ConflictError, InputError, snippet
from scalplab.orders.decimals import (
    MAX_DECIMAL_PLACES,
    MAX_ORDER_NUMBER,
    OrderRejected,
    plain,
    round_to_tick,
    to_decimal,
)
from scalplab.orders.exits import ExitRules, exit_rules
from scalplab.orders.ids import check_client_order_id
from scalplab.timeutil import iso_ms

__all__ = [
    "MAX_DECIMAL_PLACES",
    "MAX_ORDER_NUMBER",
    "ORDER_SIDES",
    "ORDER_SOURCES",
    "ORDER_STATUSES",
    "ORDER_TYPES",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "Order",
    "OrderRejected",
    "OrderRequest",
    "OrderSide",
    "OrderSource",
    "OrderStatus",
    "OrderType",
    "opposite",
    "order_side",
    "round_to_tick",
    "to_decimal",
]

OrderType = Literal["market", "limit", "stop_market", "stop_limit", "trailing_stop"]
OrderSide = Literal["buy", "sell"]
OrderStatus = Literal[
    "pending_confirmation", "accepted", "submitted", "filled", "cancelled", "rejected", "expired"
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
    "accepted": frozenset({"submitted", "filled", "cancelled", "rejected", "expired"}),
    "submitted": frozenset({"accepted", "filled", "cancelled", "rejected", "expired"}),
    "filled": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
    "expired": frozenset(),
}
"""Allowed status moves: forward only, terminal statuses are final."""

_DECIMAL_FIELDS = ("qty", "price", "stop_price", "callback_rate_pct", "stop_loss", "take_profit")


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


def _opt_text(number: Decimal | None) -> str | None:
    return None if number is None else format(number, "f")


def _opt_decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _iso(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else iso_ms(epoch_ms)


def _exits_dict(exits: ExitRules | None) -> dict[str, Any]:
    """`{"exits": ...}` when an order has exit rules (orders without keep their shape)."""
    return {} if exits is None else {"exits": exits.to_dict()}


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a strategy or a person asks for, before any id or status.

    `qty` may be `None` only for an entry with a `stop_loss`: the engine then sizes
    it by risk and re-validates the sized request. `stop_price` is the trigger of
    stop orders and the optional activation price of a trailing stop. `post_only`
    (limit orders only) makes a limit that would trade at once a refusal rather than
    a taker fill (Binance's `GTX`). `exits` are a strategy entry's take-profit ladder,
    stop rules and max-hold (`scalplab.orders.exits`; `take_profit` is then the farthest
    leg). Construction normalises the symbol, coerces numbers to `Decimal` and checks the
    literal fields; the symbol rules are checked by `validate_order`.
    """

    symbol: str
    side: OrderSide
    type: OrderType = "market"
    qty: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    callback_rate_pct: Decimal | None = None
    reduce_only: bool = False
    post_only: bool = False
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    client_order_id: str | None = None
    source: OrderSource = "manual"
    signal_time_ms: int | None = None
    strategy: str | None = None
    exits: ExitRules | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "symbol", normalize_symbol(self.symbol))
        object.__setattr__(self, "exits", exit_rules(self.exits))
        if self.side not in ORDER_SIDES:
            raise OrderRejected(f"side must be buy or sell, not {snippet(self.side)}")
        if self.type not in ORDER_TYPES:
            raise OrderRejected(
                f"order type must be one of {', '.join(ORDER_TYPES)}, not {snippet(self.type)}"
            )
        if self.source not in ORDER_SOURCES:
            raise OrderRejected(f"source must be strategy or manual, not {snippet(self.source)}")
        for flag in ("reduce_only", "post_only"):
            if not isinstance(getattr(self, flag), bool):
                raise OrderRejected(
                    f"{flag} must be true or false, not {snippet(getattr(self, flag))}"
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
            "post_only": self.post_only,
            "stop_loss": _opt_text(self.stop_loss),
            "take_profit": _opt_text(self.take_profit),
            "client_order_id": self.client_order_id,
            "source": self.source,
            "signal_time_ms": self.signal_time_ms,
            "strategy": self.strategy,
            **_exits_dict(self.exits),
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
        stop_loss: Decimal,
        take_profit: Decimal,
        *,
        strategy: str,
        signal_time_ms: int,
        client_order_id: str | None = None,
        exits: ExitRules | None = None,
    ) -> OrderRequest:
        """The market entry with bracket of a strategy signal.

        The sized `qty` is already on the step grid (see `scalplab.orders.sizing`) and
        the bracket levels on the tick grid (`round_to_tick`, when the signal was decided);
        so are a ladder's legs in `exits` (`scalplab.orders.ladder`).
        """
        return cls(
            symbol=symbol,
            side=order_side(side),
            type="market",
            qty=plain(Decimal(repr(qty))),
            stop_loss=stop_loss,
            take_profit=take_profit,
            client_order_id=client_order_id,
            source="strategy",
            signal_time_ms=signal_time_ms,
            strategy=strategy,
            exits=exits,
        )


@dataclass(slots=True)
class Order:
    """An order as the queue holds it. Statuses move forward only (`TRANSITIONS`).

    `parent_id` links a bracket child (reduce-only stop-loss / take-profit) to its
    entry; `children` lists the ids of an entry's bracket children (OCO): the stop, then
    the take-profit — or one take-profit per leg of a ladder in `exits`, which do not
    cancel one another.
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
    post_only: bool = False
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
    exits: ExitRules | None = None

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
            post_only=request.post_only,
            stop_loss=request.stop_loss,
            take_profit=request.take_profit,
            source=request.source,
            signal_time_ms=request.signal_time_ms,
            strategy=request.strategy,
            parent_id=parent_id,
            exits=request.exits,
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
            post_only=self.post_only,
            stop_loss=self.stop_loss,
            take_profit=self.take_profit,
            client_order_id=self.client_order_id,
            source=self.source,
            signal_time_ms=self.signal_time_ms,
            strategy=self.strategy,
            exits=self.exits,
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
            "post_only": self.post_only,
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
            **_exits_dict(self.exits),
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
                post_only=bool(data.get("post_only", False)),
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
                exits=exit_rules(data.get("exits")),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise InputError(f"malformed stored order: {snippet(exc)}") from None
