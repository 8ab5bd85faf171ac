"""Funding settlements: 00:00, 08:00 and 16:00 UTC, with recorded or default rates
(or, by a run's funding model, one fixed rate or none at all)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from scalplab.config import FundingModel
from scalplab.data.exchange import EXCHANGE
from scalplab.data.funding import FundingStore

FUNDING_INTERVAL_MS = 8 * 3600 * 1000


def settlement_instant(funding_time_ms: int) -> int:
    """The settlement instant a record belongs to: its time rounded to the nearest 8 h."""
    return (
        (funding_time_ms + FUNDING_INTERVAL_MS // 2) // FUNDING_INTERVAL_MS
    ) * FUNDING_INTERVAL_MS


class FundingSchedule:
    """Rates by settlement instant, falling back to a default rate where none was recorded."""

    def __init__(self, records: Iterable[tuple[int, float]], default_rate: float) -> None:
        self.default_rate = default_rate
        self._rates = {settlement_instant(ms): rate for ms, rate in records}

    def rate_at(self, instant_ms: int) -> float:
        """The recorded rate of that instant, else the default."""
        return self._rates.get(instant_ms, self.default_rate)

    def record(self, funding_time_ms: int, rate: float) -> None:
        """A rate seen live for a settlement (the mark-price stream's current rate for its
        next funding time): the last one seen before the settlement is the one applied."""
        self._rates[settlement_instant(funding_time_ms)] = rate

    def recorded(self, instant_ms: int) -> bool:
        """Whether a real rate was recorded for that instant."""
        return instant_ms in self._rates

    @staticmethod
    def instants_between(after_ms: int, until_ms: int) -> range:
        """Settlement instants in `(after_ms, until_ms]`."""
        first = (after_ms // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
        return range(first, until_ms + 1, FUNDING_INTERVAL_MS)


def load_schedule(data_dir: Path, symbol: str, default_rate: float) -> FundingSchedule:
    """The stored funding rates of `symbol` (none stored: the default rate everywhere)."""
    rows = FundingStore(data_dir, EXCHANGE).read(symbol)
    return FundingSchedule(
        zip(
            rows["funding_time"].to_numpy(dtype=np.int64).tolist(),
            rows["funding_rate"].to_numpy(dtype=np.float64).tolist(),
            strict=True,
        ),
        default_rate,
    )


def funding_schedule(
    data_dir: Path, symbol: str, model: FundingModel, default_rate: float
) -> FundingSchedule:
    """The schedule a funding model gives: `recorded` the stored rates (`default_rate` where
    none), `fixed` `default_rate` at every instant, `none` a rate of 0 everywhere."""
    if model == "recorded":
        return load_schedule(data_dir, symbol, default_rate)
    return FundingSchedule((), default_rate if model == "fixed" else 0.0)
