"""`BarBuilder`: higher-timeframe bars built from closed 1m candles as they arrive.

The rules are the candle store's (`scalplab.data.timeframes.resample`): UTC buckets
aligned to the epoch, labelled by their open time; open of the first 1m candle, high
max, low min, close of the last, volume summed by the same numpy reduction; a bucket
is built from whatever 1m candles fell into it. A bar closes with its last 1m candle
(the one ending at the bucket's end); when that candle never comes (a hole the venue
could not fill), the bar closes when a candle of a later bucket arrives, and at the
end of a run `flush()` closes the bucket in progress with what it has. So a live run
and a backtest over the same stored 1m candles see the same bars.
"""

from __future__ import annotations

import numpy as np

from scalplab.data.bars import Bar
from scalplab.data.timeframes import MINUTE_MS, timeframe_ms


class BarBuilder:
    """Builds `timeframe` bars from 1m bars given in increasing open-time order."""

    def __init__(self, timeframe: str) -> None:
        self.timeframe = timeframe
        self.step_ms = timeframe_ms(timeframe)
        self._bucket: int | None = None
        self._pieces: list[Bar] = []

    def add(self, minute: Bar) -> list[Bar]:
        """Take one closed 1m bar; returns the bars it closed (none, one, or two when a
        hole left a bucket unfinished)."""
        if self.step_ms == MINUTE_MS:
            return [minute]
        closed: list[Bar] = []
        bucket = minute.open_ms - minute.open_ms % self.step_ms
        if self._bucket is not None and bucket != self._bucket:
            previous = self.flush()
            if previous is not None:
                closed.append(previous)
        self._bucket = bucket
        self._pieces.append(minute)
        if minute.open_ms + MINUTE_MS == bucket + self.step_ms:
            last = self.flush()
            assert last is not None
            closed.append(last)
        return closed

    def flush(self) -> Bar | None:
        """Close the bucket in progress with what it has (None when it has nothing)."""
        pieces, self._pieces = self._pieces, []
        bucket, self._bucket = self._bucket, None
        if not pieces or bucket is None:
            return None
        volume = float(np.add.reduceat(np.array([p.volume for p in pieces]), [0])[0])
        return Bar(
            bucket,
            pieces[0].open,
            max(p.high for p in pieces),
            min(p.low for p in pieces),
            pieces[-1].close,
            volume,
        )

    @property
    def bucket_open_ms(self) -> int | None:
        """Open time of the bucket in progress, if any."""
        return self._bucket


def bars_from_minutes(minutes: list[Bar], timeframe: str) -> list[Bar]:
    """Every bar of `timeframe` the 1m `minutes` make, the last one possibly partial."""
    builder = BarBuilder(timeframe)
    bars = [bar for minute in minutes for bar in builder.add(minute)]
    last = builder.flush()
    return bars if last is None else [*bars, last]
