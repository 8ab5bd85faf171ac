"""WebSocket throughput: 400 symbols of real Binance streams through the recorder, paced.

The fake Binance (`scalplab.data.adapters.binance.fake`, its own process, so it takes
none of the client's CPU time) serves the real 2021 combined-stream capture with the
`depth20@100ms` partial books derived from its recorded diff depth and REST snapshots
(`fake_depth`), its 4 symbols copied `--copies` times (100 → 400 symbols), repeated
with the timeline continued (each repeat has new ids and times, so the recorder keeps
writing new rows) at `--speed` times the recorded pace (4: about 12,000 messages/s of
the three streams). The recorder (`MarketRecorder`: connections by route, 200 streams
each, parsing, sequencing; every 5 s the rows go to its writer process, which appends
part files; compaction into day files on stop) records kline_1m, aggTrade and
depth20@100ms of every symbol for `--seconds`.

Every 10 s it prints the messages per second the client took in that window, what the
fake sent, how far behind its schedule the fake is (a client that does not keep up
holds the fake back: its lag grows window after window) and the client's RSS; then the
totals, rows written, the CPU seconds of each process, the stop's time and peak RSS.
Target: ≥ 10,000 messages/s for 60 s with a flat lag. The machine's 2 cores are shared:
anything else running takes from the three processes. Usage:
`python benchmarks/ws_throughput.py [--speed 4] [--seconds 60] [--copies 100]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from paper_setup import ROOT

from scalplab.data.adapters.binance.fake import load_capture
from scalplab.data.adapters.binance.fake_depth import rest_answer, with_partial_books
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.recorder import MarketRecorder

REAL = ROOT.parent / "shared" / "data" / "real"
CAPTURE = REAL / "ws" / "combined_stream_um_2021-07-22.jsonl"
BASES = ("SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT")
STREAMS = ["kline_1m", "aggTrade", "depth20"]
CAPTURE_SPAN_S = 30.1  # first to last event time of the capture
WINDOW_S = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def capture_with_books(folder: Path) -> Path:
    """The capture with its derived depth20@100ms partial books, as a file for the fake."""
    snapshots = {
        base: rest_answer(REAL / "rest" / f"fapi_v1_depth_symbol{base}_limit1000_2021-07-22.json")
        for base in BASES
    }
    path = folder / "capture_with_depth20.jsonl"
    merged = with_partial_books(load_capture(CAPTURE), snapshots)
    path.write_text("".join(message + "\n" for message in merged))
    return path


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("the fake Binance did not start")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


async def record(
    recorder: MarketRecorder, seconds: float, progress: list[dict[str, float]]
) -> tuple[list[tuple[float, int, float]], float]:
    """Run the recorder for `seconds`, sampling (time, messages taken, RSS) at the end of
    every window; and how long it took to stop (last flush and compaction)."""

    def taken() -> int:
        streams = (s for c in recorder.manager.connections for s in c.health.streams.values())
        return sum(state.messages for state in streams)

    samples = [(time.time(), 0, rss_mb())]

    async def sample() -> None:
        for _ in range(int(seconds // WINDOW_S)):
            await asyncio.sleep(samples[0][0] + WINDOW_S * len(samples) - time.time())
            samples.append((time.time(), taken(), rss_mb()))
            report_window(samples, progress)

    sampler = asyncio.create_task(sample())
    await recorder.run(duration_s=seconds + 0.2)  # the last window ends before the stop
    stopping = time.time() - samples[0][0] - seconds - 0.2
    await sampler
    return samples, stopping


def sent_at(progress: list[dict[str, float]], moment: float) -> tuple[float, float]:
    """(messages the fake had sent, how far behind schedule) as of `moment`."""
    before = [line for line in progress if line["time"] <= moment]
    return (before[-1]["sent"], before[-1]["behind"]) if before else (0.0, 0.0)


def report_window(
    samples: list[tuple[float, int, float]], progress: list[dict[str, float]]
) -> None:
    (t0, n0, _), (t1, n1, rss) = samples[-2], samples[-1]
    s0, _ = sent_at(progress, t0)
    s1, behind = sent_at(progress, t1)
    print(
        f"  {t1 - samples[0][0]:5.1f} s: client {(n1 - n0) / (t1 - t0):8,.0f} msg/s, "
        f"fake sent {(s1 - s0) / (t1 - t0):8,.0f} msg/s, "
        f"fake behind schedule {behind:5.2f} s, client RSS {rss:5.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    port = free_port()
    repeat = math.ceil((args.seconds + 5) * args.speed / CAPTURE_SPAN_S) + 1
    symbols = [
        base if k == 0 else f"{base[:-4]}{k}USDT" for k in range(args.copies) for base in BASES
    ]
    progress: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [sys.executable, "-m", "scalplab.data.adapters.binance.fake",
             str(capture_with_books(Path(tmp))), "--port", str(port),
             "--copies", str(args.copies), "--repeat", str(repeat), "--speed", str(args.speed),
             "--continue-timeline", "--report-every", "1"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        reader = threading.Thread(
            target=lambda: [progress.append(json.loads(line)) for line in server.stdout or []],
            daemon=True,
        )
        reader.start()
        try:
            wait_for_port(port)
            rest = BinanceRestClient("http://127.0.0.1:9")  # backfill never needed: no loss
            ws = f"ws://127.0.0.1:{port}"
            recorder = MarketRecorder(ws, rest, Path(tmp) / "data", symbols, STREAMS)
            print(
                f"{len(symbols)} symbols x ({', '.join(STREAMS)}) on "
                f"{len(recorder.manager.connections)} connections, the fake at "
                f"{args.speed:g}x the recorded pace, for {args.seconds:g} s:"
            )
            cpu = time.process_time()
            samples, stopping = asyncio.run(record(recorder, args.seconds, progress))
            cpu = time.process_time() - cpu
            writer_cpu = children_cpu()  # the writer process has ended
        finally:
            server.terminate()
            server.wait(10)
    fake_cpu = children_cpu() - writer_cpu
    (t0, _, _), (t1, messages, _) = samples[0], samples[-1]
    report = recorder.report
    rows = sum(n for streams in report.rows.values() for n in streams.values())
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(samples)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{messages:,} messages in {t1 - t0:.1f} s = {messages / (t1 - t0):,.0f} messages/s "
        f"(10-s windows {min(rates):,.0f} to {max(rates):,.0f}; target >= 10,000); "
        f"CPU seconds: client {cpu:.0f}, its writer process {writer_cpu:.0f}, "
        f"fake {fake_cpu:.0f} (2 cores: {2 * (t1 - t0 + stopping):.0f})"
    )
    print(
        f"rows written: {rows:,} (duplicates dropped {report.duplicates}, bad messages "
        f"{report.bad_messages}, stale alarms {report.stale_alarms}, reconnects "
        f"{report.reconnects}, write errors {report.write_errors}); stop (last flush and "
        f"compaction) {stopping:.1f} s; client peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
