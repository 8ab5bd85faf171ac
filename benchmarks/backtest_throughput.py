"""Throughput of `scalplab backtest` against raw Backtrader, on the same real series.

Both run the same SMA(10/30) crossover over the 30-day 1m BTCUSDT series of
shared/data/real (43,199 bars):
- platform: `scalplab backtest --pair BTCUSDT --strategy sma_cross --tf 1m ...`
  in-process (load from Parquet, run, metrics, result JSON written and indexed);
- raw: a default `bt.Cerebro()` with `PandasData` and a strategy that buys and
  sells with Backtrader's own broker on the same crosses.
Prints bars/s of each (median of N runs) and the ratio platform time / raw time
(target ≤ 0.8, with every circuit breaker in the loop).
Usage: `python benchmarks/backtest_throughput.py [--runs 3]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import backtrader as bt
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.cli import main as scalplab  # noqa: E402
from scalplab.config import get_settings  # noqa: E402
from scalplab.data.candles import CandleStore  # noqa: E402

SERIES = ROOT.parent / "shared" / "data" / "real" / "klines" / "um" / "BTCUSDT" / "1m.csv"


class RawSmaCross(bt.Strategy):
    """The textbook Backtrader SMA cross: long on a cross up, short on a cross down."""

    params = (("fast", 10), ("slow", 30))

    def __init__(self) -> None:
        fast = bt.indicators.SMA(self.data.close, period=self.p.fast)
        slow = bt.indicators.SMA(self.data.close, period=self.p.slow)
        self.cross = bt.indicators.CrossOver(fast, slow)

    def next(self) -> None:
        if self.cross[0] > 0:
            self.order_target_size(target=1)
        elif self.cross[0] < 0:
            self.order_target_size(target=-1)


def run_raw(frame: pd.DataFrame) -> float:
    """Seconds for a default Cerebro + PandasData run."""
    started = time.perf_counter()
    cerebro = bt.Cerebro()
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(RawSmaCross)
    cerebro.broker.setcash(1_000_000.0)
    cerebro.run()
    return time.perf_counter() - started


def run_platform(start: str, end: str) -> float:
    """Seconds for `scalplab backtest` in-process (stdout swallowed)."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = scalplab(
            [
                "backtest",
                "--pair",
                "BTCUSDT",
                "--strategy",
                "sma_cross",
                "--tf",
                "1m",
                "--start",
                start,
                "--end",
                end,
                "--param",
                "fast=10",
                "--param",
                "slow=30",
            ]
        )
    if code != 0:
        raise SystemExit(f"scalplab backtest failed with exit code {code}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not SERIES.is_file():
        raise SystemExit(f"missing {SERIES} (shared/ must sit beside the repository)")
    candles = pd.read_csv(SERIES)
    bars = len(candles)
    frame = candles.set_index(pd.to_datetime(candles["open_time"], unit="ms"))
    frame = frame[["open", "high", "low", "close", "volume"]]
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["DATA_DIR"] = data_dir
        get_settings.cache_clear()
        CandleStore(Path(data_dir)).merge("BTCUSDT", "1m", candles)
        first = pd.Timestamp(int(candles.open_time.iloc[0]), unit="ms", tz="UTC")
        last = pd.Timestamp(int(candles.open_time.iloc[-1]) + 60_000, unit="ms", tz="UTC")
        start, end = first.isoformat(), last.isoformat()
        platform_times, raw_times = [], []
        for _ in range(args.runs):
            platform_times.append(run_platform(start, end))
            raw_times.append(run_raw(frame))
    platform = statistics.median(platform_times)
    raw = statistics.median(raw_times)
    print(
        f"series: BTCUSDT 1m, {bars} bars ({first:%Y-%m-%d} → {last:%Y-%m-%d}), "
        f"median of {args.runs} runs"
    )
    print(
        f"platform (scalplab backtest, sma_cross): {platform:.3f} s  {bars / platform:,.0f} bars/s"
    )
    print(f"raw Backtrader (Cerebro() + PandasData): {raw:.3f} s  {bars / raw:,.0f} bars/s")
    print(f"ratio platform/raw time: {platform / raw:.3f}  (target <= 0.8; breakers on)")


if __name__ == "__main__":
    main()
