"""Texts of the bot's command replies, from the services' typed records."""

from __future__ import annotations

from scalplab.notify.formatting import money, pct, price, quantity, side_emoji, side_word
from scalplab.notify.notifier import NotifierHealth
from scalplab.notify.watch import halt_line
from scalplab.orders.metrics import Metrics
from scalplab.services.status import HealthReport
from scalplab.services.trading import HaltResult, HaltState
from scalplab.simulation.views import EngineStatus, Portfolio, PositionView

COMMANDS: tuple[tuple[str, str], ...] = (
    ("status", "engine, trading mode, portfolio and the kill switch"),
    ("positions", "open positions"),
    ("pending", "confirmations waiting, with Confirm / Reject buttons"),
    ("pause", "halt new entries (positions stay open)"),
    ("resume", "allow new entries again"),
    ("close_all", "close every position and halt new entries (asks first)"),
    ("stats", "paper-trading performance so far"),
    ("daily", "today's report so far (or /daily YYYY-MM-DD)"),
    ("heat", "portfolio heat: open risk per position vs the cap (or /heat STRATEGY)"),
    ("pnl", "today's and total P&L (or /pnl YYYY-MM-DD)"),
    ("winrate", "win rate overall and per strategy"),
    ("drawdown", "current and max drawdown"),
    ("help", "this list"),
)
"""The bot's commands and what they do (`/help`, and Telegram's command menu)."""

NOT_ALLOWED = (
    "⛔ You are not allowed to command this bot. "
    "Ask its operator to add your user id to TELEGRAM_ALLOWED_USERS."
)
EXPIRED = "⌛ Expired: this confirmation is no longer open. Nothing was done."


def help_text() -> str:
    """`/help` and `/start`."""
    lines = ["🤖 ScalpLab bot. Commands:"]
    lines += [f"/{name} — {what}" for name, what in COMMANDS]
    return "\n".join(lines)


def status_text(
    status: EngineStatus,
    report: HealthReport,
    halt: HaltState,
    portfolio: Portfolio,
    pending: int,
    notifier: NotifierHealth,
) -> str:
    """`/status`: the engine, the mode and why, the kill switch, the portfolio."""
    if status.state == "running":
        speed = "max speed" if status.speed is None else f"{status.speed:g}x"
        pace = "" if status.feed == "live" else f" {speed}"
        engine = f"running ({status.feed}{pace})"
    else:
        engine = "stopped" + (f" (error: {status.error})" if status.error else "")
    lines = [
        "📟 STATUS",
        f"Engine: {engine} | candles: {status.candles_processed}",
    ]
    for pair in status.pairs:
        feed = f" [{pair.feed_state}]" if pair.feed_state else ""
        lines.append(f"  • {pair.symbol} {pair.strategy} {pair.timeframe}{feed}")
    lines += [
        f"Mode: {report.mode} — {report.reason}",
        halt_line(halt),
        f"Confirm orders: {'on' if status.confirm_orders else 'off'} | pending: {pending}",
        f"Equity: {money(portfolio.equity, signed=False)} | "
        f"open positions: {portfolio.open_positions}",
        f"Unrealised: {money(portfolio.unrealised_pnl)} | "
        f"realised: {money(portfolio.realised_pnl)}",
        f"Notifier: sent {notifier.sent}, failed {notifier.failed}, "
        f"dropped {notifier.dropped}, queued {notifier.queue_depth}",
    ]
    return "\n".join(lines)


def positions_text(positions: list[PositionView]) -> str:
    """`/positions`."""
    if not positions:
        return "📂 No open positions."
    lines = [f"📂 OPEN POSITIONS ({len(positions)})"]
    for p in positions:
        lines += [
            "",
            f"{side_emoji(p.side)} {side_word(p.side)} {p.symbol} ({p.strategy})",
            f"Qty {quantity(p.qty)} @ {price(p.entry_price)} | mark {price(p.mark_price)}",
            f"uPnL {money(p.unrealised_pnl)} | SL {price(p.stop_loss)} | TP {price(p.take_profit)}",
            f"Opened {p.opened_at}",
        ]
    return "\n".join(lines)


def stats_text(metrics: Metrics) -> str:
    """`/stats`: the paper portfolio's metrics."""
    factor = "—" if metrics.profit_factor is None else f"{metrics.profit_factor:.2f}"
    sharpe = "—" if metrics.sharpe is None else f"{metrics.sharpe:.2f}"
    return "\n".join(
        [
            "📈 STATS (paper trading)",
            f"Trades: {metrics.trades} | Wins: {metrics.wins} | Losses: {metrics.losses}",
            f"Win rate: {metrics.win_rate:.1f}%",
            f"Net P&L: {money(metrics.net_pnl)} ({pct(metrics.return_pct)})",
            f"Profit factor: {factor} | Expectancy: {money(metrics.expectancy)}",
            f"Max drawdown: {metrics.max_drawdown_pct:.2f}% | Sharpe: {sharpe}",
            f"Avg hold: {metrics.avg_hold_minutes:.1f} min | Fees: {money(-metrics.fees)}",
            f"Signals: {metrics.signals_generated} generated, {metrics.signals_accepted} "
            f"accepted, {metrics.signals_rejected} rejected, {metrics.signals_blocked} blocked",
        ]
    )


def paused_text(state: HaltState) -> str:
    """`/pause`'s answer."""
    return f"⏸ New entries halted. Open positions stay open.\n{halt_line(state)}"


def resumed_text(state: HaltState) -> str:
    """`/resume`'s answer."""
    return f"▶️ New entries allowed again.\n{halt_line(state)}"


def close_all_prompt(positions: list[PositionView]) -> str:
    """`/close_all`'s question."""
    names = ", ".join(f"{p.symbol} ({p.strategy})" for p in positions) or "none open now"
    return (
        f"🛑 Close ALL positions ({len(positions)}: {names}) at market and halt new entries?\n"
        "This asks once; the button expires in 60 s."
    )


def closed_all_text(result: HaltResult, user_id: int) -> str:
    """What the close-all confirmation did."""
    closed = ", ".join(result.closed) if result.closed else "no open position"
    return (
        f"🛑 CLOSE ALL — confirmed by user {user_id}\n"
        f"Closing: {closed}\n"
        f"{halt_line(result.state)}\n"
        "Resume new entries with /resume."
    )
