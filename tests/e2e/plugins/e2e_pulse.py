"""A test-only strategy plugin for the paper-trading browser tests.

Copied into the e2e server's `DATA_DIR/strategies` (never into `src/`): it emits a
long signal on bar `first` and then on every `every`-th bar, so a replay at a known
speed produces a signal, and hence a pending confirmation, within seconds and at a
predictable pace.
"""

from __future__ import annotations

from typing import ClassVar

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal


class PulseStrategy(SignalStrategy):
    """Long on bar `first`, then every `every` bars, with a `stop_pct` % stop and an `rr` × TP."""

    name = "e2e_pulse"
    version = "1.0.0"
    description = "Test plugin: a long signal every N bars."

    params = (
        ("first", 2),
        ("every", 5),
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
        distance = close * float(self.p.stop_pct) / 100.0
        return Signal(
            "long",
            close,
            close - distance,
            close + distance * float(self.p.rr),
            confidence=60.0,
            reasons=[f"pulse every {self.p.every} bars"],
        )
