"""Throughput of the per-bar market-feature pipeline: stored aggTrades → per-bar features.

Input: REAL Binance USDT-M BTCUSDT trades (the hftbacktest captures of 2023-04-04/05 and
2024-07-18/19 in shared/data/real/orderbook_ws: Binance's raw `trade` stream), merged
into aggregate trades the way Binance aggregates (consecutive fills of one taker at one
price and millisecond). The recorded sample is minutes long, so it is REPLICATED: copies
shifted in time by whole sample spans tile one UTC day, in as many interleaved layers
(each shifted by a fraction of the span) as it takes to reach `--rows` aggregate trades
(default 2,000,000, a busy BTCUSDT day). Nothing is synthesised: every row is a recorded
trade at a shifted time. The day is written to a market store (one compacted day file,
as `scalplab data import --kind aggTrades` leaves it), then timed, median of `--runs`:

- store read → per-bar features (`load_features`, 1m bars, every aggTrades feature incl.
  sweeps with the default thresholds): the pipeline a backtest runs before Cerebro;
- the same split into the Parquet read and the feature computation.

Prints aggregate trades per second (target >= 2,000,000/s). The SMA plugin's backtest
throughput ratio is `benchmarks/backtest_throughput.py` (target <= 0.8).
Usage: `python benchmarks/market_features.py [--rows 2000000] [--runs 3]`.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scalplab.data.adapters.binance.schemas import parse_combined  # noqa: E402
from scalplab.data.features import FeatureRequest, load_features  # noqa: E402
from scalplab.data.features.spec import FeatureParams  # noqa: E402
from scalplab.data.features.stored import read_trades  # noqa: E402
from scalplab.data.features.trades import trade_columns, with_cvd  # noqa: E402
from scalplab.data.market_events import Trade  # noqa: E402
from scalplab.data.market_store import DAY_MS, MarketStore  # noqa: E402

CAPTURES = ROOT.parent / "shared" / "data" / "real" / "orderbook_ws"
FILES = (
    ("hftbacktest_usdm_btcusdt_20230404.dat.gz", "hftbacktest_usdm_btcusdt_20230405.dat.gz"),
    ("hftbacktest_usdm_btcusdt_20240718.gz", "hftbacktest_usdm_btcusdt_20240719.gz"),
)
DAY = 1_750_118_400_000  # 2025-06-17T00:00:00Z: the day the copies tile


def recorded_trades(names: tuple[str, ...]) -> pd.DataFrame:
    """A capture's trades merged into aggregate trades (store columns)."""
    rows: list[list[object]] = []
    for name in names:
        with gzip.open(CAPTURES / name, "rt") as lines:
            for line in lines:
                text = line.split(" ", 1)[1]
                if '@trade"' not in text[:40]:
                    continue
                _, trade = parse_combined(text)
                assert isinstance(trade, Trade)
                last = rows[-1] if rows else None
                key = (trade.transact_time, trade.is_buyer_maker, trade.price)
                if last is not None and (last[5], last[6], last[1]) == key:
                    last[2] = last[2] + Decimal(repr(trade.quantity))  # type: ignore[operator]
                    last[4] = trade.trade_id
                    continue
                rows.append([trade.trade_id, trade.price, Decimal(repr(trade.quantity)),
                             trade.trade_id, trade.trade_id, trade.transact_time,
                             trade.is_buyer_maker])  # fmt: skip
    columns = ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id",
               "transact_time", "is_buyer_maker"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["quantity"] = frame["quantity"].astype(float)
    return frame


def tile_day(samples: list[pd.DataFrame], rows: int) -> tuple[pd.DataFrame, str]:
    """Copies of the samples shifted to tile one UTC day, layered up to `rows` rows."""
    layers: list[pd.DataFrame] = []
    total, layer = 0, 0
    while total < rows:
        sample = samples[layer % len(samples)]
        times = sample["transact_time"].to_numpy()
        start, span = int(times.min()), int(times.max() - times.min()) + 1
        offset = (layer * span) // 7 % span  # layers interleave, not stack
        copies = []
        for copy in range(DAY_MS // span + 1):
            shifted = sample.copy()
            shifted["transact_time"] = times - start + DAY + offset + copy * span
            copies.append(shifted)
        tiled = pd.concat(copies, ignore_index=True)
        tiled = tiled[tiled["transact_time"] < DAY + DAY_MS]
        layers.append(tiled)
        total += len(tiled)
        layer += 1
    day = pd.concat(layers, ignore_index=True).sort_values("transact_time", kind="stable")
    day = day.iloc[:rows].reset_index(drop=True)
    day["agg_trade_id"] = np.arange(len(day), dtype=np.int64) + 1  # one id per row, in time
    day["first_trade_id"] = day["agg_trade_id"]
    day["last_trade_id"] = day["agg_trade_id"]
    sizes = ", ".join(f"{len(s):,}" for s in samples)
    how = (
        f"{sizes} recorded aggregate trades (BTCUSDT 2023-04-04/05 and 2024-07-18/19), "
        f"replicated and time-shifted into {layer} interleaved layers over one day"
    )
    return day, how


def timed(runs: int, work: object) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    samples = [recorded_trades(names) for names in FILES]
    day, how = tile_day(samples, args.rows)
    rows = len(day)
    opens = np.arange(DAY, DAY + DAY_MS, 60_000, dtype=np.int64)
    request = FeatureRequest("bench", "BTCUSDT", "1m", ("aggTrades",), DAY, DAY + DAY_MS)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        MarketStore(data_dir).write("BTCUSDT", "aggTrade", day)
        size = sum(p.stat().st_size for p in data_dir.rglob("*.parquet"))
        store = MarketStore(data_dir)
        pipeline = timed(args.runs, lambda: load_features(data_dir, request, opens))
        read = timed(args.runs, lambda: read_trades(store, "BTCUSDT", DAY - 60_000, DAY + DAY_MS))
        trades = read_trades(store, "BTCUSDT", DAY - 60_000, DAY + DAY_MS)
        compute = timed(
            args.runs, lambda: with_cvd(trade_columns(trades, opens, 60_000, FeatureParams()))
        )
        table = load_features(data_dir, request, opens)
    counted = int(np.nansum(table.column("taker_buy_count") + table.column("taker_sell_count")))
    assert counted == rows, (counted, rows)
    print(f"input: {rows:,} aggregate trades in one UTC day: {how}")
    print(f"store: one day file, {size / 1e6:.1f} MB (zstd Parquet); {len(opens):,} 1m bars; "
          f"median of {args.runs} runs")  # fmt: skip
    print(f"store read -> per-bar features: {pipeline:.3f} s  {rows / pipeline:,.0f} aggTrades/s"
          "  (target >= 2,000,000/s)")  # fmt: skip
    print(f"  of which the store read:      {read:.3f} s  {rows / read:,.0f} aggTrades/s")
    print(f"  of which the features:        {compute:.3f} s  {rows / compute:,.0f} aggTrades/s")


if __name__ == "__main__":
    main()
