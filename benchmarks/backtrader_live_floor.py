"""What Backtrader alone costs per live candle: the floor under paper-trading latency.

Fifty Cerebros (`runonce=False, preload=False`, as the simulation runs them), each
over a `QueueFeed` in cooperative mode, are stepped from one thread exactly as the
simulation's driver steps them (a greenlet per Cerebro, switched to right after its
candle is pushed). The executor does nothing: no books, no database, no events. A
burst is one real closed 1m candle per symbol (the six recorded symbols of
shared/data/real reused round-robin); its time is how long the last of the 50
strategies waits before Backtrader has even called its `next()` — the part of
candle-in → signal that no engine work can remove.

Two strategies: `bare` (the plugin base class with no indicator) and `sma_cross`
(the plugin the latency benchmarks run).
Usage: `python benchmarks/backtrader_live_floor.py [--feeds 50] [--bursts 400]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import backtrader as bt
import greenlet
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.data.bars import Bar  # noqa: E402
from scalplab.data.live_feed import QueueFeed  # noqa: E402
from scalplab.strategies.base import SignalStrategy  # noqa: E402
from scalplab.strategies.sma_cross import SmaCrossStrategy  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real" / "klines" / "um"
BASES = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT")
WARMUP = 50


class Bare(SignalStrategy):
    """The base class alone: `next()` builds the bar and calls the executor."""

    name = "bare"


class NullExecutor:
    """Takes every call and does nothing (the engine's work is not measured here)."""

    def on_bar(self, feed: str, bar: Bar) -> None:
        return None

    def on_signal(self, feed: str, bar: Bar, signal: object) -> None:
        return None

    def bars_held(self, feed: str) -> int:
        return 0

    def request_exit(self, feed: str, reason: str) -> bool:
        return False

    def position(self, feed: str) -> None:
        return None

    def finish(self, feed: str) -> None:
        return None


def real_bars(base: str, count: int) -> list[Bar]:
    frame = pd.read_csv(REAL / base / "1m.csv").head(count)
    return [
        Bar(
            int(r.open_time),
            float(r.open),
            float(r.high),
            float(r.low),
            float(r.close),
            float(r.volume),
        )
        for r in frame.itertuples()
    ]


def measure(strategy: type[SignalStrategy], feeds: int, bursts: int) -> np.ndarray:
    """Milliseconds per burst of one candle per feed, after a warm-up."""
    series = {base: real_bars(base, bursts + WARMUP) for base in BASES}
    driver = greenlet.getcurrent()
    lanes: list[tuple[QueueFeed, greenlet.greenlet, list[Bar]]] = []
    for i in range(feeds):
        feed = QueueFeed(tf="1m")
        feed.on_empty = driver.switch
        cerebro = bt.Cerebro(stdstats=False, runonce=False, preload=False, exactbars=1)
        cerebro.adddata(feed, name=f"S{i}")
        params = {"fast": 5, "slow": 20} if strategy is SmaCrossStrategy else {}
        cerebro.addstrategy(strategy, executor=NullExecutor(), feed_name=f"S{i}", **params)
        lane = greenlet.greenlet(cerebro.run)
        lane.switch()
        lanes.append((feed, lane, series[BASES[i % len(BASES)]]))
    times = []
    for k in range(bursts + WARMUP):
        start = time.perf_counter()
        for feed, lane, bars in lanes:
            feed.push(bars[k])
            lane.switch()
        times.append((time.perf_counter() - start) * 1000)
    for feed, lane, _ in lanes:
        feed.finish()
        lane.switch()
    return np.array(times[WARMUP:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--bursts", type=int, default=400)
    args = parser.parse_args()
    print(f"Backtrader live step, {args.feeds} Cerebros on one thread, real 1m candles")
    for strategy in (Bare, SmaCrossStrategy):
        ms = measure(strategy, args.feeds, args.bursts)
        print(
            f"{strategy.name:>9}: {1000 * np.median(ms) / args.feeds:.0f} us per candle; "
            f"a burst of {args.feeds}: p50 {np.median(ms):.2f} ms, "
            f"p99 {np.percentile(ms, 99):.2f} ms"
        )


if __name__ == "__main__":
    main()
