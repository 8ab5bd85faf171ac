"""The API under load while a simulation runs: p50/p99 of the hot read routes.

A real `scalplab serve` paper-trades 50 symbols of 1m candles (see `paper_setup.py`)
replayed at `--speed` (a multiple of real time, or `max`); once signals flow, a
separate load process (`load_client.py`: 20 keep-alive clients by default) sends
`--rate` requests per second in total, alternating `/simulation/portfolio` and
`/signals`, for `--seconds`. Prints per route the requests, status codes, p50/p99/max
latency, the rate achieved, and how many candles the engine processed meanwhile (the
API must not be fast by starving the engine). Target: p99 < 100 ms at 300 requests/s.
Usage: `python benchmarks/api_load.py [--speed 60|max] [--rate 300] [--clients 20]`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
from paper_setup import DAY_MS, iso, paper_server, rss_mb

HERE = Path(__file__).resolve().parent
ROUTES = ["/simulation/portfolio", "/signals"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--speed", default="60", help="replay speed (x real time) or max")
    parser.add_argument("--rate", type=float, default=300.0, help="requests per second in all")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    speed: float | str = "max" if args.speed == "max" else float(args.speed)
    with paper_server(args.symbols) as server:
        start = server.first_ms + DAY_MS
        with httpx.Client(base_url=server.base, timeout=30) as client:
            end = min(server.last_ms, start + 3 * DAY_MS)
            run = {"speed": speed, "start": iso(start), "end": iso(end)}
            response = client.post("/simulation/start", json=run)
            if response.status_code >= 400:
                raise SystemExit(f"start: {response.status_code} {response.text}")
            deadline = time.monotonic() + 120
            while not client.get("/signals", params={"limit": 1}).json():
                if time.monotonic() > deadline:
                    raise SystemExit("no signal within 120 s")
                time.sleep(0.5)
            before = client.get("/simulation/status").json()["candles_processed"]
            load = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "load_client.py"),
                    str(server.port),
                    str(args.seconds),
                    str(args.rate),
                    str(args.clients),
                    *ROUTES,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            status = client.get("/simulation/status").json()
            signals = len(client.get("/signals", params={"limit": 500}).json())
        rss_now, rss_peak = rss_mb(server.process.pid)
    report = json.loads(load.stdout)
    elapsed = report["elapsed_s"]
    candles = status["candles_processed"] - before
    total = sum(len(values) for values in report["latencies_ms"].values())
    pace = "max" if speed == "max" else f"{speed:g}x"
    print(
        f"{args.symbols} symbols of 1m replayed at {pace}; {args.clients} clients, "
        f"{total} requests in {elapsed:.1f} s = {total / elapsed:,.0f} req/s (asked {args.rate:g})"
    )
    print(
        f"engine meanwhile: {candles} candles = {candles / elapsed:,.0f} candles/s, "
        f"{'still running' if status['state'] == 'running' else status['state']}, "
        f"{signals}+ signals; server RSS {rss_now:.0f} MB (peak {rss_peak:.0f} MB)"
    )
    for route, values in report["latencies_ms"].items():
        array = np.array(values)
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(report["statuses"][route].items()))
        p50, p99 = np.percentile(array, 50), np.percentile(array, 99)
        print(
            f"{route:<24} {len(array):>6} requests ({codes})  p50 {p50:6.1f} ms"
            f"  p99 {p99:6.1f} ms  max {array.max():6.1f} ms  (target p99 < 100)"
        )


if __name__ == "__main__":
    main()
