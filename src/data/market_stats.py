"""Derivatives statistics as the platform sees them: premium index, funding-rate history,
open-interest history and long/short ratios, whatever venue they came from.

A venue adapter's REST client returns these records (live open interest is
`scalplab.data.market_events.OpenInterest`); nothing above the adapter reads exchange
JSON. Times are epoch milliseconds (UTC); rates and ratios are plain fractions
(0.0001 is 0.01 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RatioKind = Literal["global_accounts", "top_accounts", "top_positions"]
"""Whose long/short ratio: every account, the top traders' accounts, or the top traders'
positions (top traders: the 20 % of accounts with the largest margin balance)."""
RATIO_KINDS: tuple[RatioKind, ...] = ("global_accounts", "top_accounts", "top_positions")

STAT_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
"""The periods the statistics are aggregated over."""


@dataclass(frozen=True, slots=True)
class PremiumIndex:
    """Mark and index price and the funding state of a perpetual at `time`.

    `last_funding_rate` and `interest_rate` are None for a contract without funding (a
    delivery contract); its `next_funding_time` is 0.
    """

    symbol: str
    mark_price: float
    index_price: float
    estimated_settle_price: float
    last_funding_rate: float | None
    interest_rate: float | None
    next_funding_time: int
    time: int


@dataclass(frozen=True, slots=True)
class FundingRate:
    """One funding settlement: its rate and, where the venue says, the mark price used."""

    symbol: str
    funding_time: int
    funding_rate: float
    mark_price: float | None


@dataclass(frozen=True, slots=True)
class OpenInterestStat:
    """Open interest (contracts) and its value (quote asset) at the end of a period."""

    symbol: str
    sum_open_interest: float
    sum_open_interest_value: float
    time: int


@dataclass(frozen=True, slots=True)
class LongShortRatio:
    """The long/short ratio of one `kind` (`RatioKind`) over a period: `long_share` and
    `short_share` are the fractions long and short (of accounts or of positions)."""

    symbol: str
    kind: RatioKind
    long_short_ratio: float
    long_share: float
    short_share: float
    time: int
