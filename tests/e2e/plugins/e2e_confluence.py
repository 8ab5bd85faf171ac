"""A test-only strategy plugin whose signals carry the 15m confluence engine's payload, for
the confluence-panel browser test (`tests/e2e/test_confluence_panel.py`).

Copied into the e2e server's `DATA_DIR/strategies` (never into `src/`). The real
`confluence_15m` needs 1m/5m/1h/BTC feeds, a 200-bar warm-up and, without the external
layers, a near-perfect technical score before it signals at all: on the sample's seven
days it is too slow and too rare for a browser test. This plugin emits, like
`e2e_pulse`, a long on bar `first` and then every `every`-th bar, shaped as
`confluence_15m` shapes its signals: the seed's take-profit ladder (1.5R / 2.5R / 4R at
40 / 40 / 20 %), breakeven after TP1, the stop to TP1 after TP2, `hold` bars at most, and
a breakdown with the plugin's keys (`ta_score`, `<layer>_agreement`, `<layer>_missing`,
`<layer>_freshness`, the score's arithmetic from `confluence_score.confluence` itself)
and reasons (`missing layers: onchain (…); backtest (…)`, `regime NEUTRAL`). Technical
and order flow are scored from the bar number, sentiment at 70 with freshness 0.7,
on-chain and backtest are missing. Tier: HIGH from 80, MEDIUM from 65, else LOW (the real
plugin discards those). Its breakers: the seed's 6 % portfolio heat cap and one entry per
symbol per rolling hour (so a replay soon logs blocks).
"""

from __future__ import annotations

from typing import ClassVar

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.breakers import MaxSignals
from scalplab.strategies.confluence_risk import heat_breaker
from scalplab.strategies.confluence_score import confluence
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal

WEIGHTS = {
    "technical": 0.35,
    "orderflow": 0.25,
    "onchain": 0.20,
    "sentiment": 0.10,
    "backtest": 0.10,
}
ONCHAIN_WHY = "no whale_alert reading: WHALE_ALERT_API_KEY is not set"
BACKTEST_WHY = "no closed e2e_pulse longs yet, under the 20 needed"
SENTIMENT, FRESHNESS = 70.0, 0.7


def technical_of(bar: int) -> float:
    """The technical layer's bull score on bar `bar` (60..94)."""
    return 60.0 + float(bar * 7 % 35)


class ConfluencePulseStrategy(SignalStrategy):
    """A long every N bars with the confluence engine's payload (see the module docstring)."""

    name = "e2e_confluence"
    version = "1.0.0"
    description = "Test plugin: a long every N bars carrying confluence layers."

    params = (("first", 2), ("every", 3), ("stop_pct", 1.0), ("hold", 8))
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "first": ParamInfo("Bar (1-based) of the first signal.", min=1, max=10_000),
        "every": ParamInfo("Bars between two signals.", min=1, max=10_000),
        "stop_pct": ParamInfo("Stop-loss distance from the entry, in %.", min=0.01, max=50),
        "hold": ParamInfo("Bars a position is held at most.", min=1, max=1_000_000),
    }
    breakers = (
        MaxSignals("e2e_conf_overtrading", 1, window="rolling_hour", scope="symbol"),
        heat_breaker("e2e_conf_heat"),
    )

    def generate_signal(self) -> Signal | None:
        bars, first = len(self), int(self.p.first)
        if bars < first or (bars - first) % int(self.p.every) != 0:
            return None
        close = float(self.data.close[0])
        distance = close * float(self.p.stop_pct) / 100.0
        technical = technical_of(bars)
        orderflow = 55.0 + float(bars * 11 % 40)
        sentiment = 50.0 + (SENTIMENT - 50.0) * FRESHNESS
        agreements: dict[str, float | None] = {
            "technical": technical,
            "orderflow": orderflow,
            "onchain": None,
            "sentiment": sentiment,
            "backtest": None,
        }
        result = confluence(agreements, WEIGHTS, 1, None)
        score = float(result.score)
        grade = "HIGH" if score >= 80 else "MEDIUM" if score >= 65 else "LOW"
        breakdown = {
            "rsi": 28.0 + bars % 10,
            "rsi_score": technical,
            "volume_score": 100.0 - technical / 2,
            "trade_flow_score": orderflow,
            "book_imbalance_score": 60.0,
            "ta_score": technical,
            "orderflow_score": orderflow,
            "sentiment_score": SENTIMENT,
            "sentiment_freshness": FRESHNESS,
            "confluence_raw": result.raw,
            "missing_penalty": result.penalty,
            "regime_modifier": result.modifier,
            "missing_layers": float(len(result.missing)),
            "stop_pct": float(self.p.stop_pct),
            **{f"{layer}_agreement": value for layer, value in result.agreements.items()},
            **{f"{layer}_missing": 1.0 for layer in result.missing},
        }
        return Signal(
            "long",
            close,
            close - distance,
            take_profits=tuple(
                (close + distance * r, f) for r, f in ((1.5, 0.4), (2.5, 0.4), (4.0, 0.2))
            ),
            confidence=score,
            reasons=[
                f"TA rsi {technical:.0f}",
                f"order flow trade_flow {orderflow:.0f}",
                "sentiment: Fear & Greed 30 (fear): contrarian long",
                "regime NEUTRAL",
                f"missing layers: onchain ({ONCHAIN_WHY}); backtest ({BACKTEST_WHY})",
                f"tier {grade}",
            ],
            breakeven_after_leg=1,
            stop_to_leg_after_leg=(2, 1),
            max_hold_bars=int(self.p.hold),
            score=score,
            tier=grade,
            variant="e2e_pulse",
            breakdown=breakdown,
        )
