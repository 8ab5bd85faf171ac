"""Texts of the read-only portfolio commands (`/heat`, `/pnl`, `/winrate`, `/drawdown`;
seed 002 §10.2, DECISIONS.md §8), from `PortfolioService`'s records. A figure without data
is said in words, never shown as a made-up zero.
"""

from __future__ import annotations

from scalplab.notify.formatting import money, pct, price, side_emoji, side_word
from scalplab.services.portfolio import (
    DrawdownReport,
    HeatCap,
    HeatReport,
    PnlReport,
    WinRate,
    WinRateReport,
)

SCOPE_WORDS = {"global": "all books", "strategy": "its own books", "symbol": "per symbol"}


def _cap_line(cap: HeatCap) -> str:
    scope = SCOPE_WORDS.get(cap.scope, cap.scope)
    return (
        f"Cap {cap.breaker} ({cap.strategy}, {scope}): {cap.heat_pct:.2f}% of "
        f"{cap.max_pct:g}%, {cap.free_pct:.2f}% left (an entry needs {cap.min_free_pct:g}%)"
    )


def heat_text(report: HeatReport, strategy: str | None = None) -> str:
    """`/heat`: seed 002's `Portfolio Heat: {heat}% / {cap}%`, then each book's risk
    (`strategy`: whose caps were asked for)."""
    head = f"Portfolio Heat: {report.heat_pct:.1f}%"
    if report.cap_pct is not None:
        head += f" / {report.cap_pct:g}%"
    elif strategy is not None:
        head += f" ({strategy} declares no heat cap)"
    else:
        head += " (no strategy in play declares a heat cap)"
    lines = ["🌡 PORTFOLIO HEAT", head]
    if not report.books:
        lines.append(
            "No open position or waiting entry holds any risk "
            f"(equity {money(report.equity, signed=False)})."
        )
    else:
        free = "" if report.free_pct is None else f" | {report.free_pct:.2f}% left under the cap"
        lines.append(
            f"Open risk: {money(report.open_risk, signed=False)} of equity "
            f"{money(report.equity, signed=False)}{free}"
        )
    lines += [_cap_line(cap) for cap in report.caps]
    for book in report.books:
        where = (
            f" | entry {price(book.entry)} → stop {price(book.stop)}"
            if book.state == "position"
            else " | entry waiting"
        )
        lines.append(
            f"  • {side_emoji(book.side)} {side_word(book.side)} {book.symbol} ({book.strategy}): "
            f"{money(book.risk, signed=False)} = {book.risk_pct:.2f}%{where}"
        )
    return "\n".join(lines)


def pnl_text(report: PnlReport) -> str:
    """`/pnl`: the day's realised P&L (per strategy) and the total since the start."""
    lines = ["💰 P&L"]
    if report.trades:
        lines.append(
            f"Today ({report.day} UTC): {money(report.realised)} realised over "
            f"{report.trades} closing fill{'s' if report.trades != 1 else ''} "
            f"(fees {money(-report.fees)})"
        )
        lines += [f"  • {name}: {money(value)}" for name, value in report.by_strategy]
    else:
        lines.append(f"Today ({report.day} UTC): no trade closed, nothing realised.")
    lines += [
        f"Unrealised now: {money(report.unrealised)}",
        f"Total since the start: {money(report.total)} ({pct(report.total_pct)} of "
        f"{money(report.initial_capital, signed=False)})",
        f"Equity: {money(report.equity, signed=False)}",
    ]
    return "\n".join(lines)


def _rate(rate: WinRate) -> str:
    value = rate.win_rate
    shown = "—" if value is None else f"{value:.1f}%"
    return f"{shown} — {rate.wins} won, {rate.losses} lost of {rate.trades}"


def winrate_text(report: WinRateReport) -> str:
    """`/winrate`: overall and per strategy, over closing fills (P&L after costs > 0)."""
    if not report.overall.trades:
        return "🎯 WIN RATE\nNo trade has closed yet: there is no win rate."
    lines = [
        "🎯 WIN RATE (closing fills; a win made money after fees and funding)",
        f"Overall: {_rate(report.overall)}",
    ]
    lines += [f"  • {rate.strategy}: {_rate(rate)}" for rate in report.strategies]
    return "\n".join(lines)


def drawdown_text(report: DrawdownReport) -> str:
    """`/drawdown`: how far the equity is below its peak now, and the largest fall."""
    equity = money(report.equity, signed=False)
    peak = money(report.peak, signed=False)
    lines = ["📉 DRAWDOWN"]
    if report.current_pct > 0:
        lines.append(
            f"Current: {report.current_pct:.2f}% below the peak of {peak} (equity {equity})"
        )
    else:
        lines.append(f"Current: none — the equity {equity} is at its peak.")
    if report.max_pct > 0:
        at = "" if report.max_at is None else f" (bottom at {report.max_at})"
        lines.append(f"Max: {report.max_pct:.2f}%{at}")
    else:
        lines.append("Max: none so far — the equity never fell below a peak.")
    return "\n".join(lines)


__all__ = ["drawdown_text", "heat_text", "pnl_text", "winrate_text"]
