"""Candle-in → signal-on-the-SSE-stream latency for 50 symbols (paper trading).

A real `scalplab serve` replays stored 1m candles of 50 symbols (see
`paper_setup.py`) through the simulation engine at `--speed`x real time: every
replayed minute, 50 closed candles come due together. An SSE client on
`/signals/stream` takes the time each signal event arrives; the engine stamps
each signal with the wall-clock instant its candle reached the platform
(`candle_in_ns`): in a paced replay, the instant the candle's close came due on
the replay clock, shared by all 50 closes of that minute, so a candle handled
last in its burst carries the wait behind the other 49 (the worst case: real
Binance closes arrive spread over a second or two). Latency = arrival - candle
in, p50/p99 over all signals.
Usage: `python benchmarks/signal_latency.py [--symbols 50] [--speed 300] [--seconds 60]`.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from typing import Any

import httpx
import numpy as np
from paper_setup import DAY_MS, iso, paper_server, read_signals


def collect(
    base: str, latencies: list[float], stop: threading.Event, ready: threading.Event
) -> None:
    """Read the SSE stream; record each signal's latency in ms."""

    def on_signal(data: dict[str, Any], arrived_ns: int) -> None:
        if data.get("candle_in_ns") is not None:
            latencies.append((arrived_ns - data["candle_in_ns"]) / 1e6)

    read_signals(base, on_signal, stop, ready)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--speed", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with paper_server(args.symbols) as server:
        base = server.base
        latencies: list[float] = []
        stop, ready = threading.Event(), threading.Event()
        reader = threading.Thread(target=collect, args=(base, latencies, stop, ready), daemon=True)
        reader.start()
        ready.wait(10)
        start = server.first_ms + DAY_MS  # past the copies' first day
        end = min(server.last_ms, start + 2 * DAY_MS)
        response = httpx.post(
            f"{base}/simulation/start",
            json={"speed": args.speed, "start": iso(start), "end": iso(end)},
            timeout=60,
        )
        if response.status_code >= 400:
            raise SystemExit(f"start: {response.status_code} {response.text}")
        time.sleep(args.seconds)
        status = httpx.get(f"{base}/simulation/status", timeout=10).json()
        stop.set()
        httpx.post(f"{base}/simulation/stop", json={}, timeout=60)
    if not latencies:
        raise SystemExit("no signal arrived")
    values = np.array(latencies)
    print(
        f"{args.symbols} symbols, 1m candles replayed at {args.speed:g}x for {args.seconds:g} s: "
        f"{status['candles_processed']} candles, {len(values)} signals on /signals/stream"
    )
    print(
        f"candle in -> signal on SSE: p50 {np.percentile(values, 50):.2f} ms, "
        f"p99 {np.percentile(values, 99):.2f} ms, max {values.max():.2f} ms, "
        f"mean {statistics.fmean(latencies):.2f} ms  (target p99 <= 10 ms)"
    )


if __name__ == "__main__":
    main()
