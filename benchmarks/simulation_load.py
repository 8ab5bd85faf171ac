"""Simulation under load: 50 symbols replaying 1m candles at full speed.

A real `scalplab serve` paper-trades 50 symbols (see `paper_setup.py`) replayed
as fast as the engine takes them; meanwhile a client polls
`/simulation/portfolio`. Prints candles per second, the server's resident
memory (now and peak) and the p50/p99 latency of `/simulation/portfolio`.
Targets: RSS < 500 MB, portfolio p99 < 100 ms.
Usage: `python benchmarks/simulation_load.py [--symbols 50] [--days 3]`.
"""

from __future__ import annotations

import argparse
import time

import httpx
import numpy as np
from paper_setup import DAY_MS, iso, paper_server, rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--days", type=float, default=3.0)
    args = parser.parse_args()
    with paper_server(args.symbols) as server:
        start = server.first_ms + DAY_MS
        end = min(server.last_ms, start + int(args.days * DAY_MS))
        latencies: list[float] = []
        with httpx.Client(base_url=server.base, timeout=30) as client:
            began = time.perf_counter()
            response = client.post(
                "/simulation/start", json={"speed": "max", "start": iso(start), "end": iso(end)}
            )
            if response.status_code >= 400:
                raise SystemExit(f"start: {response.status_code} {response.text}")
            peak = 0.0
            while True:
                t0 = time.perf_counter()
                client.get("/simulation/portfolio").raise_for_status()
                latencies.append((time.perf_counter() - t0) * 1000)
                status = client.get("/simulation/status").json()
                peak = max(peak, rss_mb(server.process.pid)[1])
                if status["state"] != "running" or status.get("finished"):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - began
            trades = len(client.get("/simulation/trades", params={"limit": 500}).json())
        candles = int(status["candles_processed"])
        rss_now, rss_peak = rss_mb(server.process.pid)
    values = np.array(latencies)
    print(
        f"{args.symbols} symbols x {args.days:g} days of 1m at full speed: {candles} candles "
        f"in {elapsed:.1f} s = {candles / elapsed:,.0f} candles/s ({trades}+ trades)"
    )
    print(f"server RSS: {rss_now:.0f} MB now, peak {max(peak, rss_peak):.0f} MB  (target < 500 MB)")
    print(
        f"/simulation/portfolio while running: {len(values)} requests, "
        f"p50 {np.percentile(values, 50):.1f} ms, p99 {np.percentile(values, 99):.1f} ms "
        "(target p99 < 100 ms)"
    )


if __name__ == "__main__":
    main()
