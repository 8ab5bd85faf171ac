"""Candle timeframes and the 1m → higher-timeframe resampler.

Bars are UTC buckets, left-closed, labelled by their open time (epoch ms).
A bucket is built from whatever 1m rows fall into it: partial buckets (at the
start, at the end, beside holes) are kept as bars; a bucket without rows
produces no bar. Buckets are aligned to the Unix epoch, so `1d` starts at
00:00 UTC and `8h` at 00:00, 08:00 and 16:00 UTC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scalplab.errors import InputError, snippet

MINUTE_MS = 60_000

TIMEFRAMES: dict[str, int] = {
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "2h": 120 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "6h": 360 * MINUTE_MS,
    "8h": 480 * MINUTE_MS,
    "12h": 720 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
}
"""Supported timeframes (Binance interval names) → bar length in milliseconds."""

PRICE_COLUMNS = ("open", "high", "low", "close")
SUM_COLUMNS = ("volume", "quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume")


def timeframe_ms(tf: str) -> int:
    """Length of one `tf` bar in milliseconds; `InputError` for an unknown name."""
    try:
        return TIMEFRAMES[tf]
    except (KeyError, TypeError):
        known = " ".join(TIMEFRAMES)
        raise InputError(f"unknown timeframe {snippet(tf)} (known: {known})") from None


def _bucket_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum per bucket (`starts` = first row of each bucket)."""
    return np.add.reduceat(values, starts)


def _nullable_sum(column: pd.Series, starts: np.ndarray) -> pd.Series | np.ndarray:
    """Per-bucket sum of a nullable column; null when any row of the bucket is null.

    A bucket with a missing value has an unknown total, so it stays null rather
    than silently under-counting.
    """
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    sums = _bucket_sum(np.where(missing, 0.0, values), starts)
    any_missing = np.logical_or.reduceat(missing, starts)
    if isinstance(column.dtype, pd.Int64Dtype):
        counts = pd.Series(np.rint(sums).astype(np.int64), dtype="Int64")
        return counts.mask(any_missing)
    return np.where(any_missing, np.nan, sums)


def resample(df_1m: pd.DataFrame, tf: str) -> pd.DataFrame:
    """Aggregate 1m candles into `tf` bars (see the module docstring for the rules).

    `df_1m` needs `open_time` (int64 epoch ms) and `open high low close volume`;
    the optional `quote_volume trades taker_buy_volume taker_buy_quote_volume`
    columns are summed when present. Rows need not be sorted. Returns a new frame
    with the same columns and a fresh index.
    """
    step = timeframe_ms(tf)
    if len(df_1m) == 0:
        return df_1m.copy().reset_index(drop=True)
    frame = df_1m
    times = frame["open_time"].to_numpy(dtype=np.int64)
    if len(times) > 1 and not bool(np.all(times[1:] >= times[:-1])):
        frame = frame.sort_values("open_time", kind="stable")
        times = frame["open_time"].to_numpy(dtype=np.int64)
    keys = (times // step) * step
    if step == MINUTE_MS and bool(np.all(keys == times)):
        known = ["open_time", *PRICE_COLUMNS, *SUM_COLUMNS]
        return frame[[name for name in frame.columns if name in known]].reset_index(drop=True)
    boundaries = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], boundaries)).astype(np.intp)
    ends = np.concatenate((boundaries - 1, [len(keys) - 1])).astype(np.intp)

    out: dict[str, object] = {"open_time": keys[starts]}
    for name in frame.columns:
        if name == "open_time":
            continue
        column = frame[name]
        if name == "open":
            out[name] = column.to_numpy(dtype=np.float64)[starts]
        elif name == "close":
            out[name] = column.to_numpy(dtype=np.float64)[ends]
        elif name == "high":
            out[name] = np.maximum.reduceat(column.to_numpy(dtype=np.float64), starts)
        elif name == "low":
            out[name] = np.minimum.reduceat(column.to_numpy(dtype=np.float64), starts)
        elif name == "volume":
            out[name] = _bucket_sum(column.to_numpy(dtype=np.float64), starts)
        elif name in SUM_COLUMNS:
            out[name] = _nullable_sum(column, starts)
        # any other column has no meaning at a coarser timeframe and is dropped
    return pd.DataFrame(out)
