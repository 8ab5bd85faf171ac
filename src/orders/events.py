"""What a venue reports back: typed, past-tense events naming the orders they concern.

The simulated venue (`scalplab.orders.venue.SimulatedVenue`, the execution model)
emits them while it matches bars; the Binance venue (`scalplab.orders.binance_venue`)
emits the same types from the exchange's answers and user-data stream. Nothing above a
venue sees exchange payloads, and nothing matches an order by an exit-reason string:
every fill carries its order id.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.orders.models import Liquidity, Position, Trade


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """An order of `book` filled (entry, bracket leg, manual order or exit order)."""

    book: str
    order_id: str
    time_ms: int
    price: float
    qty: float
    liquidity: Liquidity


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    """The venue dropped a working order of `book` (`reason` says why)."""

    book: str
    order_id: str
    time_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderRefused:
    """The exchange refused an order of `book` for good (`reason` in words)."""

    book: str
    order_id: str
    time_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderOutcomeUnknown:
    """An order of `book` was sent and no answer came back (timeout, 5xx): it may or may
    not be on the exchange. It stays `submitted` until a lookup by its client id tells."""

    book: str
    order_id: str
    time_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class OrderWorking:
    """The exchange holds an order of `book` (after its outcome was unknown)."""

    book: str
    order_id: str
    time_ms: int


@dataclass(frozen=True, slots=True)
class PositionOpened:
    """An entry filled: `position` as it stands right after the fill."""

    book: str
    time_ms: int
    position: Position


@dataclass(frozen=True, slots=True)
class PositionClosed:
    """Quantity of `book`'s position was closed: one trade record per closing fill.

    `order_id` is the order that closed it (a bracket leg, a reduce-only order or an
    exit order), None for a liquidation or the end of the data; `entry_order_id` the
    order that opened the position. `flat` is True when nothing of it is left.
    """

    book: str
    trade: Trade
    order_id: str | None
    entry_order_id: str | None
    flat: bool


@dataclass(frozen=True, slots=True)
class StopMoved:
    """A stop rule moved the stop of `book`'s position at the close of the bar labelled
    `time_ms`, live from the next bar: `order_id` is the stop's order (None for a position
    opened without one), `price` the new level on the tick, `reason` the rule
    (`breakeven after leg 1`, ...)."""

    book: str
    order_id: str | None
    time_ms: int
    price: float
    reason: str


@dataclass(frozen=True, slots=True)
class FundingSettled:
    """Funding of `book`'s position at a settlement instant (`amount` > 0 paid)."""

    book: str
    time_ms: int
    instant_ms: int
    rate: float
    amount: float


VenueEvent = (
    OrderFilled
    | OrderCancelled
    | OrderRefused
    | OrderOutcomeUnknown
    | OrderWorking
    | PositionOpened
    | PositionClosed
    | StopMoved
    | FundingSettled
)
"""Every event a venue reports."""
