"""WebSocket throughput: many symbols of real Binance messages through the recorder.

The fake Binance (`scalplab.data.adapters.binance.fake`, its own process) serves the
real 2021 combined-stream capture with its 4 symbols copied `--copies` times (100 →
400 symbols) and replayed `--repeat` times, as fast as it can send. The recorder
(`MarketRecorder`: connections by route, 200 streams each, parsing, sequencing, and
Parquet writes every 5 s) records aggTrade, bookTicker and kline_1m of every symbol.
Prints the messages per second it took over the run, how many it parsed, rows written,
and its resident memory. The fake sends what it has and stops, so a rate held to the
end means no growing backlog. Target: ≥ 10,000 messages/s.
Usage: `python benchmarks/ws_throughput.py [--copies 100] [--repeat 4]`.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paper_setup import ROOT

from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.recorder import MarketRecorder

CAPTURE = ROOT.parent / "shared" / "data" / "real" / "ws" / "combined_stream_um_2021-07-22.jsonl"
BASES = ("SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "scalplab.data.adapters.binance.fake", str(CAPTURE),
         "--port", str(port), "--copies", str(args.copies), "--repeat", str(args.repeat)],
    )  # fmt: skip
    symbols = [
        base if k == 0 else f"{base[:-4]}{k}USDT" for k in range(args.copies) for base in BASES
    ]
    try:
        time.sleep(2.0)
        with tempfile.TemporaryDirectory() as tmp:
            rest = BinanceRestClient("http://127.0.0.1:9")  # backfill never needed: no loss
            recorder = MarketRecorder(
                f"ws://127.0.0.1:{port}", rest, Path(tmp), symbols,
                ["aggTrade", "bookTicker", "kline_1m"],
            )  # fmt: skip
            began = time.perf_counter()
            report = asyncio.run(recorder.run(until_idle_s=2.0))
            elapsed = time.perf_counter() - began - 2.0  # the idle wait at the end
    finally:
        server.terminate()
        server.wait(10)
    messages = sum(
        state.messages
        for connection in recorder.manager.connections
        for state in connection.health.streams.values()
    )
    rows = sum(n for streams in report.rows.values() for n in streams.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(symbols)} symbols x (aggTrade, bookTicker, kline_1m) on "
        f"{len(recorder.manager.connections)} connections: {messages:,} messages in "
        f"{elapsed:.1f} s = {messages / elapsed:,.0f} messages/s (target >= 10,000)"
    )
    print(
        f"rows written: {rows:,} (duplicates dropped {report.duplicates}, bad messages "
        f"{report.bad_messages}, reconnects {report.reconnects}); peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
