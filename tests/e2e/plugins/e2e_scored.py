"""A test-only strategy plugin that rates its signals, for the signal-payload browser tests.

Copied into the e2e server's `DATA_DIR/strategies` (never into `src/`): like `e2e_pulse`
it emits a long on bar `first` and then every `every`-th bar, and each signal carries a
score (0..100, from the bar number), a tier, a variant and a feature breakdown in which
`momentum` and `volume` have sub-scores (`momentum_score`, `volume_score`) and
`range_pct` has none.
"""

from __future__ import annotations

from typing import ClassVar

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal


def score_of(bar: int) -> float:
    """The score of the signal on bar `bar` (1-based): spread over 0..100, never round."""
    return float(bar * 37 % 100) + 0.5


class ScoredPulseStrategy(SignalStrategy):
    """Long on bar `first`, then every `every` bars, rated; `stop_pct` % stop, `rr` × TP."""

    name = "e2e_scored"
    version = "1.0.0"
    description = "Test plugin: a rated long signal every N bars."

    params = (
        ("first", 2),
        ("every", 3),
        ("stop_pct", 1.0),
        ("rr", 4.0),
    )
    param_info: ClassVar[dict[str, ParamInfo]] = {
        "first": ParamInfo("Bar (1-based) of the first signal.", min=1, max=10_000),
        "every": ParamInfo("Bars between two signals.", min=1, max=10_000),
        "stop_pct": ParamInfo("Stop-loss distance from the entry, in %.", min=0.01, max=50),
        "rr": ParamInfo(
            "Take-profit distance as a multiple of the stop distance.", min=0.1, max=50
        ),
    }

    def generate_signal(self) -> Signal | None:
        bars, first = len(self), int(self.p.first)
        if bars < first or (bars - first) % int(self.p.every) != 0:
            return None
        close = float(self.data.close[0])
        opened = float(self.data.open[0])
        high, low = float(self.data.high[0]), float(self.data.low[0])
        distance = close * float(self.p.stop_pct) / 100.0
        score = score_of(bars)
        return Signal(
            "long",
            close,
            close - distance,
            close + distance * float(self.p.rr),
            confidence=60.0,
            reasons=[f"rated pulse on bar {bars}", "momentum and volume sub-scores"],
            score=score,
            tier="HIGH" if score >= 72 else "MEDIUM",
            variant="A" if bars % 2 == 0 else "B",
            breakdown={
                "momentum": close / opened - 1.0,
                "momentum_score": score,
                "volume": float(self.data.volume[0]),
                "volume_score": 100.0 - score,
                "range_pct": (high - low) / close * 100.0,
            },
        )
