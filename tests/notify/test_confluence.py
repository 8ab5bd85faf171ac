"""The 15m confluence engine's Telegram messages (seed 002 §10.3, §10.4) against the fake
Bot API, on the real engine and the REAL sample's BTCUSDT 15m bars.

A `confluence_15m` book is driven by hand (`SimulationEngine.attach`) with signals shaped
as the plugin emits them: its take-profit ladder (1.5R / 2.5R / 4R at 40 / 40 / 20 %),
its stop rules, its max hold and its breakdown (`ta_score`, `<layer>_agreement`,
`<layer>_missing`, the confluence arithmetic from `confluence_score.confluence`) and
reasons (`missing layers: …`, `regime …`). The card, the outcome and the daily report are
compared line by line with texts worked out by hand from the sample's prices (in the
comments). `MIN_RR` is 2 here: the seed's floor (the ladder averages 2.4R).
"""

from __future__ import annotations

import asyncio

import pytest

from scalplab.notify.confluence_card import LAYERS, STRATEGIES
from scalplab.notify.confluence_reports import ConfluenceDailyReport
from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.notify.messages import DailyReport, Notification
from scalplab.notify.reports import DailyReporter, day_start_ms, strategy_reports
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.simulation.runner import StepExecutor
from scalplab.simulation.views import PairSpec
from scalplab.strategies.confluence_score import LAYERS as PLUGIN_LAYERS
from scalplab.strategies.confluence_score import confluence
from scalplab.strategies.signal import Signal
from tests.notify.conftest import MakeRuntime, step, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

STRATEGY = "confluence_15m"
WEIGHTS = {
    "technical": 0.35,
    "orderflow": 0.25,
    "onchain": 0.20,
    "sentiment": 0.10,
    "backtest": 0.10,
}
REASONS = [
    "TA rsi 85",
    "order flow trade_flow 70",
    "sentiment: Fear & Greed 28 (fear): contrarian long",
    "regime NEUTRAL",
    "missing layers: onchain (no whale_alert reading: WHALE_ALERT_API_KEY not set); "
    "backtest (3 closed liquidity_grab shorts, under the 20 needed)",
    "tier MEDIUM",
]


def confluence_signal(bar: Bar, side: str, distance: float, hold: int = 24) -> Signal:
    """A signal as `confluence_15m` emits it: `distance` from the close to the stop, the
    ladder at 1.5R / 2.5R / 4R, breakeven after TP1, the stop to TP1 after TP2, a bull TA
    score of 10 and order flow of 15 (a short agrees 90 and 85), sentiment 20 (agrees 80),
    on-chain and backtest missing: raw (0.35·90 + 0.25·85 + 0.10·80) / 0.70 = 86.79,
    × 0.8 for two missing layers = 69 (MEDIUM)."""
    sign = 1.0 if side == "long" else -1.0
    entry = bar.close
    bulls = {"technical": 10.0, "orderflow": 15.0, "sentiment": 20.0}
    agreements: dict[str, float | None] = {
        layer: None if layer not in bulls else (bulls[layer] if sign > 0 else 100 - bulls[layer])
        for layer in PLUGIN_LAYERS
    }
    result = confluence(agreements, WEIGHTS, int(sign), None)
    breakdown = {
        "rsi": 24.1,
        "rsi_score": 15.0,
        "volume_score": 20.0,
        "macd_score": 60.0,
        "trade_flow_score": 30.0,
        "book_imbalance_score": 45.0,
        "ta_score": bulls["technical"],
        "orderflow_score": bulls["orderflow"],
        "sentiment_score": bulls["sentiment"],
        "sentiment_freshness": 0.7,
        "mtf_multiplier": 1.0,
        "confluence_raw": result.raw,
        "missing_penalty": result.penalty,
        "regime_modifier": result.modifier,
        "missing_layers": float(len(result.missing)),
        "stop_pct": distance / entry * 100,
        **{f"{layer}_agreement": value for layer, value in result.agreements.items()},
        **{f"{layer}_missing": 1.0 for layer in result.missing},
    }
    return Signal(
        side,  # type: ignore[arg-type]
        entry,
        entry - sign * distance,
        take_profits=tuple(
            (entry + sign * distance * r, f) for r, f in ((1.5, 0.4), (2.5, 0.4), (4.0, 0.2))
        ),
        confidence=float(result.score),
        reasons=list(REASONS),
        breakeven_after_leg=1,
        stop_to_leg_after_leg=(2, 1),
        max_hold_bars=hold,
        score=float(result.score),
        tier="MEDIUM",
        variant="liquidity_grab",
        breakdown=breakdown,
    )


def confluence_pair(services: Services) -> StepExecutor:
    """The (BTCUSDT, confluence_15m, 15m) book, driven by hand, min_rr at the seed's 2."""
    services.runtime_settings.update({"risk": {"min_rr": 2.0}})
    return services.engine.attach(PairSpec("BTCUSDT", STRATEGY, "15m"))


def texts(fake: FakeBotApi, head: str) -> list[str]:
    return [m.text for m in fake.sent() if m.text.startswith(head)]


def test_the_card_layers_match_the_plugins() -> None:
    assert [layer.name for layer in LAYERS] == list(PLUGIN_LAYERS)
    assert STRATEGY in STRATEGIES


def test_a_confluence_short_gets_seed_002s_card_and_its_outcome_after_the_last_leg(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    ex = confluence_pair(services)  # attached first: the runtime reads its timeframe
    make_runtime()
    for bar in bars[:20]:
        step(ex, bar)
    # bar 20 (05:00) closes at 107,229.3: a short, stop 400 above, legs 600 / 1,000 /
    # 1,600 below. Risk 1 % of $10,000 = $100 / 400 = qty 0.25 (notional $26,807.33,
    # 268.07 % of the equity); legs 0.1 / 0.1 / 0.05.
    step(ex, bars[20], confluence_signal(bars[20], "short", 400.0))
    wait_until(lambda: len(texts(fake, "🔴 SHORT — BTCUSDT")) == 1, what="the card")
    [card] = texts(fake, "🔴 SHORT — BTCUSDT")
    assert card.splitlines() == [
        "🔴 SHORT — BTCUSDT ⚡",
        "━━━━━━━━━━━━━━━━━━━━━━━━━",
        "📊 Confluence Score: 69/100 ⭐⭐",
        "⏱ Timeframe: 15m | Valid: 15 min",
        "🏷 Tier: MEDIUM | Setup: liquidity_grab",
        "",
        "💰 TRADE SETUP",
        "├─ Entry: $107,229.30",
        "├─ Stop Loss: $107,629.30 (0.37%)",  # 400 / 107,229.3 = 0.373 %
        "├─ TP1: $106,629.30 → Close 40% | Move SL to BE",
        "├─ TP2: $106,229.30 → Close 40% | Trail SL to TP1",
        "└─ TP3: $105,629.30 → Close 20% (runner)",
        "",
        "⚖️ Risk/Reward: 1:2.5 at TP2 | 1:2.40 over the ladder",
        "📐 Position Size: 268.07% of portfolio",
        "💵 Risk: $100.00",
        "",
        "📡 DATA BREAKDOWN",
        "├─ TA: 10/100 (agreement 90)",
        "│   └─ rsi 85, volume 80",  # bull 15 and 20: a short agrees 85 and 80
        "├─ Order Flow: 15/100 (agreement 85)",
        "│   └─ trade_flow 70, book_imbalance 55",
        "├─ On-Chain: missing — no whale_alert reading: WHALE_ALERT_API_KEY not set",
        "├─ Sentiment: 20/100 (agreement 80)",
        "│   └─ Fear & Greed 28 (fear): contrarian long",
        "└─ Backtest: missing — 3 closed liquidity_grab shorts, under the 20 needed",
        "🧮 86.8 × 0.80 (2 missing) × 1.00 regime",
        "",
        "🌐 Market Regime: NEUTRAL",
        "━━━━━━━━━━━━━━━━━━━━━━━━━",
        "⚠️ Max hold: 24 candles (6h 00m)",
        "🤖 100% data-driven. Zero emotion.",
        "⏰ 2025-06-17 05:00:00 UTC",
    ]
    # Entry at bar 21's open 107,229.3 slipped 0.01 % down: 107,218.577. TP1 fills on bar
    # 29 (low 106,423.2), TP2 on bar 38 (low 106,067.9), TP3 on bar 42 (low 105,620.0); the
    # stop (at breakeven, then at TP1) is never reached.
    for bar in bars[21:43]:
        step(ex, bar)
    wait_until(lambda: texts(fake, "✅ SIGNAL OUTCOME"), what="the outcome")
    [outcome] = texts(fake, "✅ SIGNAL OUTCOME")
    legs = [t.trade for t in reversed(services.simulation.trades(10, 0))]
    assert [(t.exit_reason, round(t.qty, 9), t.exit_price) for t in legs] == [
        ("tp", 0.1, 106629.3),
        ("tp", 0.1, 106229.3),
        ("tp", 0.05, 105629.3),
    ]
    net = sum(t.pnl for t in legs)
    # gross 0.1·589.277 + 0.1·989.277 + 0.05·1,589.277 = 237.32, less the fees
    assert 200 < net < 237.33
    risk = 0.25 * (107629.3 - 107218.577)  # 102.68: the fill slipped toward the stop
    notional = 0.25 * 107218.577
    assert outcome.splitlines() == [
        "✅ SIGNAL OUTCOME — BTCUSDT SHORT",
        "━━━━━━━━━━━━━━━━━━━━━━━━━",
        "Outcome: TP3",
        "Legs: TP1 ✓ | TP2 ✓ | TP3 ✓",
        f"P&L: +${net:,.2f} (+{net / notional * 100:.2f}% of the entry notional)",
        f"R:R Achieved: +{net / risk:.2f}R",
        # (0.1·106,629.3 + 0.1·106,229.3 + 0.05·105,629.3) / 0.25 = 106,269.30
        "Entry: $107,218.58 → Avg exit: $106,269.30",
        "Hold: 5h 15m (22 candles)",  # 05:15 → 10:30, bars 21..42
        "Strategy: confluence_15m",
    ]
    # the per-leg alerts still go out (one per closing fill)
    assert len(texts(fake, "✅ TAKE PROFIT — BTCUSDT SHORT")) == 3


def test_a_stopped_long_says_what_it_lost_in_r(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    ex = confluence_pair(services)
    make_runtime()
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], confluence_signal(bars[20], "long", 400.0))
    for bar in bars[21:30]:
        step(ex, bar)  # bar 27's low 106,642.0 is the first under the stop 106,829.3
    wait_until(lambda: texts(fake, "❌ SIGNAL OUTCOME"), what="the outcome")
    [outcome] = texts(fake, "❌ SIGNAL OUTCOME")
    [trade] = [t.trade for t in services.simulation.trades(10, 0)]
    assert (trade.exit_reason, trade.qty) == ("sl", 0.25)
    risk = 0.25 * (trade.entry_price - 106829.3)
    lines = outcome.splitlines()
    assert lines[2:5] == [
        "Outcome: SL",
        "Legs: TP1 ✗ | TP2 ✗ | TP3 ✗",
        f"P&L: -${-trade.pnl:,.2f} "
        f"({trade.pnl / (0.25 * trade.entry_price) * 100:+.2f}% of the entry notional)",
    ]
    assert lines[5] == f"R:R Achieved: {trade.pnl / risk:+.2f}R"
    assert trade.pnl / risk < -1  # the stop slipped and fees were paid
    assert lines[7] == "Hold: 1h 30m (7 candles)"  # 05:15 → 06:45, bars 21..27


def test_the_strategys_daily_report_goes_out_at_midnight_with_the_accounts(
    services: Services, bars: list[Bar]
) -> None:
    ex = confluence_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], confluence_signal(bars[20], "short", 400.0))
    for bar in bars[21:43]:
        step(ex, bar)
    step(ex, bars[43], confluence_signal(bars[43], "long", 400.0))
    for bar in bars[44:80]:
        step(ex, bar)
    now = [day_start_ms("2025-06-18") / 1000 - 0.5]
    sent: list[Notification] = []
    reporter = DailyReporter(
        services.simulation,
        sent.append,
        wall=lambda: now[0],
        tick_s=0.01,
        portfolio=services.portfolio,
    )

    async def run() -> None:
        task = asyncio.create_task(reporter.run())
        await asyncio.sleep(0.05)
        now[0] += 1.0
        for _ in range(200):
            await asyncio.sleep(0.01)
            if len(sent) >= 2:
                break
        task.cancel()

    asyncio.run(run())
    account, mine = sent
    assert isinstance(account, DailyReport) and isinstance(mine, ConfluenceDailyReport)
    assert mine.key == "daily:confluence_15m:2025-06-17"
    day = mine.day
    first, second = day.positions
    assert (first.side, first.fills, second.side, second.fills) == ("short", 3, "long", 1)
    assert first.pnl > 0 > second.pnl
    assert first.r_multiple == pytest.approx(first.pnl / (0.25 * (107629.3 - first.entry_price)))
    pnl = first.pnl + second.pnl
    lines = mine.render().text.splitlines()
    assert lines == [
        "📊 DAILY REPORT — 2025-06-17 · confluence_15m",
        "━━━━━━━━━━━━━━━━━━━━━━━━━",
        "Signals Sent: 2",
        "Wins: 1 | Losses: 1",
        "Win Rate: 50.0%",
        f"Total P&L: {pnl / 100:+.2f}% ({'+' if pnl > 0 else '-'}${abs(pnl):,.2f})",
        f"Best Trade: BTCUSDT SHORT +${first.pnl:,.2f} ({first.r_multiple:+.2f}R)",
        f"Worst Trade: BTCUSDT LONG -${-second.pnl:,.2f} ({second.r_multiple:+.2f}R)",
        f"Max Drawdown: {day.max_drawdown_pct:.2f}% (account, within the day)",
        f"Avg R:R Achieved: {(first.r_multiple + second.r_multiple) / 2:+.2f}R",
    ]
    assert day.start_equity == 10_000.0  # the run began that day
    assert 0 < day.max_drawdown_pct < 5
    # a quiet day sends nothing for the strategy
    assert strategy_reports(services.portfolio, "2025-06-20") == []


def test_a_card_waiting_for_confirmation_shows_its_ladder_before_the_prompt_is_resolved(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    ex = confluence_pair(services)
    services.runtime_settings.update({"confirm_orders": True})
    make_runtime()
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], confluence_signal(bars[20], "short", 400.0))
    wait_until(lambda: texts(fake, "🔴 SHORT — BTCUSDT"), what="the card")
    [card] = texts(fake, "🔴 SHORT — BTCUSDT")
    lines = card.splitlines()
    # the ladder came with the confirmation (its order), not from the signal's record
    assert "├─ TP1: $106,629.30 → Close 40% | Move SL to BE" in lines
    assert "📐 Position Size: 268.07% of portfolio" in lines
    assert "⏳ Waiting for confirmation (see the Confirm / Reject message)." in lines
    wait_until(lambda: texts(fake, "⏳ CONFIRM ORDER — BTCUSDT SHORT"), what="the prompt")
