"""One book of the execution model: its state, the orders it waits to fill, and its JSON form.

`BookState` is everything the model tracks for one strategy on one symbol. `dump` /
`load` round-trip it for restarts (identity, rules and funding schedule excepted: the
owner registers those again before loading). State written by the release before
books existed (a `pending` signal entry and an `exit_request` string) still loads: the
entry's order id is then the one its owner kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scalplab.data.symbols import SymbolRules
from scalplab.orders.exits import ExitRules, exit_rules
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import Bar, BookKey, ExitReason, Position, Trade, fields_dict
from scalplab.orders.resting import RestingOrder
from scalplab.orders.stop_rules import TrueRanges
from scalplab.strategies.signal import Side


@dataclass(frozen=True, slots=True)
class EntryOrder:
    """A market entry with its bracket, filling at the next bar's open (`exits`: its
    take-profit ladder, stop rules and max-hold, None for one stop and one target)."""

    order_id: str
    side: Side
    qty: float
    stop_loss: float | None
    take_profit: float | None
    stop_order_id: str | None = None
    take_profit_order_id: str | None = None
    exits: ExitRules | None = None


@dataclass(frozen=True, slots=True)
class ExitRequest:
    """A market exit of the whole position at the next bar's open."""

    reason: ExitReason
    order_id: str | None = None


@dataclass(slots=True)
class BookState:
    """Everything the model tracks for one book (`ranges`: the true ranges of its bars,
    which trailing stops take their ATR from)."""

    key: BookKey
    rules: SymbolRules
    funding: FundingSchedule
    last_open_ms: int | None
    index: int = -1
    prev_open_ms: int | None = None
    last_bar: Bar | None = None
    position: Position | None = None
    entry: EntryOrder | None = None
    exit: ExitRequest | None = None
    bars_in_market: int = 0
    slippage: float = 0.0
    funding_paid: float = 0.0
    funding_default_instants: int = 0
    closed: bool = False
    trades: list[Trade] = field(default_factory=list)
    orders: list[RestingOrder] = field(default_factory=list)
    ranges: TrueRanges = field(default_factory=TrueRanges)


def dump(state: BookState, trades: bool = True) -> dict[str, Any]:
    """One book's state; `trades=False` leaves its closed trades out."""
    return {
        "index": state.index,
        "prev_open_ms": state.prev_open_ms,
        "last_bar": None if state.last_bar is None else fields_dict(state.last_bar),
        "position": None if state.position is None else state.position.to_dict(),
        "entry": None if state.entry is None else _entry_dict(state.entry),
        "exit": None if state.exit is None else fields_dict(state.exit),
        "bars_in_market": state.bars_in_market,
        "slippage": state.slippage,
        "funding_paid": state.funding_paid,
        "funding_default_instants": state.funding_default_instants,
        "closed": state.closed,
        "trades": [trade.to_dict() for trade in state.trades] if trades else [],
        "orders": [order.to_dict() for order in state.orders],
        "ranges": state.ranges.to_dict(),
    }


def load(state: BookState, data: dict[str, Any], entry_order_id: str | None = None) -> None:
    """Put `dump` output back into `state` (`entry_order_id`: for legacy state only)."""
    state.index = int(data["index"])
    state.prev_open_ms = data["prev_open_ms"]
    state.last_bar = Bar(**data["last_bar"]) if data["last_bar"] else None
    state.position = Position.from_dict(data["position"]) if data["position"] else None
    state.entry = _entry(data, entry_order_id)
    state.exit = _exit(data)
    state.bars_in_market = int(data["bars_in_market"])
    state.slippage = float(data["slippage"])
    state.funding_paid = float(data["funding_paid"])
    state.funding_default_instants = int(data["funding_default_instants"])
    state.closed = bool(data["closed"])
    state.trades = [_trade(trade, state.key.symbol, state.key.strategy) for trade in data["trades"]]
    state.orders = [RestingOrder.from_dict(order) for order in data["orders"]]
    ranges = data.get("ranges")
    state.ranges = TrueRanges() if ranges is None else TrueRanges.from_dict(ranges)


def _entry_dict(entry: EntryOrder) -> dict[str, Any]:
    data = fields_dict(entry)
    if entry.exits is not None:
        data["exits"] = entry.exits.to_dict()
    return data


def _entry(data: dict[str, Any], entry_order_id: str | None) -> EntryOrder | None:
    entry = data.get("entry")
    if entry is not None:
        return EntryOrder(**{**entry, "exits": exit_rules(entry.get("exits"))})
    legacy = data.get("pending")
    if legacy is None:
        return None
    signal = legacy["signal"]
    return EntryOrder(
        order_id=entry_order_id or "",
        side=signal["side"],
        qty=float(legacy["qty"]),
        stop_loss=float(signal["stop_loss"]),
        take_profit=float(signal["take_profit"]),
    )


def _exit(data: dict[str, Any]) -> ExitRequest | None:
    if "exit" in data:
        value = data["exit"]
        return None if value is None else ExitRequest(**value)
    legacy = data.get("exit_request")
    return None if legacy is None else ExitRequest(legacy)


def _trade(data: dict[str, Any], symbol: str, strategy: str) -> Trade:
    fields = {key: value for key, value in data.items() if key != "feed"}
    fields.setdefault("symbol", symbol)
    fields.setdefault("strategy", strategy)
    return Trade(**fields)
