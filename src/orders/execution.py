"""The one execution model of ScalpLab, bar by bar (backtest = simulation).

It implements the execution semantics of ARCHITECTURE.md: a signal on the close
of bar t is gated and sized at once, its market entry fills at the open of bar
t+1 (slipped), the stop-loss, take-profit and liquidation levels are live from
that bar on, each bar checks the open before the range, funding is settled at
00/08/16 UTC, and whatever is still open at the end closes at the last close.
Backtrader strategies (`scalplab.strategies.base`) and the paper-trading engine both
drive it through `on_bar` / `on_signal` / `finish`, so the two cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from scalplab.data.symbols import SymbolRules
from scalplab.errors import ConflictError, NotFoundError
from scalplab.orders.costs import CostModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import (
    Bar,
    ExitReason,
    Liquidity,
    Position,
    SignalRecord,
    SignalStatus,
    Trade,
    fields_dict,
)
from scalplab.orders.resting import RestingOrder, match
from scalplab.orders.sizing import liquidation_price, risk_position_size
from scalplab.strategies.signal import Side, Signal

RR_TOLERANCE = 1e-9
QTY_EPSILON = 1e-12

EventKind = Literal["entry", "exit", "funding", "order_filled", "order_cancelled"]


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    """Something the books recorded: a position opened or closed, funding, an order's end."""

    kind: EventKind
    feed: str
    time_ms: int
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExecutionConfig:
    """Economics of a run, from the settings."""

    initial_capital: float
    risk_per_trade_pct: float
    max_leverage: float
    min_rr: float
    maint_margin_pct: float
    costs: CostModel


@dataclass(slots=True)
class _Pending:
    signal: Signal
    qty: float
    signal_ms: int


@dataclass(slots=True)
class _Feed:
    name: str
    rules: SymbolRules
    funding: FundingSchedule
    last_open_ms: int | None
    index: int = -1
    prev_open_ms: int | None = None
    last_bar: Bar | None = None
    position: Position | None = None
    pending: _Pending | None = None
    exit_request: ExitReason | None = None
    bars_in_market: int = 0
    slippage: float = 0.0
    funding_paid: float = 0.0
    funding_default_instants: int = 0
    closed: bool = False
    trades: list[Trade] = field(default_factory=list)
    orders: list[RestingOrder] = field(default_factory=list)


class ExecutionModel:
    """Cash, positions, fills, costs and the signal gate for one or more feeds."""

    def __init__(
        self,
        config: ExecutionConfig,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 2000,
        on_event: Callable[[ExecutionEvent], None] | None = None,
    ) -> None:
        self.config = config
        self._on_event = on_event
        self.cash = config.initial_capital
        self.fees_paid = 0.0
        self.signals: list[SignalRecord] = []
        self.equity_curve: list[tuple[int, float]] = []
        self._feeds: dict[str, _Feed] = {}
        self._progress = progress
        self._progress_every = progress_every
        self._bars_seen = 0
        self.touched: set[str] = set()
        """Feeds changed since the owner last cleared this (for incremental persistence)."""

    # ----- set-up and queries -------------------------------------------------

    def add_feed(
        self,
        name: str,
        rules: SymbolRules,
        funding: FundingSchedule,
        last_open_ms: int | None = None,
    ) -> None:
        """Register a feed; `last_open_ms` marks its final bar (signals there are dropped)."""
        self._feeds[name] = _Feed(
            name=name, rules=rules, funding=funding, last_open_ms=last_open_ms
        )
        self.touched.add(name)

    def position(self, feed: str) -> Position | None:
        """The open position of a feed, if any."""
        return self._feeds[feed].position

    def bars_held(self, feed: str) -> int:
        """Bars since the open position's entry bar, that bar included (0 when flat)."""
        state = self._feeds[feed]
        if state.position is None:
            return 0
        return state.index - state.position.entry_index + 1

    def feeds(self) -> list[str]:
        """Registered feed names, in registration order."""
        return list(self._feeds)

    def last_bar(self, feed: str) -> Bar | None:
        """The last bar processed on a feed."""
        return self._feeds[feed].last_bar

    def open_orders(self, feed: str) -> list[RestingOrder]:
        """Orders still working on a feed."""
        return list(self._feeds[feed].orders)

    @property
    def trades(self) -> list[Trade]:
        """Every closed trade, in exit order per feed, feeds in registration order."""
        return [trade for state in self._feeds.values() for trade in state.trades]

    @property
    def equity(self) -> float:
        """Cash plus the unrealised P&L of every open position at its last close."""
        unrealised = sum(
            state.position.unrealised(state.last_bar.close)
            for state in self._feeds.values()
            if state.position is not None and state.last_bar is not None
        )
        return self.cash + unrealised

    def totals(self) -> dict[str, float | int]:
        """Run-wide totals of costs and exposure."""
        states = list(self._feeds.values())
        return {
            "fees": self.fees_paid,
            "slippage": sum(s.slippage for s in states),
            "funding": sum(s.funding_paid for s in states),
            "bars": sum(s.index + 1 for s in states),
            "bars_in_market": sum(s.bars_in_market for s in states),
            "funding_default_instants": sum(s.funding_default_instants for s in states),
        }

    # ----- the bar loop ---------------------------------------------------------

    def on_bar(self, feed: str, bar: Bar) -> None:
        """Process one closed bar: funding, queued exits and entries at the open, the bracket
        levels, then the resting orders."""
        state = self._feeds[feed]
        self.touched.add(feed)
        state.index += 1
        held_before = state.position is not None
        if state.position is not None and state.prev_open_ms is not None:
            self._settle_funding(state, bar)
        if state.position is not None and state.exit_request is not None:
            reason = state.exit_request
            self._close(
                state, bar, self._slip_exit(state.position, bar.open), bar.open, "taker", reason
            )
        state.exit_request = None
        opened = False
        if state.pending is not None:
            self._open_pending(state, bar)
            opened = True
        if state.position is not None:
            self._check_levels(state, bar)
        if state.orders:
            opened = self._work_orders(state, bar) or opened
        if held_before or opened:
            state.bars_in_market += 1
        state.prev_open_ms = bar.open_ms
        state.last_bar = bar
        self.equity_curve.append((bar.open_ms, self.equity))
        self._bars_seen += 1
        if self._progress is not None and self._bars_seen % self._progress_every == 0:
            self._progress(self._bars_seen)

    def evaluate(self, feed: str, bar: Bar, signal: Signal) -> SignalRecord:
        """Gate and size a signal produced on the close of `bar`, without queueing it.

        The record says `accepted` (with the size), `rejected` (with the reason) or
        `dropped` (a signal on the feed's last bar); it is not added to `signals`.
        """
        state = self._feeds[feed]
        if state.last_open_ms is not None and bar.open_ms >= state.last_open_ms:
            return _record(feed, bar, signal, "dropped", "last_bar")
        if state.position is not None or state.pending is not None:
            return _record(feed, bar, signal, "rejected", "position_open")
        if not signal.levels_valid:
            return _record(feed, bar, signal, "rejected", "invalid_levels")
        if signal.reward_risk < self.config.min_rr - RR_TOLERANCE:
            return _record(feed, bar, signal, "rejected", "min_rr")
        qty = risk_position_size(
            self.equity,
            signal.entry,
            signal.stop_loss,
            self.config.risk_per_trade_pct,
            self.config.max_leverage,
            state.rules.step_size,
        )
        if qty <= 0 or qty < float(state.rules.min_qty):
            return _record(feed, bar, signal, "rejected", "min_qty", qty)
        if qty * signal.entry < float(state.rules.min_notional):
            return _record(feed, bar, signal, "rejected", "min_notional", qty)
        return _record(feed, bar, signal, "accepted", "", qty)

    def on_signal(self, feed: str, bar: Bar, signal: Signal) -> SignalRecord:
        """Gate and size a signal produced on the close of `bar`; queue its entry if accepted."""
        record = self.evaluate(feed, bar, signal)
        self.signals.append(record)
        if record.status == "accepted":
            self.queue_entry(feed, signal, record.qty, bar.open_ms)
        return record

    def queue_entry(self, feed: str, signal: Signal, qty: float, signal_ms: int) -> None:
        """Queue a market entry with the signal's bracket, filling at the next bar's open."""
        state = self._feeds[feed]
        if state.position is not None or state.pending is not None:
            raise ConflictError(f"{feed} already has a position or a pending entry")
        self.touched.add(feed)
        state.pending = _Pending(signal=signal, qty=qty, signal_ms=signal_ms)

    def place_order(self, feed: str, order: RestingOrder) -> None:
        """Add a working order; a trailing stop starts trailing from the last close."""
        state = self._feeds[feed]
        if any(existing.id == order.id for existing in state.orders):
            raise ConflictError(f"order {order.id} is already working on {feed}")
        if order.type == "trailing_stop" and order.trail_extreme is None and state.last_bar:
            order.trail_extreme = state.last_bar.close
        state.orders.append(order)
        self.touched.add(feed)

    def cancel_order(self, feed: str, order_id: str, reason: str = "cancelled") -> bool:
        """Cancel a working order; False when it is not working (filled or unknown)."""
        state = self._feeds[feed]
        for order in state.orders:
            if order.id == order_id:
                state.orders.remove(order)
                self.touched.add(feed)
                time_ms = state.last_bar.open_ms if state.last_bar else 0
                self._emit("order_cancelled", feed, time_ms, {"id": order_id, "reason": reason})
                return True
        return False

    def request_exit(self, feed: str, reason: ExitReason) -> bool:
        """Queue a market exit at the next bar's open (max-hold, manual)."""
        state = self._feeds[feed]
        if state.position is None:
            return False
        self.touched.add(feed)
        state.exit_request = reason
        return True

    def finish(self, feed: str) -> None:
        """End of data: close at the last close (taker, slipped) and drop a pending entry."""
        state = self._feeds[feed]
        if state.closed:
            return
        self.touched.add(feed)
        state.closed = True
        state.pending = None
        state.exit_request = None
        bar = state.last_bar
        if state.position is None or bar is None:
            return
        self._close(
            state, bar, self._slip_exit(state.position, bar.close), bar.close, "taker", "end"
        )
        if self.equity_curve and self.equity_curve[-1][0] == bar.open_ms:
            self.equity_curve[-1] = (bar.open_ms, self.equity)

    # ----- persistence ----------------------------------------------------------

    def state(self, trades: bool = True, feeds: bool = True) -> dict[str, Any]:
        """Everything needed to continue exactly after a restart (JSON-ready).

        Signals and the equity curve are not included: whoever persists the
        state keeps those as rows of their own. `trades=False` leaves out the
        closed trades too (each feed's list is empty): for a caller that stores
        them as rows and hands them back to `restore`. `feeds=False` leaves out
        the feeds (an empty map): for a caller that stores each with `feed_state`.
        """
        return {
            "cash": self.cash,
            "fees_paid": self.fees_paid,
            "bars_seen": self._bars_seen,
            "feeds": (
                {name: _feed_state(state, trades) for name, state in self._feeds.items()}
                if feeds
                else {}
            ),
        }

    def feed_state(self, feed: str, trades: bool = True) -> dict[str, Any]:
        """One feed's part of `state()`."""
        return _feed_state(self._feeds[feed], trades)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Load `state()` output into this model, whose feeds are already registered."""
        self.cash = float(snapshot["cash"])
        self.fees_paid = float(snapshot["fees_paid"])
        self._bars_seen = int(snapshot["bars_seen"])
        for name, data in snapshot["feeds"].items():
            if name not in self._feeds:
                raise NotFoundError(f"saved state has feed {name} that is not registered")
            _restore_feed(self._feeds[name], data)
        self.touched.update(self._feeds)

    # ----- internals --------------------------------------------------------------

    def _emit(self, kind: EventKind, feed: str, time_ms: int, data: dict[str, Any]) -> None:
        if self._on_event is not None:
            self._on_event(ExecutionEvent(kind, feed, time_ms, data))

    def _settle_funding(self, state: _Feed, bar: Bar) -> None:
        position = state.position
        assert position is not None and state.prev_open_ms is not None
        for instant in state.funding.instants_between(state.prev_open_ms, bar.open_ms):
            if not state.funding.recorded(instant):
                state.funding_default_instants += 1
            rate = state.funding.rate_at(instant)
            amount = position.qty * bar.open * rate * position.direction
            self.cash -= amount
            position.funding += amount
            state.funding_paid += amount
            self._emit(
                "funding",
                state.name,
                bar.open_ms,
                {"instant_ms": instant, "rate": rate, "amount": amount},
            )

    def _open_pending(self, state: _Feed, bar: Bar) -> None:
        pending = state.pending
        assert pending is not None
        state.pending = None
        signal = pending.signal
        price = self.config.costs.slipped(bar.open, buying=signal.side == "long")
        self._open(
            state,
            bar,
            signal.side,
            pending.qty,
            price,
            bar.open,
            "taker",
            signal.stop_loss,
            signal.take_profit,
        )

    def _open(
        self,
        state: _Feed,
        bar: Bar,
        side: Side,
        qty: float,
        price: float,
        reference: float,
        liquidity: Liquidity,
        stop_loss: float | None,
        take_profit: float | None,
    ) -> None:
        fee = self.config.costs.fee(price * qty, liquidity)
        self.cash -= fee
        self.fees_paid += fee
        slippage = abs(price - reference) * qty
        state.slippage += slippage
        state.position = Position(
            side=side,
            qty=qty,
            entry_price=price,
            entry_ms=bar.open_ms,
            entry_index=state.index,
            stop_loss=stop_loss,
            take_profit=take_profit,
            liquidation_price=liquidation_price(
                price, side == "long", self.config.max_leverage, self.config.maint_margin_pct
            ),
            margin=price * qty / self.config.max_leverage,
            fees=fee,
            funding=0.0,
            slippage=slippage,
        )
        self._emit("entry", state.name, bar.open_ms, state.position.to_dict())

    def _check_levels(self, state: _Feed, bar: Bar, stops_only: bool = False) -> None:
        position = state.position
        assert position is not None
        is_long = position.side == "long"
        stops: list[tuple[float, ExitReason]] = [(position.liquidation_price, "liquidation")]
        if position.stop_loss is not None:
            stops.insert(0, (position.stop_loss, "sl"))

        def nearest(levels: list[tuple[float, ExitReason]]) -> tuple[float, ExitReason]:
            return min(levels, key=lambda level: abs(level[0] - position.entry_price))

        tp = position.take_profit
        if tp is None or stops_only:
            tp = math.inf if is_long else -math.inf
        if is_long:
            gapped = [lv for lv in stops if bar.open <= lv[0]]
            tp_gapped = bar.open >= tp
            reached = [lv for lv in stops if bar.low <= lv[0]]
            tp_reached = bar.high >= tp
        else:
            gapped = [lv for lv in stops if bar.open >= lv[0]]
            tp_gapped = bar.open <= tp
            reached = [lv for lv in stops if bar.high >= lv[0]]
            tp_reached = bar.low <= tp
        if gapped and not stops_only:
            _, reason = nearest(gapped)
            self._close(state, bar, self._slip_exit(position, bar.open), bar.open, "taker", reason)
        elif tp_gapped:
            self._close(state, bar, bar.open, bar.open, "maker", "tp")
        elif reached:
            level, reason = nearest(reached)
            self._close(state, bar, self._slip_exit(position, level), level, "taker", reason)
        elif tp_reached:
            self._close(state, bar, tp, tp, "maker", "tp")

    def _work_orders(self, state: _Feed, bar: Bar) -> bool:
        """Match the working orders against the bar; True when one opened a position."""
        opened = False
        for order in list(state.orders):
            if order not in state.orders:
                continue  # cancelled by an earlier fill in this bar
            position = state.position
            if order.reduce_only and position is None:
                self.cancel_order(state.name, order.id, "reduce-only order with no position")
                continue
            if not order.reduce_only and position is not None:
                self.cancel_order(state.name, order.id, "position_open")
                continue
            fill = match(order, bar, self.config.costs)
            if fill is None:
                continue
            state.orders.remove(order)
            self._emit(
                "order_filled",
                state.name,
                bar.open_ms,
                {"id": order.id, "price": fill.price, "liquidity": fill.liquidity},
            )
            if order.reduce_only:
                assert position is not None
                closes = (position.side == "long") != order.buying
                if not closes:
                    continue
                qty = min(order.qty, position.qty)
                self._close(state, bar, fill.price, fill.reference, fill.liquidity, "manual", qty)
            else:
                side: Side = "long" if order.buying else "short"
                self._open(
                    state,
                    bar,
                    side,
                    order.qty,
                    fill.price,
                    fill.reference,
                    fill.liquidity,
                    order.stop_loss,
                    order.take_profit,
                )
                opened = True
                # The bracket is live at once; within the fill bar only the stops are
                # checked (the bar's high may have come before the fill).
                self._check_levels(state, bar, stops_only=True)
        return opened

    def _slip_exit(self, position: Position, price: float) -> float:
        return self.config.costs.slipped(price, buying=position.side == "short")

    def _close(
        self,
        state: _Feed,
        bar: Bar,
        price: float,
        reference: float,
        liquidity: Liquidity,
        reason: ExitReason,
        qty: float | None = None,
    ) -> None:
        position = state.position
        assert position is not None
        closing = position.qty if qty is None else min(qty, position.qty)
        share = closing / position.qty
        entry_fees = position.fees * share
        funding = position.funding * share
        entry_slippage = position.slippage * share
        fee = self.config.costs.fee(price * closing, liquidity)
        gross = (price - position.entry_price) * closing * position.direction
        self.cash += gross - fee
        self.fees_paid += fee
        slippage = abs(price - reference) * closing
        state.slippage += slippage
        trade = Trade(
            feed=state.name,
            side=position.side,
            entry_ms=position.entry_ms,
            exit_ms=bar.open_ms,
            entry_price=position.entry_price,
            exit_price=price,
            qty=closing,
            exit_reason=reason,
            fees=entry_fees + fee,
            funding=funding,
            slippage=entry_slippage + slippage,
            pnl=gross - entry_fees - fee - funding,
            bars_held=state.index - position.entry_index + 1,
        )
        state.trades.append(trade)
        remaining = position.qty - closing
        if remaining <= QTY_EPSILON * max(1.0, position.qty):
            state.position = None
        else:
            position.qty = remaining
            position.fees -= entry_fees
            position.funding -= funding
            position.slippage -= entry_slippage
            position.margin *= 1.0 - share
        self._emit("exit", state.name, bar.open_ms, trade.to_dict())


def _record(
    feed: str, bar: Bar, signal: Signal, status: SignalStatus, reason: str, qty: float = 0.0
) -> SignalRecord:
    return SignalRecord(
        feed=feed,
        time_ms=bar.open_ms,
        side=signal.side,
        entry=signal.entry,
        stop_loss=signal.stop_loss,
        take_profit=signal.take_profit,
        confidence=signal.confidence,
        reasons=tuple(signal.reasons),
        status=status,
        reason=reason,
        qty=qty,
    )


def _bar_dict(bar: Bar | None) -> dict[str, Any] | None:
    return None if bar is None else fields_dict(bar)


def _feed_state(state: _Feed, trades: bool) -> dict[str, Any]:
    pending = state.pending
    return {
        "index": state.index,
        "prev_open_ms": state.prev_open_ms,
        "last_bar": _bar_dict(state.last_bar),
        "position": state.position.to_dict() if state.position else None,
        "pending": None
        if pending is None
        else {
            "signal": pending.signal.to_dict(),
            "qty": pending.qty,
            "signal_ms": pending.signal_ms,
        },
        "exit_request": state.exit_request,
        "bars_in_market": state.bars_in_market,
        "slippage": state.slippage,
        "funding_paid": state.funding_paid,
        "funding_default_instants": state.funding_default_instants,
        "closed": state.closed,
        "trades": [trade.to_dict() for trade in state.trades] if trades else [],
        "orders": [order.to_dict() for order in state.orders],
    }


def _restore_feed(state: _Feed, data: dict[str, Any]) -> None:
    state.index = int(data["index"])
    state.prev_open_ms = data["prev_open_ms"]
    state.last_bar = Bar(**data["last_bar"]) if data["last_bar"] else None
    state.position = Position(**data["position"]) if data["position"] else None
    pending = data["pending"]
    state.pending = (
        None
        if pending is None
        else _Pending(
            signal=Signal(**pending["signal"]), qty=pending["qty"], signal_ms=pending["signal_ms"]
        )
    )
    state.exit_request = data["exit_request"]
    state.bars_in_market = int(data["bars_in_market"])
    state.slippage = float(data["slippage"])
    state.funding_paid = float(data["funding_paid"])
    state.funding_default_instants = int(data["funding_default_instants"])
    state.closed = bool(data["closed"])
    state.trades = [Trade(**trade) for trade in data["trades"]]
    state.orders = [RestingOrder.from_dict(order) for order in data["orders"]]
