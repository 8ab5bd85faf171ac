"""A test-only strategy plugin that rates its signals, for the signal-payload browser tests.

Copied into the e2e server's `DATA_DIR/strategies` (never into `src/`) with `e2e_pulse.py`,
whose strategy it extends: the same long on bar `first` and then every `every`-th bar
(every 3rd by default), and each signal carries a score (0..100, from the bar number), a
tier, a variant and a feature breakdown in which `momentum` and `volume` have sub-scores
(`momentum_score`, `volume_score`) and `range_pct` has none.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from scalplab.strategies.signal import Signal


def _sibling(stem: str) -> ModuleType:
    """The plugin file `<stem>.py` beside this one. Plugin files are loaded by path, not
    as modules of a package, so this one cannot import its sibling by name."""
    name = f"{__name__}__{stem}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{stem}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # Backtrader finds a class's module there
        spec.loader.exec_module(module)
    return module


PulseStrategy = _sibling("e2e_pulse").PulseStrategy


def score_of(bar: int) -> float:
    """The score of the signal on bar `bar` (1-based): spread over 0..100, never round."""
    return float(bar * 37 % 100) + 0.5


class ScoredPulseStrategy(PulseStrategy):
    """`e2e_pulse`'s long, rated: a score, a tier, a variant and a breakdown."""

    name = "e2e_scored"
    version = "1.0.0"
    description = "Test plugin: a rated long signal every N bars."

    params = (("every", 3),)

    def generate_signal(self) -> Signal | None:
        signal: Signal | None = super().generate_signal()
        if signal is None:
            return None
        bars = len(self)
        close = float(self.data.close[0])
        high, low = float(self.data.high[0]), float(self.data.low[0])
        score = score_of(bars)
        return replace(
            signal,
            reasons=[f"rated pulse on bar {bars}", "momentum and volume sub-scores"],
            score=score,
            tier="HIGH" if score >= 72 else "MEDIUM",
            variant="A" if bars % 2 == 0 else "B",
            breakdown={
                "momentum": close / float(self.data.open[0]) - 1.0,
                "momentum_score": score,
                "volume": float(self.data.volume[0]),
                "volume_score": 100.0 - score,
                "range_pct": (high - low) / close * 100.0,
            },
        )
