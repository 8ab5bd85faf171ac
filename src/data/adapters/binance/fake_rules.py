"""What the fake Binance venue (`fake_exchange`) checks an order against: each symbol's
trading rules, Binance's error answers, and how it writes numbers.

Rules come from an `exchangeInfo` answer (`PRICE_FILTER` tick size, `LOT_SIZE` /
`MARKET_LOT_SIZE` step and bounds, `MIN_NOTIONAL`, `MAX_NUM_ORDERS`,
`MAX_NUM_ALGO_ORDERS`, the price and quantity precisions), are given in code
(`SymbolRules.simple`), or are derived from a symbol's first price (`derived_rules`,
for synthetic symbols such as load-test copies). A violation is a `VenueError` carrying
Binance's HTTP status, code and message, e.g. -1111 for a quantity finer than the step.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
MONEY = Decimal("0.00000001")


class VenueError(Exception):
    """A request the venue refuses: the HTTP status and Binance's `{"code", "msg"}`."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def body(self) -> str:
        """The JSON body Binance answers with."""
        return json.dumps({"code": self.code, "msg": self.msg})


def plain(value: Decimal) -> str:
    """A price or quantity as Binance writes it: no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def exact(value: Decimal) -> Decimal:
    """A computed price (an average, an entry) cut to 8 decimals."""
    return value.quantize(MONEY)


def money(value: Decimal) -> str:
    """An amount of USDT (balance, commission, P&L) with Binance's 8 decimals."""
    return format(value.quantize(MONEY), "f")


def places(step: Decimal) -> int:
    """The decimals of a tick or step size (0.001 → 3, 1 → 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True, slots=True)
class SymbolRules:
    """The filters Binance applies to one symbol's orders."""

    symbol: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    price_precision: int
    quantity_precision: int
    max_orders: int = 200
    max_algo_orders: int = 10

    @classmethod
    def simple(
        cls,
        symbol: str,
        tick_size: str = "0.01",
        step_size: str = "0.001",
        min_notional: str = "5",
        max_qty: str = "1000000",
    ) -> SymbolRules:
        """Rules given in code: the minimum quantity is one step."""
        tick, step = Decimal(tick_size), Decimal(step_size)
        return cls(
            symbol, tick, step, step, Decimal(max_qty), Decimal(max_qty), Decimal(min_notional),
            places(tick), places(step),
        )  # fmt: skip

    def check_quantity(self, quantity: Decimal, market: bool) -> None:
        """Binance's quantity checks: positive, within the precision, on the step, within
        the lot bounds (the market bound for market orders)."""
        if quantity <= 0:
            raise VenueError(-4003, "Quantity less than or equal to zero.")
        if places(quantity) > self.quantity_precision or quantity % self.step_size != 0:
            raise VenueError(-1111, "Precision is over the maximum defined for this asset.")
        if quantity < self.min_qty:
            raise VenueError(-4004, "Quantity less than min quantity.")
        if quantity > (self.market_max_qty if market else self.max_qty):
            raise VenueError(-4005, "Quantity greater than max quantity.")

    def check_price(self, price: Decimal, name: str = "price") -> None:
        """Binance's price checks: positive, within the precision, on the tick."""
        if price <= 0:
            raise VenueError(-4001 if name == "price" else -4006, f"{name} less than 0.")
        if places(price) > self.price_precision:
            raise VenueError(-1111, "Precision is over the maximum defined for this asset.")
        if price % self.tick_size != 0:
            raise VenueError(-4014, "Price not increased by tick size.")

    def check_notional(self, notional: Decimal) -> None:
        """-4164 below the minimum notional (reduce-only orders are exempt: not checked)."""
        if notional < self.min_notional:
            raise VenueError(
                -4164,
                f"Order's notional must be no smaller than {plain(self.min_notional)} "
                "(unless you choose reduce only).",
            )

    def round_price(self, price: Decimal) -> Decimal:
        """`price` on the tick (down), e.g. a trailing stop's trigger."""
        return (price / self.tick_size).to_integral_value(rounding="ROUND_FLOOR") * self.tick_size


def rules_from_exchange_info(info: Mapping[str, Any]) -> dict[str, SymbolRules]:
    """Each symbol's rules from an `exchangeInfo` answer (symbols without the filters are
    skipped)."""
    rules: dict[str, SymbolRules] = {}
    for entry in info.get("symbols", []):
        filters = {f.get("filterType"): f for f in entry.get("filters", [])}
        price, lot = filters.get("PRICE_FILTER"), filters.get("LOT_SIZE")
        if price is None or lot is None:
            continue
        market = filters.get("MARKET_LOT_SIZE", lot)
        notional = filters.get("MIN_NOTIONAL", {}).get("notional", "0")
        tick, step = Decimal(price["tickSize"]), Decimal(lot["stepSize"])
        rules[entry["symbol"]] = SymbolRules(
            symbol=entry["symbol"],
            tick_size=tick,
            step_size=step,
            min_qty=Decimal(lot["minQty"]),
            max_qty=Decimal(lot["maxQty"]),
            market_max_qty=Decimal(market["maxQty"]),
            min_notional=Decimal(str(notional)),
            price_precision=max(int(entry.get("pricePrecision", places(tick))), places(tick)),
            quantity_precision=max(int(entry.get("quantityPrecision", places(step))), places(step)),
            max_orders=int(filters.get("MAX_NUM_ORDERS", {}).get("limit", 200)),
            max_algo_orders=int(filters.get("MAX_NUM_ALGO_ORDERS", {}).get("limit", 10)),
        )
    return rules


def derived_rules(symbol: str, price: Decimal) -> SymbolRules:
    """Rules for a symbol Binance's `exchangeInfo` does not list, from its price: about
    five significant digits of price, and a step of roughly 0.1 USDT."""
    magnitude = math.floor(math.log10(float(price)))
    tick = Decimal(1).scaleb(magnitude - 4)
    step = Decimal(1).scaleb(min(0, math.floor(math.log10(0.1 / float(price)))))
    return SymbolRules(
        symbol, tick, step, step, Decimal(10_000_000), Decimal(10_000_000), Decimal(5),
        places(tick), places(step),
    )  # fmt: skip


class RuleBook:
    """Every symbol's rules; a symbol not listed gets `derived_rules` from its price when
    `derive` is set, and is otherwise refused (-1121)."""

    def __init__(self, rules: Mapping[str, SymbolRules], derive: bool = True) -> None:
        self.rules = dict(rules)
        self.derive = derive

    def get(self, symbol: str, price: Decimal | None) -> SymbolRules:
        """The rules of `symbol` (`price`: its last price, for deriving them)."""
        known = self.rules.get(symbol)
        if known is not None:
            return known
        if self.derive and price is not None and price > 0:
            self.rules[symbol] = derived_rules(symbol, price)
            return self.rules[symbol]
        raise VenueError(-1121, "Invalid symbol.")
