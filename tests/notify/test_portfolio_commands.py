"""`/heat`, `/pnl`, `/winrate` and `/drawdown` through the fake Bot API, answered from the
books by `PortfolioService` (the REST API's `/simulation/heat` reads the same service).

Two books of BTCUSDT are driven by hand on the REAL sample's 15m bars: `confluence_15m`
(whose `PortfolioHeat` breaker caps the heat at 6 %) and `sma_cross` (no cap). Each text
is compared with the numbers the positions, trades and portfolio give (entry, stop, qty,
P&L), worked out independently in the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.notify.runtime import TelegramRuntime
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from tests.notify.conftest import (
    GROUP,
    OWNER,
    MakeRuntime,
    long_signal,
    step,
    trade_pair,
)
from tests.notify.test_commands import ask
from tests.notify.test_confluence import confluence_pair, confluence_signal

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def bot(make_runtime: MakeRuntime) -> MakeRuntime:
    """Notifications to a group: the owner's private chat holds only the replies."""

    def make(**kwargs: Any) -> TelegramRuntime:
        return make_runtime(**{"TELEGRAM_CHAT_ID": str(GROUP), **kwargs})

    return make


def money(value: float) -> str:
    return f"${value:,.2f}"


def test_with_nothing_traded_each_command_says_so_in_words(
    bot: MakeRuntime, fake: FakeBotApi
) -> None:
    bot()
    [heat] = ask(fake, OWNER, "/heat")
    assert heat.text.splitlines() == [
        "🌡 PORTFOLIO HEAT",
        "Portfolio Heat: 0.0% (no strategy in play declares a heat cap)",
        "No open position or waiting entry holds any risk (equity $10,000.00).",
    ]
    [capped] = ask(fake, OWNER, "/heat confluence_15m")
    assert capped.text.splitlines() == [
        "🌡 PORTFOLIO HEAT",
        "Portfolio Heat: 0.0% / 6%",
        "No open position or waiting entry holds any risk (equity $10,000.00).",
        "Cap conf_heat (confluence_15m, all books): 0.00% of 6%, 6.00% left (an entry needs 1%)",
    ]
    [unknown] = ask(fake, OWNER, "/heat nope")
    assert unknown.text.startswith("⚠️ unknown strategy 'nope' (known: ")
    [pnl] = ask(fake, OWNER, "/pnl 2025-06-17")
    assert pnl.text.splitlines() == [
        "💰 P&L",
        "Today (2025-06-17 UTC): no trade closed, nothing realised.",
        "Unrealised now: +$0.00",
        "Total since the start: +$0.00 (+0.00% of $10,000.00)",
        "Equity: $10,000.00",
    ]
    [bad] = ask(fake, OWNER, "/pnl yesterday")
    assert bad.text == "⚠️ 'yesterday' is not a date: use YYYY-MM-DD"
    [winrate] = ask(fake, OWNER, "/winrate")
    assert winrate.text == "🎯 WIN RATE\nNo trade has closed yet: there is no win rate."
    [drawdown] = ask(fake, OWNER, "/drawdown")
    assert drawdown.text.splitlines() == [
        "📉 DRAWDOWN",
        "Current: none — the equity $10,000.00 is at its peak.",
        "Max: none so far — the equity never fell below a peak.",
    ]
    [help_] = ask(fake, OWNER, "/help")
    for line in (
        "/heat — portfolio heat: open risk per position vs the cap (or /heat STRATEGY)",
        "/pnl — today's and total P&L (or /pnl YYYY-MM-DD)",
        "/winrate — win rate overall and per strategy",
        "/drawdown — current and max drawdown",
    ):
        assert line in help_.text.splitlines()
    assert {c["command"] for c in fake.commands} >= {"heat", "pnl", "winrate", "drawdown"}


def test_the_commands_read_the_open_risk_and_the_results_of_the_books(
    bot: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    bot()
    conf = confluence_pair(services)
    sma = trade_pair(services)
    for bar in bars[:20]:
        step(conf, bar)
        step(sma, bar)
    step(conf, bars[20], confluence_signal(bars[20], "short", 400.0))
    step(sma, bars[20], long_signal(bars[20]))
    step(conf, bars[21])
    step(sma, bars[21])  # both entries fill at bar 21's open
    short, long_ = sorted(services.simulation.positions(), key=lambda p: p.strategy)
    assert (short.strategy, short.side, long_.strategy, long_.side) == (
        "confluence_15m",
        "short",
        "sma_cross",
        "long",
    )
    assert short.stop_loss is not None and long_.stop_loss is not None
    risk_short = short.qty * (short.stop_loss - short.entry_price)  # 0.25 × 410.72
    risk_long = long_.qty * (long_.entry_price - long_.stop_loss)
    assert risk_short == pytest.approx(102.68, abs=0.01)
    equity = services.simulation.portfolio().equity
    total = risk_short + risk_long
    heat = total / equity * 100
    rows = sorted(
        [
            (risk_short, "🔴 SHORT BTCUSDT (confluence_15m)", short.entry_price, short.stop_loss),
            (risk_long, "🟢 LONG BTCUSDT (sma_cross)", long_.entry_price, long_.stop_loss),
        ],
        reverse=True,
    )
    [answer] = ask(fake, OWNER, "/heat")
    assert answer.text.splitlines() == [
        "🌡 PORTFOLIO HEAT",
        f"Portfolio Heat: {heat:.1f}% / 6%",
        f"Open risk: {money(total)} of equity {money(equity)} | {6 - heat:.2f}% left under the cap",
        f"Cap conf_heat (confluence_15m, all books): {heat:.2f}% of 6%, {6 - heat:.2f}% left "
        "(an entry needs 1%)",
        *(
            f"  • {who}: {money(risk)} = {risk / equity * 100:.2f}% | "
            f"entry ${entry:,.2f} → stop ${stop:,.2f}"
            for risk, who, entry, stop in rows
        ),
    ]

    # The short's ladder runs to TP3 by bar 42; the long's stop (1 % under) fills first.
    for bar in bars[22:43]:
        step(conf, bar)
        step(sma, bar)
    assert services.simulation.positions() == []
    trades = [view.trade for view in services.simulation.trades(10, 0)]
    conf_trades = [t for t in trades if t.strategy == "confluence_15m"]
    sma_trades = [t for t in trades if t.strategy == "sma_cross"]
    assert (len(conf_trades), len(sma_trades)) == (3, 1)
    conf_pnl, sma_pnl = sum(t.pnl for t in conf_trades), sum(t.pnl for t in sma_trades)
    assert conf_pnl > 0 > sma_pnl
    portfolio = services.simulation.portfolio()
    realised = conf_pnl + sma_pnl
    fees = sum(t.fees for t in trades)

    def signed(value: float) -> str:
        return f"{'-' if value < 0 else '+'}${abs(value):,.2f}"

    [pnl] = ask(fake, OWNER, "/pnl 2025-06-17")
    by_size = sorted(
        [("confluence_15m", conf_pnl), ("sma_cross", sma_pnl)], key=lambda r: -abs(r[1])
    )
    assert pnl.text.splitlines() == [
        "💰 P&L",
        f"Today (2025-06-17 UTC): {signed(realised)} realised over 4 closing fills "
        f"(fees {signed(-fees)})",
        *(f"  • {name}: {signed(value)}" for name, value in by_size),
        "Unrealised now: +$0.00",
        f"Total since the start: {signed(portfolio.equity - 10_000)} "
        f"({(portfolio.equity - 10_000) / 100:+.2f}% of $10,000.00)",
        f"Equity: {money(portfolio.equity)}",
    ]
    assert portfolio.equity - 10_000 == pytest.approx(realised)

    [winrate] = ask(fake, OWNER, "/winrate")
    assert winrate.text.splitlines() == [
        "🎯 WIN RATE (closing fills; a win made money after fees and funding)",
        "Overall: 75.0% — 3 won, 1 lost of 4",
        "  • confluence_15m: 100.0% — 3 won, 0 lost of 3",
        "  • sma_cross: 0.0% — 0 won, 1 lost of 1",
    ]

    report = services.portfolio.drawdown()
    metrics = services.simulation.performance()
    assert report.max_pct == pytest.approx(metrics.max_drawdown_pct)
    [drawdown] = ask(fake, OWNER, "/drawdown")
    lines = drawdown.text.splitlines()
    assert lines[0] == "📉 DRAWDOWN"
    if report.current_pct > 0:
        assert lines[1] == (
            f"Current: {report.current_pct:.2f}% below the peak of {money(report.peak)} "
            f"(equity {money(portfolio.equity)})"
        )
    else:
        assert lines[1] == f"Current: none — the equity {money(portfolio.equity)} is at its peak."
    assert report.max_pct > 0  # the long's stop came first
    assert lines[2] == f"Max: {report.max_pct:.2f}% (bottom at {report.max_at})"
