"""Typed records of Binance USDT-M's signed trading endpoints (orders, algo orders,
positions, account trades, balances).

Prices and quantities stay `Decimal` (Binance sends decimal strings; nothing above the
adapter re-parses them). Statuses and types keep Binance's own words: the venue adapter
(`scalplab.orders.binance_venue`) maps them onto the order queue's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ExchangeSide = Literal["BUY", "SELL"]
EntryType = Literal["MARKET", "LIMIT"]
TimeInForce = Literal["GTC", "IOC", "FOK", "GTX"]
AlgoType = Literal[
    "STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", "TRAILING_STOP_MARKET"
]
OPEN_ORDER_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
"""`/fapi/v1/order` statuses of an order still working."""
OPEN_ALGO_STATUSES = frozenset({"NEW", "TRIGGERING"})
"""Algo statuses of a conditional order that has not triggered yet (cancellable)."""


@dataclass(frozen=True, slots=True)
class ExchangeOrder:
    """An order of `/fapi/v1/order` (answer of a placement, a query or a cancel)."""

    symbol: str
    order_id: int
    client_order_id: str
    side: ExchangeSide
    type: str
    status: str
    """NEW PARTIALLY_FILLED FILLED CANCELED REJECTED EXPIRED EXPIRED_IN_MATCH."""
    orig_qty: Decimal
    executed_qty: Decimal
    avg_price: Decimal
    price: Decimal
    reduce_only: bool
    time_in_force: str
    update_time_ms: int

    @property
    def is_open(self) -> bool:
        """Still working on the book."""
        return self.status in OPEN_ORDER_STATUSES


@dataclass(frozen=True, slots=True)
class AlgoOrder:
    """A conditional order of `/fapi/v1/algoOrder` (`algoType=CONDITIONAL`)."""

    algo_id: int
    client_algo_id: str
    symbol: str
    side: ExchangeSide
    order_type: str
    algo_status: str
    """NEW TRIGGERING TRIGGERED FINISHED CANCELED REJECTED EXPIRED."""
    trigger_price: Decimal
    quantity: Decimal
    close_position: bool
    reduce_only: bool
    actual_order_id: str
    """The order the trigger placed ('' until it triggered)."""
    update_time_ms: int

    @property
    def is_open(self) -> bool:
        """Not triggered yet: it can still be cancelled through the algo endpoint."""
        return self.algo_status in OPEN_ALGO_STATUSES


@dataclass(frozen=True, slots=True)
class PositionRisk:
    """One symbol's position (`/fapi/v3/positionRisk`, one-way mode: side BOTH)."""

    symbol: str
    position_amt: Decimal
    """Signed: > 0 long, < 0 short, 0 flat."""
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    liquidation_price: Decimal
    leverage: int
    margin_type: str
    update_time_ms: int


@dataclass(frozen=True, slots=True)
class AccountTrade:
    """One fill of the account (`/fapi/v1/userTrades`)."""

    symbol: str
    trade_id: int
    order_id: int
    side: ExchangeSide
    price: Decimal
    qty: Decimal
    realized_pnl: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    maker: bool


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset of the futures wallet (`/fapi/v3/balance`)."""

    asset: str
    wallet_balance: Decimal
    available_balance: Decimal
    unrealized_pnl: Decimal
