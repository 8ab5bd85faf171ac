"""Exchange event time (`E`) → signal on the SSE stream, on the LIVE path, for 50 symbols.

A real `scalplab serve` paper-trades 50 symbols (sma_cross 5/20 on 1m, the real candles
of `paper_setup.py`) on its live Binance feed (`POST /simulation/start {"feed": "live"}`),
pointed at a fake Binance in this process: REST serves the candles before the stream
(warm-up), the WebSocket sends each real candle's closing kline in Binance's shape with
`E` stamped at the instant it is sent. Each replayed minute lasts `--minute-s` seconds:
`--mode spread` sends the 50 closes spread over `--spread-s` (about 2 s, as the recorded
stream shows), `--mode burst` sends all 50 at once. An SSE client on `/signals/stream`
takes each signal's arrival; latency = arrival − the `E` of the kline it was made on.
Signals of the first minutes (warm-up catch-up) are left out.
Targets: spread p99 ≤ 10 ms, burst p99 ≤ 50 ms.
Usage: `python benchmarks/live_signal_latency.py [--mode spread|burst] [--minutes 40]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from paper_setup import add_pairs, build_store, free_port, read_signals, rss_mb, start_server

from scalplab.data.adapters.binance.fake_live import PacedKlines, serve_in_thread, store_rows
from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.candles import CandleStore

SKIP_MINUTES = 3


def collect(
    base: str, arrivals: list[tuple[str, str, int, int | None]], stop: threading.Event
) -> None:
    """Read the SSE stream: each signal's symbol, bar time, arrival and candle-in instant."""

    def on_signal(data: dict[str, Any], arrived_ns: int) -> None:
        arrivals.append((data["symbol"], data["time"], arrived_ns, data.get("candle_in_ns")))

    read_signals(base, on_signal, stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--mode", choices=["spread", "burst"], default="spread")
    parser.add_argument("--minutes", type=int, default=40)
    parser.add_argument("--minute-s", type=float, default=2.5)
    parser.add_argument("--spread-s", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)  # the stored candles make the 50 symbols known to /pairs
        names, first, _ = build_store(data_dir, args.symbols)
        store = CandleStore(data_dir)
        start = first + 86_400_000  # past the copies' first day: warm-up history exists
        state = ReplayState()
        spread = args.spread_s if args.mode == "spread" else 0.0
        sender = PacedKlines(
            store_rows(store, names, state), start, args.minute_s, spread, args.minutes
        )
        ws_port = free_port()
        serve_in_thread(sender, ws_port).wait(10)
        with ReplayServer(state) as rest:
            port = free_port()
            env = {"REST_URL": rest.base_url, "WS_URL": f"ws://127.0.0.1:{ws_port}",
                   "LIVE_WARMUP_BARS": "30"}  # fmt: skip
            process = start_server(data_dir, port, env)
            base = f"http://127.0.0.1:{port}"
            try:
                with httpx.Client(base_url=base, timeout=60) as client:
                    add_pairs(base, names, {"fast": 5, "slow": 20})
                    arrivals: list[tuple[str, str, int, int | None]] = []
                    stop = threading.Event()
                    reader = threading.Thread(target=collect, args=(base, arrivals, stop))
                    reader.daemon = True
                    reader.start()
                    time.sleep(0.5)
                    answer = client.post("/simulation/start", json={"feed": "live"})
                    if answer.status_code >= 400:
                        raise SystemExit(f"start: {answer.status_code} {answer.text}")
                    deadline = time.monotonic() + args.minutes * args.minute_s + 120
                    while not sender.finished.wait(5) and time.monotonic() < deadline:
                        now = client.get("/simulation/status").json()
                        print(f"  {now['candles_processed']} candles, error {now['error']}")
                    time.sleep(1.0)
                    status = client.get("/simulation/status").json()
                    health = client.get("/status/health").json()
                    rss, peak = rss_mb(process.pid)
                    stop.set()
                    client.post("/simulation/stop", json={})
            finally:
                process.terminate()
                process.wait(30)
    first_counted = start + SKIP_MINUTES * 60_000
    latencies, inside = [], []
    for symbol, bar_time, arrived_ns, candle_in_ns in arrivals:
        open_ms = int(pd.Timestamp(bar_time).value // 1_000_000)
        event_ms = sender.sent_at.get((symbol, open_ms))
        if event_ms is not None and open_ms >= first_counted:
            latencies.append(arrived_ns / 1e6 - event_ms)
            if candle_in_ns is not None:
                inside.append((arrived_ns - candle_in_ns) / 1e6)
    if not latencies:
        raise SystemExit(f"no signal arrived (status: {status})")
    values = np.array(latencies)
    print(
        f"{args.symbols} symbols live ({args.mode}: {args.minutes} minutes of closes, "
        f"{args.minute_s:g} s each): {status['candles_processed']} candles, "
        f"{len(values)} signals counted; reconnects {health.get('reconnects')}, "
        f"RSS {rss:.0f} MB (peak {peak:.0f} MB)"
    )
    target = 10 if args.mode == "spread" else 50
    print(
        f"exchange E -> signal on SSE: p50 {np.percentile(values, 50):.2f} ms, "
        f"p99 {np.percentile(values, 99):.2f} ms, max {values.max():.2f} ms, "
        f"mean {statistics.fmean(latencies):.2f} ms  (target p99 <= {target} ms)"
    )
    if inside:
        print(
            f"  of which frame received -> signal on SSE: p50 {np.percentile(inside, 50):.2f} ms, "
            f"p99 {np.percentile(inside, 99):.2f} ms"
        )


if __name__ == "__main__":
    main()
