"""Test-only strategy plugins: scripted signals, a look-ahead cheat and its honest twin."""

from __future__ import annotations

import json
from typing import ClassVar

from scalplab.strategies.base import SignalStrategy
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal


class ScriptedStrategy(SignalStrategy):
    """Emits the signals of a JSON script `{open_ms: [side, entry, stop, take_profit]}`."""

    name = "scripted"
    params = (("script", "{}"),)
    param_info: ClassVar[dict[str, ParamInfo]] = {"script": ParamInfo("JSON signal script")}

    def start(self) -> None:
        super().start()
        self._script = {int(k): v for k, v in json.loads(self.p.script).items()}

    def generate_signal(self) -> Signal | None:
        row = self._script.get(int(self.data.open_ms[0]))
        if row is None:
            return None
        side, entry, stop, take = row
        return Signal(side, entry, stop, take, reasons=["scripted"])


class PeekingStrategy(SignalStrategy):
    """CHEATS: reads the NEXT bar's close (`close[1]`), which preloaded Backtrader allows."""

    name = "peeking"

    def generate_signal(self) -> Signal | None:
        if len(self.data) >= self.data.buflen():
            return None  # no future bar to peek at
        close = float(self.data.close[0])
        upcoming = float(self.data.close[1])  # the future
        return _momentum_signal(close, upcoming - close)


class HonestTwinStrategy(SignalStrategy):
    """The same rule on the PREVIOUS bar's move, which is known at the close."""

    name = "honest_twin"

    def generate_signal(self) -> Signal | None:
        if len(self.data) < 2:
            return None  # on the first bar, preloaded close[-1] would wrap to the LAST bar
        close = float(self.data.close[0])
        return _momentum_signal(close, close - float(self.data.close[-1]))


def _momentum_signal(close: float, move: float) -> Signal | None:
    if abs(move) < close * 0.0005:
        return None
    risk = close * 0.002
    if move > 0:
        return Signal("long", close, close - risk, close + 3 * risk)
    return Signal("short", close, close + risk, close - 3 * risk)


class ExplodingStrategy(SignalStrategy):
    """Raises on its 50th bar, like a buggy user plugin."""

    name = "exploding"

    def generate_signal(self) -> Signal | None:
        if len(self) == 50:
            raise ZeroDivisionError("division by zero in user code")
        return None
