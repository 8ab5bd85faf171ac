"""The one feature pipeline: market inputs (arrays) + bar open times → per-bar features.

`compute_columns` is what a backtest runs over a run's stored data and what the live
builder (`scalplab.data.features.live`) runs over one bar's buffered events: the same
functions (`trades`, `snapshots`) on the same arrays give the same numbers. A
`FeatureTable` holds the columns of a run and hands them to the strategy bar by bar as
`BarFeatures` (the `MarketSource` a strategy reads).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from scalplab.data.features.records import (
    FEATURE_FIELDS,
    FIELDS_OF,
    INTEGER_FIELDS,
    NO_FEATURES,
    TEXT_FIELDS,
    BarFeatures,
)
from scalplab.data.features.snapshots import (
    FUNDING_FIELDS,
    MARK_FIELDS,
    RATIO_FIELDS,
    Snapshots,
    asof_columns,
    book_top_columns,
    depth_columns,
    liquidation_columns,
    open_interest_columns,
)
from scalplab.data.features.spec import FeatureParams
from scalplab.data.features.trades import Columns, TradeArrays, trade_columns


class MarketSource(Protocol):
    """What a strategy reads its bars' market data from (a run's table, a live builder)."""

    def close_bar(self, open_ms: int) -> None:
        """The bar opened at `open_ms` closed (bars come in time order)."""

    def current(self) -> BarFeatures:
        """The features of the bar that closed last."""
        ...


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """The arrays a run's features are computed from (None: not declared or not stored)."""

    trades: TradeArrays | None = None
    book_tops: Snapshots | None = None
    """Columns `bid ask bid_qty ask_qty`."""
    depth: Snapshots | None = None
    """Columns `bid_price_0..19 bid_qty_0..19 ask_price_0..19 ask_qty_0..19`."""
    open_interest: Snapshots | None = None
    """Column `open_interest`."""
    marks: Snapshots | None = None
    """Columns `mark_price index_price funding_rate next_funding_time`."""
    metrics: Snapshots | None = None
    """The metrics archive's columns (`count_long_short_ratio`, …)."""
    liquidations: Snapshots | None = None
    """Columns `sell` (1.0 / 0.0), `filled_quantity`, `average_price`."""


def compute_columns(
    inputs: MarketInputs,
    opens: np.ndarray,
    tf_ms: int,
    declared: Sequence[str],
    params: FeatureParams,
) -> Columns:
    """The features of every declared name whose input is present, for the bars opening
    at `opens` (sorted); `cvd` is left to the caller (it spans the run)."""
    closes = opens + tf_ms
    columns: Columns = {}
    if "aggTrades" in declared and inputs.trades is not None:
        columns.update(trade_columns(inputs.trades, opens, tf_ms, params))
    if "bookTicker" in declared and inputs.book_tops is not None:
        columns.update(book_top_columns(inputs.book_tops, closes))
    if "depth20" in declared and inputs.depth is not None:
        columns.update(depth_columns(inputs.depth, closes, params))
    if "openInterest" in declared and inputs.open_interest is not None:
        columns.update(open_interest_columns(inputs.open_interest, opens, tf_ms))
    if inputs.marks is not None:
        if "markPrice" in declared:
            columns.update(asof_columns(inputs.marks, closes, MARK_FIELDS))
        if "funding" in declared:
            columns.update(asof_columns(inputs.marks, closes, FUNDING_FIELDS))
    if "longShortRatio" in declared and inputs.metrics is not None:
        columns.update(asof_columns(inputs.metrics, closes, RATIO_FIELDS))
    if "forceOrder" in declared and inputs.liquidations is not None:
        columns.update(liquidation_columns(inputs.liquidations, opens, tf_ms))
    return columns


def features_of(columns: Columns, row: int) -> BarFeatures:
    """Row `row` of `columns` as `BarFeatures` (NaN and absent columns are None)."""
    values: dict[str, object] = {}
    for name in FEATURE_FIELDS:
        column = columns.get(name)
        if column is None:
            continue
        value = float(column[row])
        if math.isnan(value):
            continue
        if name in INTEGER_FIELDS:
            values[name] = int(value)
        elif name in TEXT_FIELDS:
            values[name] = "buy" if value > 0 else "sell"
        else:
            values[name] = value
    return BarFeatures(**values)  # type: ignore[arg-type]


SUBSTITUTION_CODES = (
    "kline_flow",
    "kline_flow_missing",
    "funding_last_rate",
    "funding_missing",
    "metrics_open_interest",
    "metrics_missing",
    "missing",
)
"""What a degraded run did for a declared data it lacked (`Substitution.code`)."""


@dataclass(frozen=True, slots=True)
class Substitution:
    """One declared data a degraded run lacked: its name, the days (`days`: their text,
    `first`/`last`/`count`: the days themselves), what was done (`code`, one of
    `SUBSTITUTION_CODES`) and the English words for it (`how`)."""

    data: str
    days: str
    first: str
    last: str
    count: int
    code: str
    how: str

    @property
    def text(self) -> str:
        """The result's `degraded` line: `aggTrades for 2025-06-17: taker volumes …`."""
        return f"{self.data} for {self.days}: {self.how}"

    def coded(self) -> dict[str, object]:
        """The result's `degraded_codes` item: the code and the numbers the line names."""
        params = {
            "data": self.data,
            "days": self.days,
            "first": self.first,
            "last": self.last,
            "count": self.count,
        }
        return {"code": self.code, "params": params}


@dataclass
class FeatureTable:
    """A run's per-bar features, precomputed (a `MarketSource`)."""

    opens: np.ndarray
    columns: Columns
    declared: tuple[str, ...] = ()
    substitutions: tuple[Substitution, ...] = ()
    """What was substituted or missing (a degraded run), one per declared data."""
    _rows: dict[int, int] = field(init=False, repr=False)
    _row: int = field(default=-1, init=False, repr=False)
    _cache: tuple[int, BarFeatures] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = {int(ms): i for i, ms in enumerate(self.opens.tolist())}

    def __len__(self) -> int:
        return len(self.opens)

    @property
    def degraded(self) -> tuple[str, ...]:
        """The substitutions as English lines (the result's `degraded`)."""
        return tuple(s.text for s in self.substitutions)

    def at(self, open_ms: int) -> BarFeatures:
        """The features of the bar opened at `open_ms` (nothing for a bar not in the run)."""
        row = self._rows.get(open_ms)
        return NO_FEATURES if row is None else features_of(self.columns, row)

    def close_bar(self, open_ms: int) -> None:
        """Point `current()` at the bar opened at `open_ms`."""
        self._row = self._rows.get(open_ms, -1)

    def current(self) -> BarFeatures:
        """The features of the bar that closed last (built once per bar)."""
        if self._row < 0:
            return NO_FEATURES
        cached = self._cache
        if cached is not None and cached[0] == self._row:
            return cached[1]
        features = features_of(self.columns, self._row)
        self._cache = (self._row, features)
        return features

    def column(self, name: str) -> np.ndarray:
        """One feature over every bar (NaN where None)."""
        return self.columns.get(name, np.full(len(self.opens), np.nan))


def declared_fields(declared: Sequence[str]) -> tuple[str, ...]:
    """The feature fields the declared names fill."""
    return tuple(name for data in declared for name in FIELDS_OF[data])
