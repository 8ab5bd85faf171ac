"""The 15m confluence engine's outcome message and daily report (seed 002 §10.4, §11.2).

- `OutcomeTracker` follows each position of the strategies in `confluence_card.STRATEGIES`
  from its entry's fill (the order event: quantity, fill price, initial stop, legs) through
  its closing fills (trade events, one per leg) and, once the quantity is all closed, gives
  its `ConfluenceOutcome`: what closed it last (TP1–TP3, SL — after which legs —, max hold,
  manual …), the legs filled, the net P&L (fees and funding included), the R achieved
  (P&L ÷ the risk at entry, quantity × |fill − initial stop|) and the hold. This replaces
  the seed's 60 s outcome poller (§11.2, FEATURES.md B.10): the platform's positions close
  by their own orders. A position opened before the bot was listening has no entry to
  follow: its fills are told by the generic TP/SL alerts only.
- `ConfluenceDailyReport`: §10.4's daily report of one strategy's UTC day
  (`PortfolioService.strategy_day`), sent with the account's report at 00:00 UTC when the
  strategy signalled or closed a position that day. Its wins, losses and R:R count
  positions (legs summed), its P&L % is of the equity the day began with and its drawdown
  is the account's within the day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scalplab.notify.confluence_card import RULE
from scalplab.notify.formatting import duration, money, pct, price, side_word
from scalplab.notify.rendered import Priority, Rendered
from scalplab.orders.models import Trade
from scalplab.orders.types import Order
from scalplab.services.portfolio import PositionResult, StrategyDay

EXIT_WORDS = {
    "sl": "SL",
    "liquidation": "LIQUIDATION",
    "max_hold": "MAX HOLD",
    "signal": "STRATEGY EXIT",
    "manual": "MANUAL CLOSE",
    "end": "END OF DATA",
}
QTY_TOLERANCE = 1e-9
"""Relative quantity left under which a position counts as closed (float sums of steps)."""


@dataclass(frozen=True, slots=True)
class ConfluenceOutcome:
    """A confluence position closed: its fills and what its entry risked."""

    symbol: str
    strategy: str
    side: str
    qty: float
    entry_price: float
    stop: float | None
    legs: int
    """Take-profit legs the entry planned (0: one target, no ladder)."""
    fills: tuple[Trade, ...]
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One outcome per position."""
        first = self.fills[0]
        return f"outcome:{self.symbol}:{self.strategy}:{first.entry_ms}"

    @property
    def pnl(self) -> float:
        """Net P&L of every fill (fees and funding included)."""
        return sum(t.pnl for t in self.fills)

    @property
    def risk(self) -> float | None:
        """What the initial stop would have lost (None without a stop)."""
        return None if self.stop is None else self.qty * abs(self.entry_price - self.stop)

    @property
    def legs_filled(self) -> list[int]:
        """Take-profit legs that filled, in order."""
        return sorted({t.leg for t in self.fills if t.exit_reason == "tp" and t.leg is not None})

    def outcome(self) -> str:
        """`TP3`, `SL`, `SL after TP1`, `MAX HOLD after TP2`, …: the last fill's exit."""
        last = self.fills[-1]
        filled = self.legs_filled
        if last.exit_reason == "tp":
            return "TP" if last.leg is None else f"TP{last.leg}"
        words = EXIT_WORDS.get(last.exit_reason, last.exit_reason.upper())
        return f"{words} after TP{filled[-1]}" if filled else words

    def render(self) -> Rendered:
        """Outcome, legs, P&L, R achieved, prices and hold."""
        pnl, qty = self.pnl, self.qty
        icon = "✅" if pnl > 0 else "❌" if pnl < 0 else "➖"
        lines = [f"{icon} SIGNAL OUTCOME — {self.symbol} {side_word(self.side)}", RULE]
        lines.append(f"Outcome: {self.outcome()}")
        if self.legs > 1:
            filled = set(self.legs_filled)
            marks = [f"TP{n} {'✓' if n in filled else '✗'}" for n in range(1, self.legs + 1)]
            lines.append("Legs: " + " | ".join(marks))
        notional = self.entry_price * qty
        share = f" ({pct(pnl / notional * 100.0)} of the entry notional)" if notional else ""
        lines.append(f"P&L: {money(pnl)}{share}")
        risk = self.risk
        lines.append(f"R:R Achieved: {pnl / risk:+.2f}R" if risk else "R:R Achieved: —")
        exit_avg = sum(t.exit_price * t.qty for t in self.fills) / qty if qty else 0.0
        lines.append(f"Entry: {price(self.entry_price)} → Avg exit: {price(exit_avg)}")
        first, last = self.fills[0], self.fills[-1]
        bars = f"{last.bars_held} candle{'' if last.bars_held == 1 else 's'}"
        span = (last.exit_ms - first.entry_ms) / 1000
        lines.append(f"Hold: {duration(span)} ({bars})" if span > 0 else f"Hold: {bars}")
        lines.append(f"Strategy: {self.strategy}")
        return Rendered("\n".join(lines))


@dataclass(slots=True)
class _Open:
    order: Order
    qty: float
    fills: list[Trade] = field(default_factory=list)


class OutcomeTracker:
    """Follows the positions of some strategies from their entry fill to their last fill."""

    def __init__(self, strategies: frozenset[str]) -> None:
        self.strategies = strategies
        self._open: dict[tuple[str, str], _Open] = {}

    def entry_filled(self, order: Order) -> None:
        """An entry order of a followed strategy filled: its position opens."""
        if order.strategy not in self.strategies or order.qty is None:
            return
        self._open[(order.symbol, order.strategy)] = _Open(order, float(order.qty))

    def closed(self, trade: Trade) -> ConfluenceOutcome | None:
        """A closing fill; the outcome once the position is flat (None before, or for a
        position whose entry was not followed)."""
        book = (trade.symbol, trade.strategy)
        open_ = self._open.get(book)
        if open_ is None:
            return None
        open_.fills.append(trade)
        closed = sum(t.qty for t in open_.fills)
        if closed < open_.qty * (1.0 - QTY_TOLERANCE):
            return None
        del self._open[book]
        order = open_.order
        exits = order.exits
        fill = order.fill_price if order.fill_price is not None else trade.entry_price
        return ConfluenceOutcome(
            symbol=trade.symbol,
            strategy=trade.strategy,
            side="long" if order.side == "buy" else "short",
            qty=open_.qty,
            entry_price=fill,
            stop=None if order.stop_loss is None else float(order.stop_loss),
            legs=0 if exits is None else len(exits.take_profits),
            fills=tuple(open_.fills),
        )


def _trade_words(position: PositionResult | None) -> str:
    if position is None:
        return "—"
    r = "" if position.r_multiple is None else f" ({position.r_multiple:+.2f}R)"
    return f"{position.symbol} {side_word(position.side)} {money(position.pnl)}{r}"


@dataclass(frozen=True, slots=True)
class ConfluenceDailyReport:
    """Seed 002 §10.4's daily report of one strategy's UTC day."""

    day: StrategyDay
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One report per strategy and day."""
        return f"daily:{self.day.strategy}:{self.day.day}"

    def render(self) -> Rendered:
        """Signals, wins and losses, win rate, P&L %, best and worst, drawdown, R:R."""
        d = self.day
        positions = d.positions
        best = max(positions, key=lambda p: p.pnl) if positions else None
        worst = min(positions, key=lambda p: p.pnl) if positions else None
        rate = f"{d.wins / len(positions) * 100:.1f}%" if positions else "— (no closed position)"
        avg_r = d.avg_r
        others = {k: v for k, v in d.signals.items() if k not in ("accepted", "pending")}
        lines = [
            f"📊 DAILY REPORT — {d.day} · {d.strategy}",
            RULE,
            f"Signals Sent: {d.sent}",
        ]
        if others:
            lines.append("Not sent: " + ", ".join(f"{k} {v}" for k, v in sorted(others.items())))
        lines += [
            f"Wins: {d.wins} | Losses: {d.losses}",
            f"Win Rate: {rate}",
            f"Total P&L: {pct(d.pnl_pct)} ({money(d.pnl)})",
            f"Best Trade: {_trade_words(best)}",
            f"Worst Trade: {_trade_words(worst)}",
            f"Max Drawdown: {d.max_drawdown_pct:.2f}% (account, within the day)",
            f"Avg R:R Achieved: {'—' if avg_r is None else f'{avg_r:+.2f}R'}",
        ]
        return Rendered("\n".join(lines))


__all__ = ["ConfluenceDailyReport", "ConfluenceOutcome", "OutcomeTracker"]
