"""The one execution model of ScalpLab, bar by bar (backtest = simulation).

It implements the execution semantics of ARCHITECTURE.md: a signal on the close
of bar t is gated and sized at once, its market entry fills at the open of bar
t+1 (slipped), the stop-loss, take-profit and liquidation levels are live from
that bar on, each bar checks the open before the range, funding is settled at
00/08/16 UTC, and whatever is still open at the end closes at the last close.
Backtrader strategies (`src.strategies.base`) and the paper-trading engine both
drive it through `on_bar` / `on_signal` / `finish`, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from src.data.symbols import SymbolRules
from src.orders.costs import CostModel
from src.orders.funding import FundingSchedule
from src.orders.models import (
    Bar,
    ExitReason,
    Liquidity,
    Position,
    SignalRecord,
    SignalStatus,
    Trade,
)
from src.orders.sizing import liquidation_price, risk_position_size
from src.strategies.signal import Signal

RR_TOLERANCE = 1e-9


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


class ExecutionModel:
    """Cash, positions, fills, costs and the signal gate for one or more feeds."""

    def __init__(
        self,
        config: ExecutionConfig,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 2000,
    ) -> None:
        self.config = config
        self.cash = config.initial_capital
        self.fees_paid = 0.0
        self.signals: list[SignalRecord] = []
        self.equity_curve: list[tuple[int, float]] = []
        self._feeds: dict[str, _Feed] = {}
        self._progress = progress
        self._progress_every = progress_every
        self._bars_seen = 0

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

    def position(self, feed: str) -> Position | None:
        """The open position of a feed, if any."""
        return self._feeds[feed].position

    def bars_held(self, feed: str) -> int:
        """Bars since the open position's entry bar, that bar included (0 when flat)."""
        state = self._feeds[feed]
        if state.position is None:
            return 0
        return state.index - state.position.entry_index + 1

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
        """Process one closed bar: funding, queued exits, the pending entry, then the levels."""
        state = self._feeds[feed]
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
            self._open(state, bar)
            opened = True
        if state.position is not None:
            self._check_levels(state, bar)
        if held_before or opened:
            state.bars_in_market += 1
        state.prev_open_ms = bar.open_ms
        state.last_bar = bar
        self.equity_curve.append((bar.open_ms, self.equity))
        self._bars_seen += 1
        if self._progress is not None and self._bars_seen % self._progress_every == 0:
            self._progress(self._bars_seen)

    def on_signal(self, feed: str, bar: Bar, signal: Signal) -> SignalRecord:
        """Gate and size a signal produced on the close of `bar`; queue its entry."""
        state = self._feeds[feed]
        if state.last_open_ms is not None and bar.open_ms >= state.last_open_ms:
            return self._record(feed, bar, signal, "dropped", "last_bar")
        if state.position is not None or state.pending is not None:
            return self._record(feed, bar, signal, "rejected", "position_open")
        if not signal.levels_valid:
            return self._record(feed, bar, signal, "rejected", "invalid_levels")
        if signal.reward_risk < self.config.min_rr - RR_TOLERANCE:
            return self._record(feed, bar, signal, "rejected", "min_rr")
        qty = risk_position_size(
            self.equity,
            signal.entry,
            signal.stop_loss,
            self.config.risk_per_trade_pct,
            self.config.max_leverage,
            state.rules.step_size,
        )
        if qty <= 0 or qty < float(state.rules.min_qty):
            return self._record(feed, bar, signal, "rejected", "min_qty", qty)
        if qty * signal.entry < float(state.rules.min_notional):
            return self._record(feed, bar, signal, "rejected", "min_notional", qty)
        state.pending = _Pending(signal=signal, qty=qty, signal_ms=bar.open_ms)
        return self._record(feed, bar, signal, "accepted", "", qty)

    def request_exit(self, feed: str, reason: ExitReason) -> bool:
        """Queue a market exit at the next bar's open (max-hold, manual)."""
        state = self._feeds[feed]
        if state.position is None:
            return False
        state.exit_request = reason
        return True

    def finish(self, feed: str) -> None:
        """End of data: close at the last close (taker, slipped) and drop a pending entry."""
        state = self._feeds[feed]
        if state.closed:
            return
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

    # ----- internals --------------------------------------------------------------

    def _record(
        self,
        feed: str,
        bar: Bar,
        signal: Signal,
        status: SignalStatus,
        reason: str,
        qty: float = 0.0,
    ) -> SignalRecord:
        record = SignalRecord(
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
        self.signals.append(record)
        return record

    def _settle_funding(self, state: _Feed, bar: Bar) -> None:
        position = state.position
        assert position is not None and state.prev_open_ms is not None
        for instant in state.funding.instants_between(state.prev_open_ms, bar.open_ms):
            if not state.funding.recorded(instant):
                state.funding_default_instants += 1
            amount = position.qty * bar.open * state.funding.rate_at(instant) * position.direction
            self.cash -= amount
            position.funding += amount
            state.funding_paid += amount

    def _open(self, state: _Feed, bar: Bar) -> None:
        pending = state.pending
        assert pending is not None
        state.pending = None
        signal = pending.signal
        is_long = signal.side == "long"
        price = self.config.costs.slipped(bar.open, buying=is_long)
        fee = self.config.costs.fee(price * pending.qty, "taker")
        self.cash -= fee
        self.fees_paid += fee
        slippage = abs(price - bar.open) * pending.qty
        state.slippage += slippage
        state.position = Position(
            side=signal.side,
            qty=pending.qty,
            entry_price=price,
            entry_ms=bar.open_ms,
            entry_index=state.index,
            stop_loss=signal.stop_loss,
            take_profit=signal.take_profit,
            liquidation_price=liquidation_price(
                price, is_long, self.config.max_leverage, self.config.maint_margin_pct
            ),
            margin=price * pending.qty / self.config.max_leverage,
            fees=fee,
            funding=0.0,
            slippage=slippage,
        )

    def _check_levels(self, state: _Feed, bar: Bar) -> None:
        position = state.position
        assert position is not None
        is_long = position.side == "long"
        stops: list[tuple[float, ExitReason]] = [
            (position.stop_loss, "sl"),
            (position.liquidation_price, "liquidation"),
        ]

        def nearest(levels: list[tuple[float, ExitReason]]) -> tuple[float, ExitReason]:
            return min(levels, key=lambda level: abs(level[0] - position.entry_price))

        tp = position.take_profit
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
        if gapped:
            _, reason = nearest(gapped)
            self._close(state, bar, self._slip_exit(position, bar.open), bar.open, "taker", reason)
        elif tp_gapped:
            self._close(state, bar, bar.open, bar.open, "maker", "tp")
        elif reached:
            level, reason = nearest(reached)
            self._close(state, bar, self._slip_exit(position, level), level, "taker", reason)
        elif tp_reached:
            self._close(state, bar, tp, tp, "maker", "tp")

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
    ) -> None:
        position = state.position
        assert position is not None
        state.position = None
        fee = self.config.costs.fee(price * position.qty, liquidity)
        gross = (price - position.entry_price) * position.qty * position.direction
        self.cash += gross - fee
        self.fees_paid += fee
        slippage = abs(price - reference) * position.qty
        state.slippage += slippage
        state.trades.append(
            Trade(
                feed=state.name,
                side=position.side,
                entry_ms=position.entry_ms,
                exit_ms=bar.open_ms,
                entry_price=position.entry_price,
                exit_price=price,
                qty=position.qty,
                exit_reason=reason,
                fees=position.fees + fee,
                funding=position.funding,
                slippage=position.slippage + slippage,
                pnl=gross - position.fees - fee - position.funding,
                bars_held=state.index - position.entry_index + 1,
            )
        )
