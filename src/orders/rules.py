"""Order requests checked against the exchange's symbol rules (`validate_order`).

Tick and step multiples, minimum quantity and notional, the price fields each
order type needs, and the bracket's sides, all in exact `Decimal` arithmetic
(`scalplab.orders.decimals`); a broken rule is an `OrderRejected` whose one-line
reason names the value and the rule. Re-exported by `scalplab.orders.types`.
"""

from __future__ import annotations

import math
from decimal import Decimal

from scalplab.data.symbols import SymbolRules
from scalplab.errors import snippet
from scalplab.orders.decimals import OrderRejected, is_multiple, plain, text
from scalplab.orders.types import OrderRequest

MIN_CALLBACK_RATE_PCT = Decimal("0.1")
MAX_CALLBACK_RATE_PCT = Decimal("5")


def _check_fields(request: OrderRequest) -> None:
    """The price fields each order type needs or forbids."""
    kind = request.type
    needs_price = kind in ("limit", "stop_limit")
    needs_stop = kind in ("stop_market", "stop_limit")
    if needs_price and request.price is None:
        raise OrderRejected(f"a {kind} order needs a price")
    if not needs_price and request.price is not None:
        raise OrderRejected(f"a {kind} order takes no price (got {text(request.price)})")
    if needs_stop and request.stop_price is None:
        raise OrderRejected(f"a {kind} order needs a stop_price")
    if kind in ("market", "limit") and request.stop_price is not None:
        raise OrderRejected(f"a {kind} order takes no stop_price (got {text(request.stop_price)})")
    if kind == "trailing_stop":
        rate = request.callback_rate_pct
        if rate is None:
            raise OrderRejected("a trailing_stop order needs a callback_rate_pct")
        if not MIN_CALLBACK_RATE_PCT <= rate <= MAX_CALLBACK_RATE_PCT:
            raise OrderRejected(
                f"callback_rate_pct {text(rate)} is outside "
                f"{MIN_CALLBACK_RATE_PCT}..{MAX_CALLBACK_RATE_PCT} %"
            )
    elif request.callback_rate_pct is not None:
        raise OrderRejected(
            f"a {kind} order takes no callback_rate_pct (got {text(request.callback_rate_pct)})"
        )
    if request.post_only and kind != "limit":
        raise OrderRejected(f"post_only applies to limit orders only, not to a {kind} order")


def _check_post_only(request: OrderRequest, reference_price: float) -> None:
    """A post-only limit must rest: one that would trade at once against the current
    price is refused, as Binance refuses it (-5022)."""
    if not request.post_only or request.price is None:
        return
    market = Decimal(str(reference_price))
    buying = request.side == "buy"
    if request.price >= market if buying else request.price <= market:
        where = "at or above" if buying else "at or below"
        raise OrderRejected(
            f"post_only {request.side} limit at {text(request.price)} is {where} the market "
            f"price {text(market)}: it would take liquidity instead of resting"
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
            f"stop_loss {text(sl)} must be {where_sl} the entry price {text(entry)} "
            f"for a {request.side}"
        )
    if tp is not None and (tp <= entry if buying else tp >= entry):
        raise OrderRejected(
            f"take_profit {text(tp)} must be {where_tp} the entry price {text(entry)} "
            f"for a {request.side}"
        )


def _check_max_qty(request: OrderRequest, qty: Decimal, rules: SymbolRules) -> None:
    """Binance's maximum for the order's type (-4005), and for an entry the largest
    position one market order can close (its stop, its target, an exit)."""
    max_qty = rules.max_qty_for(request.type)
    if max_qty is not None and qty > max_qty:
        raise OrderRejected(
            f"qty {text(qty)} is over the maximum quantity {text(max_qty)} of "
            f"{rules.symbol} for {request.type} orders"
        )
    largest = rules.max_position_qty
    if not request.reduce_only and largest is not None and qty > largest:
        raise OrderRejected(
            f"qty {text(qty)} is over {text(largest)}, the largest position of {rules.symbol} "
            "one market order can close (its stop-loss, take-profit or exit)"
        )


def validate_order(request: OrderRequest, rules: SymbolRules, reference_price: float) -> None:
    """Check `request` against `rules`; `OrderRejected` with a precise one-line reason.

    `reference_price` is the current market price (the last close): market orders
    are valued at it, and it is the entry of a market or unactivated trailing
    order when the bracket sides are checked. Checks, in order: symbol, the price
    fields of the type, tick multiples (price, stop_price, stop_loss, take_profit),
    minimum quantity, maximum quantity (`SymbolRules.max_qty_for` the type, reduce-only
    orders included, as on Binance; an entry also `max_position_qty`), step multiple,
    minimum notional (reduce-only orders are exempt, as on Binance), then the bracket.
    A post-only limit at or through the reference price is refused (it would take
    liquidity).
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
    _check_post_only(request, reference_price)
    for name in ("price", "stop_price", "stop_loss", "take_profit"):
        value: Decimal | None = getattr(request, name)
        if value is not None and not is_multiple(value, rules.tick_size):
            raise OrderRejected(
                f"{name} {text(value)} is not a multiple of the tick size {text(rules.tick_size)}"
            )
    entry = request.entry_price(reference_price)
    qty = request.qty
    if qty is None:
        if request.stop_loss is None or request.reduce_only:
            raise OrderRejected("qty is required (or give a stop_loss to size the entry by risk)")
    else:
        if qty < rules.min_qty:
            raise OrderRejected(
                f"qty {text(qty)} is under the minimum quantity {text(rules.min_qty)}"
            )
        _check_max_qty(request, qty, rules)
        if not is_multiple(qty, rules.step_size):
            raise OrderRejected(
                f"qty {text(qty)} is not a multiple of the step size {text(rules.step_size)}"
            )
        notional = qty * entry
        if not request.reduce_only and notional < rules.min_notional:
            raise OrderRejected(
                f"notional {text(plain(notional))} (qty {text(qty)} × price {text(entry)}) "
                f"is under the minimum notional {text(rules.min_notional)}"
            )
    _check_bracket(request, entry)
