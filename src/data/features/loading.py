"""A run's per-bar features from the stores: the coverage check, the refusal, and the
declared degraded mode (DECISIONS.md §6).

`load_features` checks that every declared data is stored for every UTC day of the
run. A day missing refuses the run with one line naming the data and the days, unless
the run asks for degraded mode: then the declared fallbacks fill the bars of the
missing days and each substitution is listed in `FeatureTable.degraded` (recorded in
the result):

- `aggTrades`: taker buy/sell volume and notional (so delta and CVD) from the candles'
  taker-buy columns when the candle store has them; counts, largest trade and sweeps
  stay None;
- `funding`: the last settled rate from the funding store (no next funding time);
- `openInterest`: the `metrics` archive's 5-minute open interest when it is stored;
- every other data (book top, depth, mark price, ratios, liquidations): None.

The stored rows are read one UTC day at a time (with the sweep window or a snapshot
look-back before it), so memory holds one day of trades, not the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from scalplab.data.features.pipeline import (
    FeatureTable,
    MarketInputs,
    Substitution,
    compute_columns,
    declared_fields,
)
from scalplab.data.features.snapshots import Snapshots, asof, asof_rows, open_interest_columns
from scalplab.data.features.spec import STORED_AS, FeatureParams
from scalplab.data.features.stored import (
    LOOKBACK_MS,
    day_of,
    day_ranges,
    missing_days,
    read_snapshots,
    read_trades,
    refusal,
)
from scalplab.data.features.trades import Columns
from scalplab.data.funding import FundingStore
from scalplab.data.market_store import DAY_MS, MarketStore
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms


@dataclass(frozen=True, slots=True)
class FeatureRequest:
    """Whose features, over which range, and whether a degraded run is acceptable."""

    strategy: str
    symbol: str
    timeframe: str
    declared: tuple[str, ...]
    start_ms: int
    end_ms: int
    params: FeatureParams = field(default_factory=FeatureParams)
    degraded: bool = False


def coverage_gaps(store: MarketStore, request: FeatureRequest) -> dict[str, list[date]]:
    """Declared name → the run's UTC days its stream lacks (only names with gaps)."""
    gaps: dict[str, list[date]] = {}
    for name in request.declared:
        days = missing_days(
            store, request.symbol, STORED_AS[name], request.start_ms, request.end_ms
        )
        if days:
            gaps[name] = days
    return gaps


def check_market_data(data_dir: Path, request: FeatureRequest) -> dict[str, list[date]]:
    """The gaps of the declared data; raises the one-line refusal when there are some
    and the request is not degraded. Reads nothing but the store's file names."""
    store = MarketStore(data_dir)
    gaps = coverage_gaps(store, request)
    if gaps and not request.degraded:
        first, *others = gaps
        raise refusal(
            request.strategy, first, STORED_AS[first], normalize_symbol(request.symbol),
            request.start_ms, request.end_ms, gaps[first], others,
        )  # fmt: skip
    return gaps


def load_features(
    data_dir: Path,
    request: FeatureRequest,
    opens: np.ndarray,
    candles: pd.DataFrame | None = None,
) -> FeatureTable:
    """The features of the run's bars (`opens`, sorted; `candles` the run's bars, for the
    kline fallback), from the stores; see the module docstring."""
    gaps = check_market_data(data_dir, request)
    store = MarketStore(data_dir)
    symbol = normalize_symbol(request.symbol)
    tf_ms = timeframe_ms(request.timeframe)
    opens = np.asarray(opens, dtype=np.int64)
    columns: Columns = {
        name: np.full(len(opens), np.nan) for name in declared_fields(request.declared)
    }
    bar_days = opens // DAY_MS
    for day_number in np.unique(bar_days).tolist():
        day = day_of(day_number * DAY_MS)
        present = tuple(n for n in request.declared if day not in gaps.get(n, ()))
        if not present:
            continue
        rows = np.flatnonzero(bar_days == day_number)
        day_opens = opens[rows]
        inputs = _read_inputs(store, symbol, present, request.params, day_opens, tf_ms)
        for name, values in compute_columns(
            inputs, day_opens, tf_ms, present, request.params
        ).items():
            columns[name][rows] = values
    notes = []
    for name, days in gaps.items():
        missing = np.isin(bar_days, [(d - date(1970, 1, 1)).days for d in days])
        code, how = _fall_back(
            name, columns, missing, data_dir, symbol, opens, tf_ms, candles, store
        )
        first, last = min(days).isoformat(), max(days).isoformat()
        notes.append(Substitution(name, day_ranges(days), first, last, len(days), code, how))
    if "aggTrades" in request.declared:
        columns["cvd"] = _cvd(columns["delta"])
    return FeatureTable(opens, columns, request.declared, tuple(notes))


def _cvd(delta: np.ndarray) -> np.ndarray:
    """The running sum of the bars' deltas (a bar without one adds nothing and shows none)."""
    known = ~np.isnan(delta)
    if known.all():
        return np.cumsum(np.concatenate(([0.0], delta)))[1:]
    cvd = np.cumsum(np.concatenate(([0.0], np.where(known, delta, 0.0))))[1:]
    cvd[~known] = np.nan
    return cvd


def _read_inputs(
    store: MarketStore,
    symbol: str,
    present: Sequence[str],
    params: FeatureParams,
    opens: np.ndarray,
    tf_ms: int,
) -> MarketInputs:
    """The stored rows the bars `opens` of one day need."""
    first, end = int(opens[0]), int(opens[-1]) + tf_ms
    snapshots: dict[str, Snapshots] = {}
    for name in present:
        stream = STORED_AS[name]
        if name != "aggTrades" and stream not in snapshots:
            snapshots[stream] = read_snapshots(
                store, symbol, stream, first - LOOKBACK_MS[stream], end
            )
    trades = None
    if "aggTrades" in present:
        trades = read_trades(store, symbol, first - params.window_ms, end)
    return MarketInputs(
        trades=trades,
        book_tops=snapshots.get("bookTicker"),
        depth=snapshots.get("depth20"),
        open_interest=snapshots.get("openInterest"),
        marks=snapshots.get("markPrice"),
        metrics=snapshots.get("metrics"),
        liquidations=snapshots.get("forceOrder"),
    )


def _fall_back(
    name: str,
    columns: Columns,
    missing: np.ndarray,
    data_dir: Path,
    symbol: str,
    opens: np.ndarray,
    tf_ms: int,
    candles: pd.DataFrame | None,
    store: MarketStore,
) -> tuple[str, str]:
    """Fill the `missing` bars of `name` with its declared fallback; says what was done
    (its `Substitution` code and words)."""
    if name == "aggTrades":
        return _kline_flow(columns, missing, opens, candles)
    if name == "funding":
        funding = FundingStore(data_dir).read(symbol)
        if len(funding) == 0:
            return "funding_missing", "missing (no funding rates stored either): None"
        rows = asof_rows(funding["funding_time"].to_numpy(np.int64), opens + tf_ms)
        rates = asof(funding["funding_rate"].to_numpy(np.float64), rows)
        columns["funding_rate"][missing] = rates[missing]
        return (
            "funding_last_rate",
            "the last settled rate from the funding store (no next funding time)",
        )
    if name == "openInterest":
        days = sorted({day_of(int(ms)) for ms in opens[missing].tolist()})
        if any(day not in set(store.days(symbol, "metrics")) for day in days):
            return "metrics_missing", "missing (no metrics archive for those days either): None"
        first, end = int(opens[missing][0]), int(opens[missing][-1]) + tf_ms
        metrics = read_snapshots(store, symbol, "metrics", first - LOOKBACK_MS["metrics"], end)
        filled = open_interest_columns(metrics, opens, tf_ms, column="sum_open_interest")
        for feature, values in filled.items():
            columns[feature][missing] = values[missing]
        return "metrics_open_interest", "open interest from the 5-minute metrics archive"
    return "missing", "missing: None"


_NO_TAKER_BUY = "missing (the candles have no taker-buy volume either): None"


def _kline_flow(
    columns: Columns, missing: np.ndarray, opens: np.ndarray, candles: pd.DataFrame | None
) -> tuple[str, str]:
    """Taker volumes of the missing bars from the candles' taker-buy columns."""
    needed = ("volume", "quote_volume", "taker_buy_volume", "taker_buy_quote_volume")
    if candles is None or any(name not in candles.columns for name in needed):
        return "kline_flow_missing", _NO_TAKER_BUY
    frame = candles.set_index("open_time").reindex(opens[missing])
    values = {name: frame[name].to_numpy(np.float64, na_value=np.nan) for name in needed}
    if np.isnan(values["taker_buy_volume"]).all():
        return "kline_flow_missing", _NO_TAKER_BUY
    buy, buy_quote = values["taker_buy_volume"], values["taker_buy_quote_volume"]
    columns["taker_buy_volume"][missing] = buy
    columns["taker_sell_volume"][missing] = values["volume"] - buy
    columns["taker_buy_notional"][missing] = buy_quote
    columns["taker_sell_notional"][missing] = values["quote_volume"] - buy_quote
    columns["delta"][missing] = buy - (values["volume"] - buy)
    return (
        "kline_flow",
        "taker volumes from the candles' taker-buy columns (no counts, largest trade or sweeps)",
    )
