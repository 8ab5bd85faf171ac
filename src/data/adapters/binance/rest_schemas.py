"""Binance USDT-M REST statistics turned into the platform's records.

Premium index (`/fapi/v1/premiumIndex`), funding-rate history (`/fapi/v1/fundingRate`),
open interest (`/fapi/v1/openInterest`) and the `/futures/data/*` statistics (open
interest history, long/short ratios) become `scalplab.data.market_stats` records and
`OpenInterest` events. An answer that is not what Binance documents — not JSON of the
right shape, a missing or non-numeric field, another symbol than the one asked for —
is a one-line `MessageError` quoting at most a snippet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from scalplab.data.adapters.binance.row_fields import (
    row_error,
    row_number,
    row_symbol,
    row_time_ms,
)
from scalplab.data.adapters.binance.schemas import MessageError
from scalplab.data.market_events import OpenInterest
from scalplab.data.market_stats import (
    FundingRate,
    LongShortRatio,
    OpenInterestStat,
    PremiumIndex,
    RatioKind,
)
from scalplab.errors import snippet

T = TypeVar("T")


def parse_premium_index(payload: object, symbol: str | None = None) -> list[PremiumIndex]:
    """A `/fapi/v1/premiumIndex` answer (one object when asked for `symbol`, a list of
    every symbol otherwise) → premium indexes."""
    if symbol is None:
        return _rows("premiumIndex", payload, None, _premium_index)
    if not isinstance(payload, dict):
        raise MessageError(f"premiumIndex answer is not an object: {snippet(payload)}")
    return _rows("premiumIndex", [payload], symbol, _premium_index)


def parse_funding_rates(payload: object, symbol: str | None = None) -> list[FundingRate]:
    """A `/fapi/v1/fundingRate` answer → funding settlements, oldest first."""
    return _rows("fundingRate", payload, symbol, _funding_rate)


def parse_open_interest(payload: object, symbol: str | None = None) -> OpenInterest:
    """A `/fapi/v1/openInterest` answer → the open interest now."""
    if not isinstance(payload, dict):
        raise MessageError(f"openInterest answer is not an object: {snippet(payload)}")
    return _rows("openInterest", [payload], symbol, _open_interest)[0]


def parse_open_interest_hist(payload: object, symbol: str | None = None) -> list[OpenInterestStat]:
    """A `/futures/data/openInterestHist` answer → open interest per period."""
    return _rows("openInterestHist", payload, symbol, _open_interest_stat)


def parse_long_short_ratios(
    payload: object, kind: RatioKind, symbol: str | None = None
) -> list[LongShortRatio]:
    """A `/futures/data/*LongShort*Ratio` answer → ratios of `kind` per period."""
    return _rows(f"{kind} long/short ratio", payload, symbol, lambda row: _ratio(row, kind))


# ----- one parser per record --------------------------------------------------------------------


def _premium_index(row: Mapping[str, Any]) -> PremiumIndex:
    return PremiumIndex(
        symbol=row_symbol(row),
        mark_price=_price(row, "markPrice"),
        index_price=_price(row, "indexPrice"),
        estimated_settle_price=_price(row, "estimatedSettlePrice"),
        last_funding_rate=_optional_rate(row, "lastFundingRate"),
        interest_rate=_optional_rate(row, "interestRate"),
        next_funding_time=row_time_ms(row, "nextFundingTime"),
        time=row_time_ms(row, "time"),
    )


def _funding_rate(row: Mapping[str, Any]) -> FundingRate:
    mark = row.get("markPrice")
    return FundingRate(
        symbol=row_symbol(row),
        funding_time=row_time_ms(row, "fundingTime"),
        funding_rate=_rate(row, "fundingRate"),
        mark_price=None if mark in (None, "") else _price(row, "markPrice"),
    )


def _open_interest(row: Mapping[str, Any]) -> OpenInterest:
    return OpenInterest(
        symbol=row_symbol(row),
        open_interest=_price(row, "openInterest"),
        time=row_time_ms(row, "time"),
    )


def _open_interest_stat(row: Mapping[str, Any]) -> OpenInterestStat:
    return OpenInterestStat(
        symbol=row_symbol(row),
        sum_open_interest=_price(row, "sumOpenInterest"),
        sum_open_interest_value=_price(row, "sumOpenInterestValue"),
        time=row_time_ms(row, "timestamp"),
    )


def _ratio(row: Mapping[str, Any], kind: RatioKind) -> LongShortRatio:
    # USDT-M answers name the shares longAccount/shortAccount even for positions;
    # coin-M names them longPosition/shortPosition there.
    long_key = "longPosition" if "longPosition" in row else "longAccount"
    short_key = "shortPosition" if "shortPosition" in row else "shortAccount"
    return LongShortRatio(
        symbol=row_symbol(row),
        kind=kind,
        long_short_ratio=_price(row, "longShortRatio"),
        long_share=_price(row, long_key),
        short_share=_price(row, short_key),
        time=row_time_ms(row, "timestamp"),
    )


# ----- shapes and fields ------------------------------------------------------------------------


def _rows(
    what: str, payload: object, symbol: str | None, parse: Callable[[Mapping[str, Any]], T]
) -> list[T]:
    if not isinstance(payload, list):
        raise MessageError(f"{what} answer is not a list: {snippet(payload)}")
    records = []
    for row in payload:
        if not isinstance(row, dict):
            raise MessageError(f"malformed {what} answer (row {snippet(row)})")
        try:
            record = parse(row)
        except (KeyError, ValueError, TypeError) as exc:
            raise MessageError(
                f"malformed {what} answer ({row_error(exc)}): {snippet(row)}"
            ) from None
        if symbol is not None and row.get("symbol") != symbol:
            raise MessageError(
                f"{what} answer is about {snippet(row.get('symbol'))}, not {snippet(symbol)}"
            )
        records.append(record)
    return records


def _price(row: Mapping[str, Any], key: str) -> float:
    number = row_number(row, key)
    if number < 0:
        raise ValueError(f"{key} is negative: {snippet(row[key])}")
    return number


def _rate(row: Mapping[str, Any], key: str) -> float:
    number = row_number(row, key)
    if not -1 < number < 1:
        raise ValueError(f"{key} is not a rate: {snippet(row[key])}")
    return number


def _optional_rate(row: Mapping[str, Any], key: str) -> float | None:
    return None if row[key] == "" else _rate(row, key)
