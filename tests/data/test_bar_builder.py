"""`BarBuilder` builds higher-timeframe bars from 1m exactly as the candle store does."""

from __future__ import annotations

import pandas as pd

from scalplab.data.bar_builder import BarBuilder, bars_from_minutes
from scalplab.data.bars import Bar
from scalplab.data.stream import bars_from_frame
from scalplab.data.timeframes import resample
from tests.simulation.live_fakes import BTC_1M


def minutes(count: int, skip: set[int] | None = None) -> list[Bar]:
    frame = pd.read_csv(BTC_1M, nrows=count)
    bars = bars_from_frame(frame)
    return [b for i, b in enumerate(bars) if i not in (skip or set())]


def test_bars_equal_the_store_resampler_on_real_candles_with_holes() -> None:
    real = minutes(3000, skip={7, 8, 100, 1001, 1002, 1003, 1004, 1005})
    frame = pd.DataFrame(
        {
            "open_time": [b.open_ms for b in real],
            **{
                name: [getattr(b, name) for b in real]
                for name in ("open", "high", "low", "close", "volume")
            },
        }
    )
    for timeframe in ("5m", "15m", "1h"):
        assert bars_from_minutes(real, timeframe) == bars_from_frame(resample(frame, timeframe))


def test_a_bar_closes_with_its_last_minute_and_a_hole_closes_it_late() -> None:
    real = minutes(12)
    offset = (real[0].open_ms // 60_000) % 5
    builder = BarBuilder("5m")
    closed_at = [i for i, m in enumerate(real) if builder.add(m)]
    assert closed_at[0] == 4 - offset  # the bucket's fifth minute closes it
    hole = BarBuilder("5m")
    first = [m for m in real if (m.open_ms // 60_000) % 5 != 4]  # every last minute missing
    emitted = [bar for m in first for bar in hole.add(m)]
    assert emitted and all(bar.open_ms % 300_000 == 0 for bar in emitted)
    assert hole.flush() is not None and hole.flush() is None
