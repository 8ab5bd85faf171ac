"""One sma_cross trial over the real 30-day BTCUSDT 1m series: the fast path vs Backtrader.

Both run the same prepared run (candles loaded from Parquet once, the platform's default
settings, every breaker on): Backtrader = `execute` (Cerebro + the order pipeline) and
`build_result`; fast = `run_fast` (vector signals + the compiled kernel + metrics), after
one warm-up call that loads or compiles the numba code. The two results are verified
against each other first. Prints the median of N runs of each and the speed-up.
Usage: `python benchmarks/fast_path.py [--runs 5] [--params fast=10,slow=30]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.backtests.fast import run_fast, verify  # noqa: E402
from scalplab.backtests.runner import execute  # noqa: E402
from scalplab.config import Settings  # noqa: E402
from scalplab.data.candles import CandleStore  # noqa: E402
from scalplab.data.funding import FundingStore  # noqa: E402
from scalplab.orders.results import build_result  # noqa: E402
from scalplab.orders.runs import RunRequest, prepare_run  # noqa: E402
from scalplab.strategies.vector import CandleArrays  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
START = datetime(2025, 5, 26, tzinfo=UTC)
END = datetime(2025, 6, 24, tzinfo=UTC)


def median_seconds(runs: int, work: object) -> float:
    """Median wall time of `runs` calls of `work`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--params", default="", help="k=v,k=v for sma_cross")
    args = parser.parse_args()
    params: dict[str, object] = {}
    for pair in filter(None, args.params.split(",")):
        key, _, value = pair.partition("=")
        params[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        klines = pd.read_csv(REAL / "klines" / "um" / "BTCUSDT" / "1m.csv")
        CandleStore(data_dir).merge("BTCUSDT", "1m", klines)
        FundingStore(data_dir).merge("BTCUSDT", pd.read_csv(REAL / "funding" / "BTCUSDT.csv"))
        settings = Settings(_env_file=None, DATA_DIR=data_dir)  # type: ignore[call-arg]
        run = prepare_run(RunRequest("BTCUSDT", "sma_cross", "1m", START, END, params), settings)
        arrays = CandleArrays.from_frame(run.candles)

        def backtrader() -> dict[str, object]:
            books = execute(run, settings)
            model = books.sandbox.model
            return build_result(run, model, books.log.records, settings, settings.initial_capital)

        started = time.perf_counter()
        fast = run_fast(run, settings, arrays)
        warm_up = time.perf_counter() - started
        result = backtrader()
        check = verify(fast, result)
        print(f"bars: {len(arrays)} 1m, params: {dict(run.params)}")
        print(f"trades: {check.trades_fast} fast, {check.trades_backtrader} Backtrader; ", end="")
        print(f"verified: {check.ok} (net P&L relative difference {check.net_pnl_rel_diff:g})")
        print(f"fast path first call (numba cache load or compile): {warm_up * 1000:.0f} ms")
        fast_s = median_seconds(args.runs * 20, lambda: run_fast(run, settings, arrays))
        fresh_s = median_seconds(args.runs * 20, lambda: run_fast(run, settings))
        bt_s = median_seconds(args.runs, backtrader)
        print(f"Backtrader (execute + build_result): {bt_s * 1000:9.1f} ms")
        for label, seconds in (("candle arrays reused", fast_s), ("arrays per trial", fresh_s)):
            print(f"fast path, {label:21s}    {seconds * 1000:9.2f} ms  ({bt_s / seconds:.0f}x)")


if __name__ == "__main__":
    main()
