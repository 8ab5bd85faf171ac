"""The vectorised form of a strategy's signal rule: candles in, one signal slot per bar out.

A plugin may offer, beside its Backtrader `generate_signal`, a classmethod
`vector_signals(candles, params)` that computes the signals of a whole run at once
(`SignalStrategy.vector_signals`). The platform's fast screening path
(`scalplab.backtests.fast`) feeds them to a compiled simulation of the same
execution semantics as the Backtrader path, so a parameter sweep can screen
thousands of trials and replay only the promising ones through Cerebro.

The contract, bar by bar: the signal at index t is the one `generate_signal`
returns on the close of bar t, computed as if the strategy were flat. The
simulation ignores it while a position (or an entry waiting to fill) is open, which
is exactly what the order pipeline does with such a signal. A strategy whose rule
produces no signal at all while it holds a position (rather than one the pipeline
rejects as `position_open`) says so with `quiet_in_position`, so the two paths count
the same signals.

A slot holds one stop and one target: a plugin whose signals carry a take-profit
ladder, stop rules or their own max-hold, or whose rule exits on its own
(`exit_position`), has no vector form (the `max_hold_bars` param is the platform's and
is simulated).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SideArray = npt.NDArray[np.int8]

LONG = 1
SHORT = -1
NO_SIGNAL = 0
PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


def _float_column(candles: pd.DataFrame, name: str) -> FloatArray:
    return np.ascontiguousarray(candles[name].to_numpy(dtype=np.float64))


@dataclass(frozen=True)
class CandleArrays:
    """The bars of a run as contiguous arrays: UTC open times in epoch ms and OHLCV."""

    open_time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    @classmethod
    def from_frame(cls, candles: pd.DataFrame) -> CandleArrays:
        """The arrays of a candle frame (`open_time` and the OHLCV columns of the store)."""
        open_time = np.ascontiguousarray(candles["open_time"].to_numpy(dtype=np.int64))
        opens, highs, lows, closes, volumes = (
            _float_column(candles, name) for name in PRICE_COLUMNS
        )
        return cls(open_time, opens, highs, lows, closes, volumes)

    def __len__(self) -> int:
        return len(self.open_time)

    def window(self, start: int, stop: int) -> CandleArrays:
        """The bars `[start, stop)` by index (views, no copy)."""
        return CandleArrays(
            self.open_time[start:stop],
            self.open[start:stop],
            self.high[start:stop],
            self.low[start:stop],
            self.close[start:stop],
            self.volume[start:stop],
        )


@dataclass(frozen=True)
class VectorSignals:
    """One signal slot per bar: the signal produced on the close of that bar, if any.

    `side` is +1 (long), −1 (short) or 0 (none); `entry`, `stop_loss` and `take_profit`
    are the signal's prices as `generate_signal` would give them (NaN where there is
    no signal; the platform rounds the levels to the tick, as it does for a `Signal`).
    `warmup_bars` is the strategy's warm-up with these params (Backtrader's minimum
    period): a run shorter than that is refused, as the Backtrader path refuses it.
    `quiet_in_position`: the rule itself stays silent while the strategy holds a
    position (see the module docstring).
    """

    side: SideArray
    entry: FloatArray
    stop_loss: FloatArray
    take_profit: FloatArray
    warmup_bars: int = 0
    quiet_in_position: bool = False

    def __post_init__(self) -> None:
        bars = len(self.side)
        for name in ("entry", "stop_loss", "take_profit"):
            if len(getattr(self, name)) != bars:
                raise ValueError(f"vector signals: {name} has not one value per bar")

    def __len__(self) -> int:
        return len(self.side)

    @property
    def count(self) -> int:
        """How many bars carry a signal."""
        return int(np.count_nonzero(self.side))

    @classmethod
    def none(cls, bars: int, warmup_bars: int = 0) -> VectorSignals:
        """No signal on any of `bars` bars."""
        empty = np.full(bars, np.nan)
        return cls(np.zeros(bars, dtype=np.int8), empty, empty.copy(), empty.copy(), warmup_bars)


def bracket_signals(
    side: SideArray,
    entry: FloatArray,
    stop_distance: FloatArray,
    reward_multiple: float,
    warmup_bars: int = 0,
) -> VectorSignals:
    """Signals with a stop `stop_distance` from the entry on the losing side and a target
    `reward_multiple` times that distance on the winning side, where `side` is not 0:
    `entry ∓ distance` and `entry ± distance × reward_multiple`, in that arithmetic."""
    long = side == LONG
    short = side == SHORT
    stop = np.full(len(side), np.nan)
    target = np.full(len(side), np.nan)
    stop[long] = entry[long] - stop_distance[long]
    target[long] = entry[long] + stop_distance[long] * reward_multiple
    stop[short] = entry[short] + stop_distance[short]
    target[short] = entry[short] - stop_distance[short] * reward_multiple
    entries = np.where(side != NO_SIGNAL, entry, np.nan)
    return VectorSignals(side.astype(np.int8), entries, stop, target, warmup_bars)
