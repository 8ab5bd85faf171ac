"""The notifier's typed message records and their texts (formats from the seeds).

Each record knows its dedupe `key` (the same key within the dedupe window is sent
once; None: never deduplicated), its `priority` (a full outbox drops low-priority
records first) and, for signal cards only, the `cooldown_symbol` its per-symbol
cooldown applies to. `render()` gives the plain text and any inline buttons.

Formats: the signal card is seed 001's rendering of seed 000 §9 (FEATURES A.6,
PROPOSED); fills, TP/SL exits, breaker and daily report follow seed 003 §16 and seed
002 §10.3/§10.4. The 15m confluence engine has formats of its own, chosen by strategy
name (`confluence_card`, `confluence_reports`). A `PendingOutcome` is not a new message:
it edits the messages that showed the confirmation's buttons. `Button`, `Rendered` and
`Priority` live in `scalplab.notify.rendered`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scalplab.backtests.storage import BacktestSummary
from scalplab.notify.confluence_card import ConfluenceSignalAlert
from scalplab.notify.confluence_reports import ConfluenceDailyReport, ConfluenceOutcome
from scalplab.notify.formatting import (
    breakdown_lines,
    duration,
    money,
    move_pct,
    pct,
    price,
    quantity,
    side_emoji,
    side_word,
    utc_time,
)
from scalplab.notify.rendered import Button, Priority, Rendered
from scalplab.orders.models import Trade
from scalplab.orders.pending import PendingView
from scalplab.orders.types import Order
from scalplab.simulation.views import RiskEventView, SignalView

CONFIRM = "cf:"
"""Callback-data prefix of a Confirm button (followed by the pending id)."""
REJECT = "rj:"
"""Callback-data prefix of a Reject button."""
CLOSE_ALL = "ca:"
"""Callback-data prefix of the close-all confirmation button (followed by its ticket)."""
CLOSE_CANCEL = "cx:"
"""Callback-data prefix of the close-all cancel button."""

EXIT_TITLES = {
    "tp": "✅ TAKE PROFIT",
    "sl": "🔴 STOP LOSS",
    "liquidation": "💀 LIQUIDATION",
    "max_hold": "⏱ MAX HOLD EXIT",
    "signal": "🚪 STRATEGY EXIT",
    "manual": "✋ MANUAL CLOSE",
    "end": "🏁 END OF DATA",
}
OUTCOME_TITLES = {
    "confirmed": "✅ CONFIRMED",
    "rejected": "❌ REJECTED",
    "expired": "⌛ EXPIRED",
    "cancelled": "🚫 CANCELLED",
    "open": "⏳ WAITING",
}


def confirmation_buttons(pending_id: str) -> tuple[tuple[Button, ...], ...]:
    """The Confirm / Reject row of a pending confirmation."""
    return ((Button("✅ Confirm", CONFIRM + pending_id), Button("❌ Reject", REJECT + pending_id)),)


def _num(value: object) -> float | None:
    return None if value is None else float(str(value))


@dataclass(frozen=True, slots=True)
class SignalAlert:
    """A new signal the engine accepted or holds for confirmation (seed 001's card)."""

    signal: SignalView
    exchange: str = "BINANCE"
    priority: Priority = "low"

    @property
    def key(self) -> str:
        """One card per (symbol, strategy, bar, side)."""
        s = self.signal
        return f"signal:{s.symbol}:{s.strategy}:{s.time_ms}:{s.side}"

    @property
    def cooldown_symbol(self) -> str | None:
        """Signal cards share a per-symbol cooldown."""
        return self.signal.symbol

    def render(self) -> Rendered:
        """The card: pair, side, entry, TP, SL, score, reasons, time. A strategy's payload
        adds to it: its `score` replaces the confidence, then tier / variant, and the top
        features of the breakdown after the reasons."""
        s = self.signal
        tp_move = move_pct(s.entry, s.take_profit, s.side)
        sl_move = move_pct(s.entry, s.stop_loss, s.side)
        lines = [
            f"🔥 {s.strategy.upper()} {side_word(s.side)} SIGNAL 🔥",
            "",
            f"Symbol: {s.symbol}",
            f"Exchange: {self.exchange}",
            "",
            f"Entry: {price(s.entry)}",
            f"Take Profit: {price(s.take_profit)} ({pct(tp_move)})",
            f"Stop Loss: {price(s.stop_loss)} ({pct(sl_move)})",
            "",
            f"Score: {s.confidence:g}/100" if s.score is None else f"Score: {s.score:.1f}/100",
        ]
        labels = [f"{k}: {v}" for k, v in (("Tier", s.tier), ("Variant", s.variant)) if v]
        if labels:
            lines.append(" | ".join(labels))
        if s.reasons:
            lines += ["", "Reasons:", *(f"  • {reason}" for reason in s.reasons)]
        if s.breakdown:
            lines += ["", "Breakdown:", *breakdown_lines(s.breakdown)]
        if s.status == "pending":
            lines += ["", "Waiting for confirmation (see the Confirm / Reject message)."]
        lines += ["", f"⏰ {utc_time(s.time_ms)}"]
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An order waiting for a person's confirmation, with Confirm / Reject buttons."""

    pending: PendingView
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One prompt per confirmation."""
        return f"pending:{self.pending.pending.id}"

    def render(self) -> Rendered:
        """Order, levels, expiry and the buttons."""
        return Rendered(pending_text(self.pending, "open"), confirmation_buttons(self.pending_id))

    @property
    def pending_id(self) -> str:
        """The confirmation's id (what the buttons carry)."""
        return self.pending.pending.id


def pending_text(view: PendingView, status: str, note: str = "") -> str:
    """The text of a confirmation prompt, headed by its state."""
    pending = view.pending
    order = pending.order
    title = "⏳ CONFIRM ORDER" if status == "open" else OUTCOME_TITLES.get(status, status.upper())
    lines = [
        f"{title} — {order.symbol} {side_word(order.side)}",
        f"Strategy: {order.strategy or 'manual'}",
        f"Type: {order.type} | Qty: {quantity(_num(order.qty))}",
    ]
    if order.price is not None:
        lines.append(f"Price: {price(_num(order.price))}")
    if order.stop_loss is not None or order.take_profit is not None:
        lines.append(
            f"Stop Loss: {price(_num(order.stop_loss))} | "
            f"Take Profit: {price(_num(order.take_profit))}"
        )
    if status == "open":
        lines.append(f"Expires in {duration(view.seconds_left)}")
    if note:
        lines.append(note)
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class PendingOutcome:
    """A confirmation was resolved: its prompts lose their buttons and show the outcome."""

    pending: PendingView
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One edit per resolution."""
        return f"resolved:{self.pending.pending.id}:{self.pending.pending.status}"

    @property
    def pending_id(self) -> str:
        """Which confirmation's prompts to edit."""
        return self.pending.pending.id

    def render(self) -> Rendered:
        """The prompt's text headed by the outcome, without buttons."""
        pending = self.pending.pending
        reason = pending.order.reason
        note = f"Reason: {reason}" if reason and pending.status != "confirmed" else ""
        return Rendered(pending_text(self.pending, pending.status, note))


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """An entry order filled: a position is open (seed 003's open alert)."""

    order: Order
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One alert per order."""
        return f"filled:{self.order.id}"

    def render(self) -> Rendered:
        """Side, pair, fill price, levels and size."""
        order = self.order
        fill = order.fill_price or 0.0
        qty = _num(order.qty) or 0.0
        lines = [
            f"{side_emoji(order.side)} {side_word(order.side)} {order.symbol} — order filled",
            f"Strategy: {order.strategy or 'manual'}",
            f"Entry: {price(fill)}",
        ]
        stop, target = _num(order.stop_loss), _num(order.take_profit)
        if stop is not None:
            lines.append(f"SL: {price(stop)} ({pct(move_pct(fill, stop, order.side))})")
        if target is not None:
            lines.append(f"TP: {price(target)} ({pct(move_pct(fill, target, order.side))})")
        lines.append(f"Size: {money(qty * fill, signed=False)} (qty {quantity(qty)})")
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class TradeClosedAlert:
    """A position (or a leg of it) closed: TP/SL hit, liquidation, max hold, manual, end."""

    trade: Trade
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One alert per closing fill."""
        t = self.trade
        return f"trade:{t.symbol}:{t.strategy}:{t.exit_ms}:{t.exit_reason}:{t.qty!r}"

    def render(self) -> Rendered:
        """Exit kind, net P&L, prices and hold time (seed 003 §16)."""
        t = self.trade
        title = EXIT_TITLES.get(t.exit_reason, t.exit_reason.upper())
        notional = t.entry_price * t.qty
        result = pct(t.pnl / notional * 100.0) if notional else "—"
        lines = [
            f"{title} — {t.symbol} {side_word(t.side)}",
            f"{money(t.pnl)} net ({result})",
            f"Entry: {price(t.entry_price)} → Exit: {price(t.exit_price)}",
            f"Qty: {quantity(t.qty)} | Fees: {money(-t.fees)}",
            f"Hold: {duration((t.exit_ms - t.entry_ms) / 1000)}",
        ]
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class OrderRejectedAlert:
    """An order the venue or the pipeline refused, with the reason in words."""

    order: Order
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One alert per order."""
        return f"rejected:{self.order.id}"

    def render(self) -> Rendered:
        """Pair, side, type, quantity and the reason."""
        order = self.order
        lines = [
            f"⛔ ORDER REJECTED — {order.symbol} {side_word(order.side)}",
            f"Type: {order.type} | Qty: {quantity(_num(order.qty))}",
            f"Reason: {order.reason or 'not given'}",
        ]
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class BreakerAlert:
    """A circuit breaker blocked a signal or an order (seed 002 §10.4, seed 003 §16)."""

    event: RiskEventView
    side: str | None = None
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One alert per (breaker, symbol) within the dedupe window: a tripped breaker
        blocks every signal until it resets, and one message says so."""
        return f"breaker:{self.event.breaker}:{self.event.symbol}"

    def render(self) -> Rendered:
        """Breaker, what it blocked and why."""
        e = self.event
        what = "signal" if e.signal_id is not None else "order"
        sided = f" {side_word(self.side)}" if self.side else ""
        lines = [
            f"⚠️ CIRCUIT BREAKER — {e.breaker}",
            f"Blocked: {e.symbol}{sided} {what} ({e.strategy})",
            f"Reason: {e.reason}",
            f"⏰ {utc_time(e.time_ms)}",
        ]
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class DailyReport:
    """One UTC day of closed trades and the equity now (seed 003 §16, seed 002 §10.4)."""

    date: str
    trades: int
    wins: int
    losses: int
    gross: float
    fees: float
    net: float
    equity: float
    best: float | None
    worst: float | None
    so_far: bool = False
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str | None:
        """The midnight report is sent once per day; a `/daily` answer is never deduplicated."""
        return None if self.so_far else f"daily:{self.date}"

    @property
    def win_rate(self) -> float:
        """Winning trades in percent of all trades (0 without trades)."""
        return self.wins / self.trades * 100.0 if self.trades else 0.0

    def render(self) -> Rendered:
        """The report's lines."""
        head = f"📊 DAILY REPORT — {self.date}" + (" (so far)" if self.so_far else "")
        lines = [
            head,
            f"Trades: {self.trades} | Wins: {self.wins} | Losses: {self.losses}",
            f"Gross: {money(self.gross)} | Fee: {money(-self.fees)}",
            f"NET: {money(self.net)} | Win Rate: {self.win_rate:.0f}%",
        ]
        if self.best is not None and self.worst is not None:
            lines.append(f"Best: {money(self.best)} | Worst: {money(self.worst)}")
        lines.append(f"Equity: {money(self.equity, signed=False)}")
        return Rendered("\n".join(lines))


@dataclass(frozen=True, slots=True)
class BacktestFinished:
    """A backtest job ended (done or failed)."""

    summary: BacktestSummary
    priority: Priority = "low"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """One alert per job."""
        return f"backtest:{self.summary.id}"

    def render(self) -> Rendered:
        """Inputs, then key metrics (done) or the error (failed)."""
        s = self.summary
        done = s.status == "done"
        lines = [
            f"🧪 BACKTEST {'DONE' if done else s.status.upper()} — {s.pair} {s.strategy} "
            f"{s.timeframe}",
            f"{s.start:%Y-%m-%d %H:%M} → {s.end:%Y-%m-%d %H:%M} UTC",
        ]
        metrics = s.metrics or {}
        if done:
            lines.append(
                f"Trades: {metrics.get('trades') or 0} | "
                f"Win rate: {_metric(metrics.get('win_rate'), '.1f')}%"
            )
            net = metrics.get("net_pnl")
            lines.append(
                f"Net P&L: {money(float(net)) if net is not None else '—'} "
                f"({_metric(metrics.get('return_pct'), '+.2f')}%)"
            )
            lines.append(
                f"Max DD: {_metric(metrics.get('max_drawdown_pct'), '.2f')}% | "
                f"PF: {_metric(metrics.get('profit_factor'), '.2f')}"
            )
        elif s.error:
            lines.append(f"Error: {s.error}")
        lines.append(f"Id: {s.id}")
        return Rendered("\n".join(lines))


def _metric(value: float | int | None, spec: str) -> str:
    return "—" if value is None else format(float(value), spec)


HealthKind = Literal[
    "started",
    "feed_down",
    "feed_recovered",
    "reconnect_storm",
    "gate_changed",
    "halted",
    "resumed",
    "engine_error",
    "universe_changed",
]


@dataclass(frozen=True, slots=True)
class HealthAlert:
    """A health message: the notifier started, the live stream went down / stale or came
    back, a reconnect storm, the live gate or the kill switch changed, the engine failed."""

    kind: HealthKind
    title: str
    detail: str
    dedupe: str = ""
    """What makes two alerts of one kind the same (a state, an error text)."""
    lines: tuple[str, ...] = field(default_factory=tuple)
    priority: Priority = "high"
    cooldown_symbol: str | None = None

    @property
    def key(self) -> str:
        """Kind and `dedupe`: a flapping state alerts once per window."""
        return f"health:{self.kind}:{self.dedupe}"

    def render(self) -> Rendered:
        """Icon, title, detail and any extra lines."""
        icon = {
            "started": "🤖",
            "feed_recovered": "✅",
            "resumed": "▶️",
            "halted": "⏸",
            "gate_changed": "🔐",
            "universe_changed": "🔭",
        }.get(self.kind, "🚨")
        return Rendered("\n".join([f"{icon} {self.title}", self.detail, *self.lines]))


Notification = (
    SignalAlert
    | PendingAlert
    | PendingOutcome
    | OrderFilled
    | TradeClosedAlert
    | OrderRejectedAlert
    | BreakerAlert
    | DailyReport
    | BacktestFinished
    | HealthAlert
    | ConfluenceSignalAlert
    | ConfluenceOutcome
    | ConfluenceDailyReport
)
"""Everything the notifier sends (a `PendingOutcome` as edits of earlier messages)."""
