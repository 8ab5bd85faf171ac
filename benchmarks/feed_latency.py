"""Candle push → strategy `next()` latency and throughput of `QueueFeed`, 50 symbols at once.

Fifty pair runners, as the paper-trading engine runs them: each a
`Cerebro(runonce=False, preload=False)` in its own thread over a `QueueFeed`,
running the `sma_cross` plugin through its own `ExecutionModel`. One producer
thread plays the WebSocket adapter and pushes real closed 1m candles
(shared/data/real, the 6 recorded symbols reused round-robin over the 50 feeds).

Two phases:
- paced: every "minute", one closed candle per symbol (50 at once, as Binance
  closes them together); the next burst is pushed once all 50 were handled.
  Latency = push → the strategy's `next()`/`prenext()` entry; this is the figure
  a live feed sees, including the wait behind the other 49 runners on 2 cores;
- flood: every candle of every feed pushed as fast as the feeds take them
  (`max_pending` backpressure) — a full-speed replay; reports candles/s and the
  (queueing-dominated) latency.

Usage: `python benchmarks/feed_latency.py [--feeds 50] [--bursts 600] [--flood-bars 2000] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.backtests.runner import FALLBACK_RULES, execution_config  # noqa: E402
from scalplab.config import Settings  # noqa: E402
from scalplab.data.bars import Bar  # noqa: E402
from scalplab.data.live_feed import QueueFeed  # noqa: E402
from scalplab.data.stream import bars_from_frame  # noqa: E402
from scalplab.orders.execution import ExecutionModel  # noqa: E402
from scalplab.orders.funding import FundingSchedule  # noqa: E402
from scalplab.strategies.sma_cross import SmaCrossStrategy  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real" / "klines" / "um"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT")


class Clocked:
    """Push times per feed (written by the producer) and latencies (written by the runners)."""

    def __init__(self, feeds: int) -> None:
        self.pushed: list[dict[int, int]] = [{} for _ in range(feeds)]
        self.latencies: list[list[int]] = [[] for _ in range(feeds)]
        self.handled = threading.Semaphore(0)


class TimedSmaCross(SmaCrossStrategy):
    """`sma_cross` that notes when each bar reached it (at the entry of next/prenext)."""

    params = (("clock", None), ("slot", 0))

    def _note(self) -> None:
        now = time.perf_counter_ns()
        clock: Clocked = self.p.clock
        slot = int(self.p.slot)
        clock.latencies[slot].append(now - clock.pushed[slot][int(self.data.open_ms[0])])
        clock.handled.release()

    def prenext(self) -> None:
        self._note()
        super().prenext()

    def next(self) -> None:
        self._note()
        super().next()


def load_bars(count: int) -> dict[str, list[Bar]]:
    """The first `count` real 1m candles of each recorded symbol."""
    return {s: bars_from_frame(pd.read_csv(REAL / s / "1m.csv").head(count)) for s in SYMBOLS}


def start_runners(
    feeds: int, clock: Clocked, max_pending: int
) -> tuple[list[QueueFeed], list[threading.Thread]]:
    """One Cerebro thread per feed, all waiting for candles."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    config = execution_config(settings)
    queue_feeds: list[QueueFeed] = []
    threads: list[threading.Thread] = []
    for slot in range(feeds):
        name = f"{SYMBOLS[slot % len(SYMBOLS)]}#{slot}"
        model = ExecutionModel(config)
        model.add_feed(name, replace(FALLBACK_RULES, symbol=name), FundingSchedule([], 0.0001))
        feed = QueueFeed(tf="1m", max_pending=max_pending)
        cerebro = bt.Cerebro(stdstats=False, runonce=False, preload=False, maxcpus=1)
        cerebro.adddata(feed, name=name)
        cerebro.addstrategy(TimedSmaCross, executor=model, feed_name=name, clock=clock, slot=slot)
        thread = threading.Thread(target=cerebro.run, name=f"pair-{slot}", daemon=True)
        thread.start()
        queue_feeds.append(feed)
        threads.append(thread)
    return queue_feeds, threads


def percentiles_ms(latencies: list[list[int]]) -> dict[str, float]:
    values = np.concatenate([np.asarray(v, dtype=np.int64) for v in latencies]) / 1e6
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
        "samples": len(values),
    }


def paced(feeds: int, bursts: int, bars: dict[str, list[Bar]]) -> dict[str, Any]:
    """One candle per feed per burst; the next burst after all 50 were handled."""
    clock = Clocked(feeds)
    queue_feeds, threads = start_runners(feeds, clock, max_pending=0)
    series = [bars[SYMBOLS[slot % len(SYMBOLS)]] for slot in range(feeds)]
    started = time.perf_counter()
    for minute in range(bursts):
        for slot, feed in enumerate(queue_feeds):
            bar = series[slot][minute]
            clock.pushed[slot][bar.open_ms] = time.perf_counter_ns()
            feed.push(bar)
        for _ in range(feeds):
            clock.handled.acquire()
    elapsed = time.perf_counter() - started
    for feed in queue_feeds:
        feed.finish()
    for thread in threads:
        thread.join()
    return {
        "candles": feeds * bursts,
        "seconds": round(elapsed, 3),
        **percentiles_ms(clock.latencies),
    }


def flood(feeds: int, count: int, bars: dict[str, list[Bar]]) -> dict[str, Any]:
    """Every candle pushed as fast as the bounded feeds accept them."""
    clock = Clocked(feeds)
    queue_feeds, threads = start_runners(feeds, clock, max_pending=256)
    series = [bars[SYMBOLS[slot % len(SYMBOLS)]] for slot in range(feeds)]
    started = time.perf_counter()
    for minute in range(count):
        for slot, feed in enumerate(queue_feeds):
            bar = series[slot][minute]
            clock.pushed[slot][bar.open_ms] = time.perf_counter_ns()
            feed.push(bar)
    for feed in queue_feeds:
        feed.finish()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = feeds * count
    return {
        "candles": total,
        "seconds": round(elapsed, 3),
        "candles_per_s": round(total / elapsed),
        **percentiles_ms(clock.latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--bursts", type=int, default=600)
    parser.add_argument("--flood-bars", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bars = load_bars(max(args.bursts, args.flood_bars))
    result = {
        "feeds": args.feeds,
        "paced": paced(args.feeds, args.bursts, bars),
        "flood": flood(args.feeds, args.flood_bars, bars),
    }
    if args.json:
        print(json.dumps(result))
        return
    p, f = result["paced"], result["flood"]
    print(f"QueueFeed, {args.feeds} feeds x Cerebro threads, sma_cross, real 1m candles")
    print(
        f"paced (one closed candle per symbol per burst, {p['candles']} candles): "
        f"push -> next() p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms"
    )
    print(
        f"flood ({f['candles']} candles, max_pending 256): {f['candles_per_s']} candles/s, "
        f"queueing latency p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms"
    )


if __name__ == "__main__":
    main()
