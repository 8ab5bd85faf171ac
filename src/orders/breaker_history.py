"""What the account-level breaker conditions remember between signals (bar clock).

- `ClosedPositions`: each book's positions as they close — the P&L of a position summed
  over its closing fills (legs, the final stop, …) into one `Outcome` once it is flat
  (the win-streak condition), and every stop-loss or liquidation fill as a `StopExit`
  (the stop-loss cooldown). Part of the gate's persisted state.
- `HourlyCloses`: the last close of each UTC hour of each symbol the gate sees bars of
  (the correlation condition), at most `MAX_HOURS` hours a symbol. Kept in memory only:
  after a restart the correlation condition needs `min_bars` new hours before it can
  hold again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from scalplab.orders.risk_records import DAY_MS, HOUR_MS

MAX_OUTCOMES = 1000
"""Closed positions remembered (a streak longer than that is not needed)."""
STOP_RETAIN_MS = 2 * DAY_MS
"""How long a stop-loss exit is remembered (the longest cooldown is a day)."""
MAX_HOURS = 24 * 90 + 1
"""Hourly closes kept per symbol (90 days of returns)."""
STOP_REASONS = frozenset({"sl", "liquidation"})
"""Exit reasons that count as a stop-loss hit."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A position that closed flat: when (its last fill's bar), whose, its total P&L."""

    exit_ms: int
    symbol: str
    strategy: str
    pnl: float


@dataclass(frozen=True, slots=True)
class StopExit:
    """A stop-loss (or liquidation) fill: when (its bar's open), whose."""

    exit_ms: int
    symbol: str
    strategy: str


class ClosedPositions:
    """Outcomes of closed positions and stop-loss exits, in closing order."""

    def __init__(self) -> None:
        self.outcomes: deque[Outcome] = deque(maxlen=MAX_OUTCOMES)
        self.stops: deque[StopExit] = deque()
        self.running: dict[tuple[str, str], float] = {}

    def record(
        self, exit_ms: int, symbol: str, strategy: str, pnl: float, reason: str, flat: bool
    ) -> None:
        """One closing fill of the book of `strategy` on `symbol`."""
        key = (symbol, strategy)
        total = self.running.pop(key, 0.0) + pnl
        if flat:
            self.outcomes.append(Outcome(exit_ms, symbol, strategy, total))
        else:
            self.running[key] = total
        if reason in STOP_REASONS:
            self.stops.append(StopExit(exit_ms, symbol, strategy))
            while self.stops and self.stops[0].exit_ms < exit_ms - STOP_RETAIN_MS:
                self.stops.popleft()

    def __bool__(self) -> bool:
        return bool(self.outcomes or self.stops or self.running)

    def state(self) -> dict[str, Any]:
        """JSON-able snapshot."""
        return {
            "outcomes": [[o.exit_ms, o.symbol, o.strategy, o.pnl] for o in self.outcomes],
            "stops": [[s.exit_ms, s.symbol, s.strategy] for s in self.stops],
            "running": [
                [symbol, strategy, pnl] for (symbol, strategy), pnl in self.running.items()
            ],
        }

    @classmethod
    def from_state(cls, data: Any) -> ClosedPositions:
        """Inverse of `state()`; None (a state from before it existed) is empty."""
        closed = cls()
        if data is None:
            return closed
        if not isinstance(data, dict):
            raise TypeError(f"closed positions must be an object, not {type(data).__name__}")
        for exit_ms, symbol, strategy, pnl in data["outcomes"]:
            closed.outcomes.append(Outcome(int(exit_ms), str(symbol), str(strategy), float(pnl)))
        for exit_ms, symbol, strategy in data["stops"]:
            closed.stops.append(StopExit(int(exit_ms), str(symbol), str(strategy)))
        for symbol, strategy, pnl in data["running"]:
            closed.running[(str(symbol), str(strategy))] = float(pnl)
        return closed


class HourlyCloses:
    """The last close seen in each UTC hour, per symbol (hours in the order seen)."""

    def __init__(self) -> None:
        self.symbols: dict[str, deque[tuple[int, float]]] = {}

    def update(self, symbol: str, open_ms: int, close: float) -> None:
        """A bar of `symbol` opened at `open_ms` closed at `close` (an older bar than the
        latest one seen is ignored)."""
        hour = open_ms // HOUR_MS
        closes = self.symbols.get(symbol)
        if closes is None:
            closes = self.symbols[symbol] = deque(maxlen=MAX_HOURS)
        if closes and hour < closes[-1][0]:
            return
        if closes and hour == closes[-1][0]:
            closes[-1] = (hour, close)
        else:
            closes.append((hour, close))

    def returns(self, symbol: str, before_hour: int) -> dict[int, float]:
        """Hour → close-to-close return of `symbol` for the hours before `before_hour`
        whose previous hour was seen too."""
        closes = [item for item in self.symbols.get(symbol, ()) if item[0] < before_hour]
        return {
            hour: close / prev - 1.0
            for (prev_hour, prev), (hour, close) in pairwise(closes)
            if hour == prev_hour + 1 and prev > 0
        }

    def correlation(
        self, first: str, second: str, before_hour: int, bars: int, min_bars: int
    ) -> tuple[float, int] | None:
        """Pearson correlation of the two symbols' hourly returns over the last `bars`
        hours both have, and how many there were (None: fewer than `min_bars`, or a
        series without any move)."""
        a, b = self.returns(first, before_hour), self.returns(second, before_hour)
        hours = sorted(set(a) & set(b))[-bars:]
        if len(hours) < min_bars:
            return None
        x = np.array([a[hour] for hour in hours])
        y = np.array([b[hour] for hour in hours])
        x, y = x - x.mean(), y - y.mean()
        scale = float(np.sqrt((x * x).sum() * (y * y).sum()))
        if scale == 0.0:
            return None
        return float((x * y).sum()) / scale, len(hours)


__all__ = [
    "MAX_HOURS",
    "MAX_OUTCOMES",
    "STOP_REASONS",
    "ClosedPositions",
    "HourlyCloses",
    "Outcome",
    "StopExit",
]
