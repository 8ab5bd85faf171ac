"""Market-data events as the platform sees them, whatever venue they came from.

A venue adapter (`scalplab.data.adapters.binance.messages` for Binance) turns each
message into one of these records; nothing above the adapter reads exchange JSON.
Times are epoch milliseconds (UTC); prices and quantities are floats parsed from the
venue's decimal strings (equal strings give equal floats, so a price is a stable key).
"""

from __future__ import annotations

from dataclasses import dataclass

Level = tuple[float, float]
"""One price level: (price, quantity); quantity 0 in a diff removes the level."""


@dataclass(frozen=True, slots=True)
class KlineUpdate:
    """A candle as it forms; `closed` once its interval is over (the final values)."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float
    trades: int
    taker_buy_volume: float
    taker_buy_quote_volume: float
    closed: bool
    event_time: int


@dataclass(frozen=True, slots=True)
class AggregateTrade:
    """Trades of one taker order at one price (the archive's aggTrades columns)."""

    symbol: str
    agg_trade_id: int
    price: float
    quantity: float
    first_trade_id: int
    last_trade_id: int
    transact_time: int
    is_buyer_maker: bool
    event_time: int


@dataclass(frozen=True, slots=True)
class Trade:
    """One trade."""

    symbol: str
    trade_id: int
    price: float
    quantity: float
    transact_time: int
    is_buyer_maker: bool
    event_time: int


@dataclass(frozen=True, slots=True)
class BookTop:
    """Best bid and ask after book update `update_id`."""

    symbol: str
    update_id: int
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    transact_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class DepthDiff:
    """The changed levels of book updates `first_update_id..final_update_id`;
    `previous_final_update_id` is the previous diff's `final_update_id`."""

    symbol: str
    first_update_id: int
    final_update_id: int
    previous_final_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    transact_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """The book's levels as of update `last_update_id` (a REST depth snapshot)."""

    symbol: str
    last_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    transact_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class MarkPrice:
    """Mark and index price, the current funding rate and the next funding time."""

    symbol: str
    mark_price: float
    index_price: float
    funding_rate: float
    next_funding_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class PartialBook:
    """The best levels of the book (at most 20 a side: bids highest first, asks lowest
    first) as of update `final_update_id`, pushed every 100 ms (Binance's `depth5/10/20`
    partial-book streams); `first_update_id..final_update_id` are the updates since the
    previous push, whose `final_update_id` is `previous_final_update_id`."""

    symbol: str
    first_update_id: int
    final_update_id: int
    previous_final_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    transact_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A forced (liquidation) order of the exchange's liquidation engine: `quantity` is
    the order's, `last_filled_quantity` what its last fill traded, `filled_quantity` what
    all its fills traded, at `average_price`."""

    symbol: str
    side: str
    order_type: str
    time_in_force: str
    quantity: float
    price: float
    average_price: float
    status: str
    last_filled_quantity: float
    filled_quantity: float
    trade_time: int
    event_time: int


@dataclass(frozen=True, slots=True)
class OpenInterest:
    """Open interest (contracts) at `time`."""

    symbol: str
    open_interest: float
    time: int


MarketEvent = (
    KlineUpdate
    | AggregateTrade
    | Trade
    | BookTop
    | DepthDiff
    | BookSnapshot
    | PartialBook
    | MarkPrice
    | Liquidation
    | OpenInterest
)
"""Every market-data event an adapter emits."""
