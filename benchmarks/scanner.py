"""Market scanner over 400 symbols against the fake Binance: seconds and REST weight per refresh.

The fake (`scalplab.data.adapters.binance.fake_market`, its own process, so it takes none
of the scanner's CPU time) serves a market of `--symbols` USDT-M perpetuals: the seven
REAL recorded series (1m candles → 24 h tickers, books, 15m klines) and copies of them
RELABELLED under made-up names (`BTC001USDT` …), each copy cut an hour further back in
its real series, with the source's 2021 exchangeInfo entry. The scanner (`MarketScanner`,
`--workers` REST clients for the klines) then refreshes:

- cold: the first refresh (exchangeInfo, every ticker and book, the full 201-candle klines
  of every candidate);
- warm: later refreshes while no 15m candle has closed (tickers and books only);
- top-up: a refresh just after a 15m candle closed (every candidate's new candle, limit
  99, weight 1), emulated by dropping each cached series' newest candle.

The refreshes run back to back (cold and `--rounds` warm ones in one minute, then three
top-ups in the next), each series starting with a fresh UTC minute so the client's weight
budget never has to pause them (the time paused is printed: 0). Printed per kind: seconds
per refresh (median and worst), the REST weight it used (Binance's documented weights,
the count the tests prove equals what the fake charges) and the kline requests; then the
weight per minute at a 60 s refresh (one refresh a minute; a top-up once every 15)
against Binance's 2,400/min. It takes about two minutes.
Usage: `python benchmarks/scanner.py [--symbols 400] [--workers 8] [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

from paper_setup import ROOT

from scalplab.data.adapters.binance.weight import WEIGHT_LIMIT
from scalplab.data.scanner import MarketScanner, ScanResult

REAL = ROOT.parent / "shared" / "data" / "real"
REFRESH_S = 60
TOP_UPS = 3
"""Top-up refreshes measured, in one minute (more would near the minute's limit)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def top_up_due(scanner: MarketScanner) -> None:
    """Make every cached series one candle short, as just after a 15m close."""
    for symbol in scanner.cache.symbols():
        series = scanner.cache.series(symbol)
        scanner.cache.store(symbol, series[:-1], top_up=False)


def next_minute() -> None:
    """Wait for a new UTC minute: Binance (and the fake) count weight per minute, and the
    client pauses near the limit, which back-to-back refreshes would reach."""
    time.sleep(60.5 - time.time() % 60)


def timed(scanner: MarketScanner) -> tuple[float, ScanResult]:
    started = time.perf_counter()
    result = scanner.scan()
    return time.perf_counter() - started, result


def report(kind: str, runs: list[tuple[float, ScanResult]]) -> int:
    seconds = [s for s, _ in runs]
    last = runs[-1][1]
    print(
        f"{kind:<7} {statistics.median(seconds):8.3f} s median, {max(seconds):7.3f} s worst"
        f" | weight {last.weight_used:4d} | kline requests {last.kline_requests:3d}"
        f" | paused {sum(r.waited_s for _, r in runs):.1f} s"
        f" | {len(last.qualified)} qualified, {len(last.left_out)} left out"
    )
    return last.weight_used


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--symbols", type=int, default=400)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    port = free_port()
    command = [
        sys.executable, "-m", "scalplab.data.adapters.binance.fake_market",
        "--data-dir", str(REAL), "--port", str(port), "--total", str(args.symbols),
    ]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as fake:
        try:
            assert fake.stdout is not None
            print(fake.stdout.readline().strip())
            print(
                f"{args.symbols} symbols: the 7 REAL recorded series and RELABELLED, "
                "time-shifted copies of them (BTC001USDT …); tickers, books and 15m klines "
                "built from their real 1m candles"
            )
            scanner = MarketScanner(f"http://127.0.0.1:{port}", workers=args.workers)
            try:
                next_minute()
                cold = [timed(scanner)]
                warm = [timed(scanner) for _ in range(args.rounds)]
                next_minute()
                top_ups = []
                for _ in range(TOP_UPS):
                    top_up_due(scanner)
                    top_ups.append(timed(scanner))
            finally:
                scanner.close()
        finally:
            fake.terminate()
    result = cold[0][1]
    print(
        f"universe {result.universe}, candidates {result.candidates} (their klines read), "
        f"{args.workers} kline clients"
    )
    cold_w, warm_w, top_w = report("cold", cold), report("warm", warm), report("top-up", top_ups)
    average = (14 * warm_w + top_w) / 15
    print(
        f"weight per minute at a {REFRESH_S} s refresh: {warm_w} most minutes, {top_w} in the "
        f"minute a 15m candle closes (average {average:.0f}), {cold_w} at start-up (the "
        f"exchangeInfo, weight 1, is read again every 10 minutes); "
        f"Binance allows {WEIGHT_LIMIT:,}: the worst minute uses "
        f"{max(cold_w, top_w) / WEIGHT_LIMIT:.0%}"
    )


if __name__ == "__main__":
    main()
