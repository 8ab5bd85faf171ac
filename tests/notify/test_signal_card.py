"""A rated signal's card (seed 001's richer format) against the fake Bot API.

The engine records a signal whose strategy set a score, tier, variant and breakdown;
the card shows the score (`Score: 78.5/100`), tier and variant, the reasons as bullets
and the top features of the breakdown. A signal without a payload keeps the plain card
(`tests/notify/test_notifier.py`).
"""

from __future__ import annotations

import pytest

from scalplab.notify.fake_bot_api import FakeBotApi
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.strategies.signal import Signal
from tests.notify.conftest import MakeRuntime, step, trade_pair, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

BREAKDOWN = {
    "oi_divergence": 0.82,
    "oi_divergence_score": 90.0,
    "ask_dominance": 0.64,
    "ask_dominance_score": 85.0,
    "sweep": 1.0,
    "sweep_score": 100.0,
    "funding_rate": 0.0001,
    "funding_rate_score": 40.0,
    "momentum_1m": -0.0042,
    "momentum_1m_score": 70.0,
    "btc_trend": 0.001,
    "btc_trend_score": 55.0,
    "vwap_distance": 0.0031,
}


def cards(fake: FakeBotApi) -> list[str]:
    return [message.text for message in fake.sent() if "SIGNAL" in message.text]


def short(bar: Bar, **payload: object) -> Signal:
    """A short at the close with a 1 % stop and a 4 % target, and `payload`."""
    return Signal(
        "short",
        bar.close,
        bar.close * 1.01,
        bar.close * 0.96,
        60.0,
        ["Strong OI divergence detected", "Large sweep order detected"],
        **payload,  # type: ignore[arg-type]
    )


def test_a_rated_signal_shows_score_tier_variant_reasons_and_top_features(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    make_runtime()
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], short(bars[20], score=78.5, tier="HIGH", variant="A", breakdown=BREAKDOWN))
    wait_until(lambda: len(cards(fake)) == 1, what="the signal card")
    [signal] = services.signals.list(None, 10)
    assert (signal.score, signal.tier, signal.variant) == (78.5, "HIGH", "A")
    [card] = cards(fake)
    assert card == "\n".join(
        [
            "🔥 SMA_CROSS SHORT SIGNAL 🔥",
            "",
            "Symbol: BTCUSDT",
            "Exchange: BINANCE",
            "",
            "Entry: $107,229.30",
            "Take Profit: $102,940.13 (+4.00%)",
            "Stop Loss: $108,301.59 (-1.00%)",
            "",
            "Score: 78.5/100",
            "Tier: HIGH | Variant: A",
            "",
            "Reasons:",
            "  • Strong OI divergence detected",
            "  • Large sweep order detected",
            "",
            "Breakdown:",
            "  • sweep: 1 (score 100)",
            "  • oi_divergence: 0.82 (score 90)",
            "  • ask_dominance: 0.64 (score 85)",
            "  • momentum_1m: -0.0042 (score 70)",
            "  • btc_trend: 0.001 (score 55)",
            "  … +2 more",
            "",
            "⏰ 2025-06-17 05:00:00 UTC",
        ]
    )


def test_a_score_alone_replaces_the_confidence_and_adds_nothing_else(
    make_runtime: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    make_runtime()
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], short(bars[20], score=80))
    wait_until(lambda: len(cards(fake)) == 1, what="the signal card")
    [card] = cards(fake)
    lines = card.splitlines()
    assert "Score: 80.0/100" in lines
    assert not any(line.startswith(("Tier", "Variant", "Breakdown")) for line in lines)
    assert lines[lines.index("Score: 80.0/100") + 1 :][:2] == ["", "Reasons:"]
