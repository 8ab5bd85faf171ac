"""`SignalStrategy`: the base class of every strategy plugin.

A plugin is a Backtrader strategy with class attributes `name`, `version`,
`description`, Backtrader `params` (with optional `param_info` metadata) and one
method, `generate_signal(self) -> Signal | None`, called on the close of every
bar once the plugin's indicators are ready. Everything else belongs to this base
class and the execution model it drives: the reward/risk gate, sizing, the
bracket (entry, stop-loss, take-profit, liquidation), one open position per
feed, the max-hold exit and the record of every signal and rejection.

Strategies never call an exchange or a database; the execution model is handed
in by the runner (backtest) or the simulation engine (paper trading).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal, Protocol

import backtrader as bt

import scalplab.data.btcompat  # noqa: F401  (restores collections.Iterable for Backtrader)
from scalplab.data.bars import Bar
from scalplab.errors import StrategyError
from scalplab.strategies.params import ParamInfo
from scalplab.strategies.signal import Signal
from scalplab.timeutil import iso_ms

# Params of the base class that are plumbing, not strategy settings.
INTERNAL_PARAMS = frozenset({"executor", "feed_name"})


class Executor(Protocol):
    """What the base class drives: the execution model (backtest) or the simulation's adapter."""

    def on_bar(self, feed: str, bar: Bar) -> None:
        """A bar closed: fills, funding, levels."""

    def on_signal(self, feed: str, bar: Bar, signal: Signal) -> object:
        """A signal on the close of `bar`: gate, size, queue (or ask for confirmation)."""

    def bars_held(self, feed: str) -> int:
        """Bars the open position has been held, its entry bar included (0 when flat)."""

    def request_exit(self, feed: str, reason: Literal["max_hold"]) -> bool:
        """Close the position at the next bar's open."""

    def position(self, feed: str) -> object | None:
        """The open position of the feed, if any."""

    def finish(self, feed: str) -> None:
        """The feed ended."""


class SignalStrategy(bt.Strategy):
    """Base of all plugins; subclasses override `generate_signal`."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1.0.0"
    description: ClassVar[str] = ""
    param_info: ClassVar[dict[str, ParamInfo]] = {}

    params: ClassVar[Any] = (
        ("max_hold_bars", 0),
        ("executor", None),
        ("feed_name", ""),
    )

    base_param_info: ClassVar[dict[str, ParamInfo]] = {
        "max_hold_bars": ParamInfo(
            description="Close a position at the next open after this many bars (0 = never).",
            min=0,
            max=100_000,
        ),
    }

    def generate_signal(self) -> Signal | None:
        """Return a signal for the bar that just closed, or None. Plugins override this."""
        return None

    # ----- Backtrader hooks ---------------------------------------------------

    def start(self) -> None:
        executor = self.p.executor
        if executor is None:
            raise StrategyError(f"strategy {self.name!r} was started without an execution model")
        self._executor: Executor = executor
        self._feed: str = self.p.feed_name or self.data._name or "data0"
        self._open_ms_line = getattr(self.data.lines, "open_ms", None)
        self._max_hold: int = int(self.p.max_hold_bars)

    def prenext(self) -> None:
        # Indicators are still warming up: the bar still counts (equity, funding).
        self._executor.on_bar(self._feed, self._bar())

    def next(self) -> None:
        bar = self._bar()
        executor: Executor = self._executor
        executor.on_bar(self._feed, bar)
        if self._max_hold and executor.bars_held(self._feed) >= self._max_hold:
            executor.request_exit(self._feed, "max_hold")
        try:
            signal = self.generate_signal()
        except Exception as exc:
            raise StrategyError(
                f"strategy {self.name!r} raised {type(exc).__name__}: {exc} "
                f"on the bar opened at {iso_ms(bar.open_ms)}"
            ) from exc
        if signal is not None:
            if not isinstance(signal, Signal):
                raise StrategyError(
                    f"strategy {self.name!r} returned {type(signal).__name__}, not a Signal"
                )
            executor.on_signal(self._feed, bar, signal)

    def stop(self) -> None:
        self._executor.finish(self._feed)

    # ----- helpers for plugins -------------------------------------------------

    def _bar(self) -> Bar:
        data = self.data
        if self._open_ms_line is not None:
            open_ms = int(self._open_ms_line[0])
        else:
            open_ms = round((data.datetime[0] - 719163.0) * 86_400_000.0)
        return Bar(
            open_ms=open_ms,
            open=data.open[0],
            high=data.high[0],
            low=data.low[0],
            close=data.close[0],
            volume=data.volume[0],
        )

    @property
    def in_position(self) -> bool:
        """Whether this feed holds a position right now (plugins may skip work then)."""
        return self._executor.position(self._feed) is not None


def finite(*values: float) -> bool:
    """True when every value is a finite number (indicator outputs during warm-up are NaN)."""
    return all(math.isfinite(v) for v in values)
