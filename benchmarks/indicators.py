"""The strategy indicators over 30 days of REAL BTCUSDT 1m klines (43,199 bars).

Prints each indicator's best-of-7 time: they are computed over whole arrays, so a
strategy can recompute them at every bar of a short window or once over a backtest.

    .venv/bin/python benchmarks/indicators.py [--real PATH] [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from scalplab.strategies import indicators as ind

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    frame = pd.read_csv(args.real / "klines" / "um" / "BTCUSDT" / "1m.csv")
    open_ms = frame["open_time"].to_numpy(np.int64)
    high, low, close, volume = (
        frame[c].to_numpy(np.float64) for c in ("high", "low", "close", "volume")
    )
    runs: dict[str, Callable[[], object]] = {
        "sma(20)": lambda: ind.sma(close, 20),
        "ema(200)": lambda: ind.ema(close, 200),
        "rsi(14)": lambda: ind.rsi(close),
        "macd(12,26,9)": lambda: ind.macd(close),
        "bollinger(20,2)": lambda: ind.bollinger(close),
        "atr(14)": lambda: ind.atr(high, low, close),
        "obv": lambda: ind.obv(close, volume),
        "stoch_rsi(14,14,3,3)": lambda: ind.stoch_rsi(close),
        "directional(14)": lambda: ind.directional(high, low, close),
        "vwap_daily": lambda: ind.vwap_daily(open_ms, high, low, close, volume),
        "pivots(2,2)": lambda: ind.pivots(high, low, 2, 2),
    }
    print(f"indicators over {len(close):,} real BTCUSDT 1m bars (best of {args.repeat}):")
    for name, run in runs.items():
        best = min(_timed(run) for _ in range(args.repeat))
        print(f"  {name:<22} {best * 1000:8.2f} ms")


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
