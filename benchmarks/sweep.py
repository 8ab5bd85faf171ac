"""Parameter sweeps at scale: 1,000 SMA-cross parameter sets over the real 30-day BTCUSDT 1m
series (43,199 bars), on every path and engine, side by side in one run.

1. fast path, local pool of 2 workers: `scalplab sweep` with a 10 × 20 × 5 grid
   (fast 5..50, slow 20..210, stop_pct 0.5..2.5) and the Backtrader verification of the top
   10 (target: under 60 s with the verification);
2. the same sweep on a local Ray instance (2 CPUs);
3. Backtrader path (`--no-fast-path`) on the local pool and on Ray, over a random sample of
   `--backtrader-trials` of the same 1,000 sets (trials per second; the 1,000 would take
   1,000 / that), against one `scalplab backtest` process at a time (the ratio);
4. vectorbt's `Portfolio.from_signals` on the same signals (entries at the next open, the
   same stop-loss and take-profit, fees and slippage) for all 1,000 sets: its time and how
   many of the fast path's trades it reproduces (`pip install -e '.[bench]'`).
Peak RSS of the driver and of each worker is printed.
Usage: `python benchmarks/sweep.py [--backtrader-trials 100] [--skip-ray] [--skip-vectorbt]`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.cli import main as scalplab  # noqa: E402
from scalplab.config import get_settings  # noqa: E402
from scalplab.data.candles import CandleStore  # noqa: E402
from scalplab.data.funding import FundingStore  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
SERIES = REAL / "klines" / "um" / "BTCUSDT" / "1m.csv"
FUNDING = REAL / "funding" / "BTCUSDT.csv"
GRID = ["fast=5:50:5", "slow=20:210:10", "stop_pct=0.5:2.5:0.5"]
FIXED = ["--param", "rr=2", "--risk", "min_rr=1.5"]


def sweep(range_args: list[str], extra: list[str]) -> tuple[float, dict[str, Any]]:
    """Seconds for one in-process `scalplab sweep --json` and its JSON."""
    grid = [arg for item in GRID for arg in ("--grid", item)]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = scalplab(["sweep", *range_args, *grid, *FIXED, *extra, "--json"])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"scalplab sweep failed with exit code {code}")
    return elapsed, json.loads(out.getvalue())


def backtest_process(range_args: list[str]) -> float:
    """Seconds for one `scalplab backtest` process (what running trials one at a time costs)."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scalplab",
            "backtest",
            *range_args,
            *FIXED,
            "--param",
            "fast=10",
            "--param",
            "slow=30",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    return time.perf_counter() - started


def report(label: str, elapsed: float, data: dict[str, Any]) -> None:
    """One line per sweep: trials, time, rate, verification, worker RSS."""
    summary = data["summary"]
    trials = summary["trials"]
    verification = summary["verification"]
    verify_ms = sum(t["duration_ms"] for t in data["trials"] if t["kind"] == "verify")
    screen_ms = sum(t["duration_ms"] for t in data["trials"] if t["kind"] == "screen")
    workers = ", ".join(f"{w['peak_rss_mb']:.0f}" for w in summary["workers"])
    print(
        f"{label}: {trials} trials in {elapsed:.1f} s ({trials / elapsed:,.1f} trials/s); "
        f"screening {screen_ms / 1000:.1f} s and verification {verify_ms / 1000:.1f} s of "
        f"worker time; verified {verification['checked']}, differences "
        f"{verification['failed']}; path {summary['path']}; worker peak RSS MiB: {workers}"
    )


def vectorbt_compare(candles: pd.DataFrame, data: dict[str, Any], settings: Any) -> None:
    """vectorbt's from_signals on the same signals, for all parameter sets at once; then, for
    a sample of sets, whether its trades are the fast path's (same entry bar, side, exit bar)."""
    try:
        import vectorbt as vbt
    except ImportError:
        print("vectorbt: not installed (pip install -e '.[bench]'); skipped")
        return
    from scalplab.backtests.fast import run_fast
    from scalplab.orders.runs import RunRequest, prepare_run
    from scalplab.strategies.sma_cross import SmaCrossStrategy
    from scalplab.strategies.vector import CandleArrays
    from scalplab.timeutil import from_ms

    arrays = CandleArrays.from_frame(candles)
    sets = [t["params"] for t in data["trials"] if t["kind"] == "screen"]
    index = pd.to_datetime(candles["open_time"], unit="ms")
    started = time.perf_counter()
    entries, short_entries, sl, tp = {}, {}, {}, {}
    opens = arrays.open
    for number, params in enumerate(sets):
        signals = SmaCrossStrategy.vector_signals(
            arrays, {**params, "rr": 2.0, "allow_short": True}
        )
        assert signals is not None
        side = np.roll(signals.side, 1)  # a signal on bar t enters at the open of t + 1
        side[0] = 0
        entries[number] = side == 1
        short_entries[number] = side == -1
        stop, take = np.roll(signals.stop_loss, 1), np.roll(signals.take_profit, 1)
        sl[number] = np.where(side != 0, np.abs(opens - stop) / opens, np.nan)
        tp[number] = np.where(side != 0, np.abs(take - opens) / opens, np.nan)
    built = time.perf_counter() - started

    def frame(columns: dict[int, Any]) -> pd.DataFrame:
        return pd.DataFrame(columns, index=index)

    started = time.perf_counter()
    portfolio = vbt.Portfolio.from_signals(
        close=pd.Series(arrays.close, index=index),
        open=pd.Series(opens, index=index),
        high=pd.Series(arrays.high, index=index),
        low=pd.Series(arrays.low, index=index),
        entries=frame(entries),
        short_entries=frame(short_entries),
        price=pd.Series(opens, index=index),
        sl_stop=frame(sl),
        tp_stop=frame(tp),
        fees=settings.taker_fee_pct / 100.0,
        slippage=settings.slippage_pct / 100.0,
        init_cash=settings.initial_capital,
        upon_opposite_entry="ignore",
    )
    counts = portfolio.trades.count().to_numpy()
    elapsed = time.perf_counter() - started
    ours = [t["score"]["trades"] for t in data["trials"] if t["kind"] == "screen"]
    same = sum(1 for a, b in zip(ours, counts, strict=True) if a == b)
    print(
        f"vectorbt from_signals: {len(sets)} sets in {elapsed:.1f} s (+ {built:.1f} s building "
        f"the signal frames); trade counts equal to the fast path's (breakers off) in {same} "
        f"of {len(sets)} sets (total {int(counts.sum()):,} vs {sum(ours):,})"
    )
    request = RunRequest(
        "BTCUSDT",
        "sma_cross",
        "1m",
        from_ms(int(arrays.open_time[0])),
        from_ms(int(arrays.open_time[-1]) + 60_000),
        breakers=False,
        risk={"min_rr": 1.5},
    )
    base = prepare_run(request, settings)
    matched = total = 0
    records = portfolio.trades.records_arr
    for number in range(0, len(sets), max(len(sets) // 50, 1)):
        run = dataclasses.replace(base, params=base.info.resolve({**sets[number], "rr": 2.0}))
        fast = run_fast(run, settings, arrays)
        theirs = records[records["col"] == number]
        keys = {
            (
                int(arrays.open_time[r["entry_idx"]]),
                int(arrays.open_time[r["exit_idx"]]),
                "long" if r["direction"] == 0 else "short",
            )
            for r in theirs
        }
        total += len(fast.trades)
        matched += sum(1 for t in fast.trades if (t.entry_time_ms, t.exit_time_ms, t.side) in keys)
    print(
        f"  trade by trade on {len(range(0, len(sets), max(len(sets) // 50, 1)))} sets: "
        f"{matched:,} of our {total:,} trades have a vectorbt trade with the same entry bar, "
        "exit bar and side (vectorbt sizes with all cash, has no reward/risk gate, tick "
        "rounding, liquidation or funding, and exits a gap at the stop price)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backtrader-trials", type=int, default=100)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--skip-vectorbt", action="store_true")
    parser.add_argument("--skip-backtrader", action="store_true")
    args = parser.parse_args()
    if not SERIES.is_file():
        raise SystemExit(f"missing {SERIES} (shared/ must sit beside the repository)")
    candles = pd.read_csv(SERIES)
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["DATA_DIR"] = data_dir
        get_settings.cache_clear()
        CandleStore(Path(data_dir)).merge("BTCUSDT", "1m", candles)
        FundingStore(Path(data_dir)).merge("BTCUSDT", pd.read_csv(FUNDING))
        first = pd.Timestamp(int(candles.open_time.iloc[0]), unit="ms", tz="UTC")
        last = pd.Timestamp(int(candles.open_time.iloc[-1]) + 60_000, unit="ms", tz="UTC")
        range_args = [
            "--pair",
            "BTCUSDT",
            "--strategy",
            "sma_cross",
            "--tf",
            "1m",
            "--start",
            first.isoformat(),
            "--end",
            last.isoformat(),
        ]
        print(f"series: BTCUSDT 1m, {len(candles):,} bars ({first:%Y-%m-%d} → {last:%Y-%m-%d})")
        elapsed, fast = sweep(range_args, ["--workers", "2", "--verify-sample", "0"])
        report(
            "fast path, local pool (2 workers), incl. Backtrader verification of the top 10",
            elapsed,
            fast,
        )
        if not args.skip_ray:
            elapsed, on_ray = sweep(
                range_args, ["--engine", "ray", "--workers", "2", "--verify-sample", "0"]
            )
            report("fast path, local Ray (2 CPUs)", elapsed, on_ray)
            same = [t["objective"] for t in on_ray["trials"]] == [
                t["objective"] for t in fast["trials"]
            ]
            print(f"  Ray result identical to the local pool's: {same}")
        if not args.skip_backtrader:
            backtrader = [
                "--no-fast-path",
                "--sampler",
                "random",
                "--trials",
                str(args.backtrader_trials),
                "--workers",
                "2",
            ]
            elapsed, pooled = sweep(range_args, backtrader)
            report(
                f"Backtrader path, local pool, {args.backtrader_trials} of the 1,000",
                elapsed,
                pooled,
            )
            rate = args.backtrader_trials / elapsed
            if not args.skip_ray:
                elapsed, ray_bt = sweep(range_args, [*backtrader, "--engine", "ray"])
                report(
                    f"Backtrader path, local Ray, {args.backtrader_trials} of the 1,000",
                    elapsed,
                    ray_bt,
                )
            single = statistics.median(backtest_process(range_args) for _ in range(3))
            print(
                f"one `scalplab backtest` process at a time: {single:.2f} s per trial "
                f"({1 / single:.2f} trials/s); the local pool is {rate * single:.1f}× that; "
                f"1,000 trials would take {1000 / rate / 60:.1f} min on the pool, "
                f"{1000 * single / 60:.1f} min one at a time"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS: driver {peak:.0f} MiB, largest worker process {children:.0f} MiB")
        if not args.skip_vectorbt:
            elapsed, plain = sweep(
                range_args,
                ["--workers", "2", "--no-breakers", "--verify-top", "0", "--verify-sample", "0"],
            )
            report("fast path, breakers off, no verification (for vectorbt)", elapsed, plain)
            vectorbt_compare(candles, plain, get_settings())
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of the driver with vectorbt's 1,000-column frames: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
