"""Binance answers that have NO real recording here, built from Binance's documented shapes.

`shared/data/real/SOURCES.md` records that no genuine `/fapi/v1/openInterest` or
`/futures/data/*` (open-interest history, long/short ratios) response could be found,
and allows documented shapes where no real capture exists. Every answer below has the
exact fields and types of the USDⓈ-M futures API documentation ("Open Interest", "Open
Interest Statistics", "Long/Short Ratio", "Top Trader Long/Short Ratio (Accounts)" and
"(Positions)"); the statistics' values are the documentation's own examples, the live
open-interest series continues its example (10659.509 contracts at 1589437530011) the
way Binance updates it (a new value a few times a minute, repeated in between).
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

OPEN_INTEREST_HIST: list[Row] = [
    {"symbol": "BTCUSDT", "sumOpenInterest": "20403.63700000",
     "sumOpenInterestValue": "150570784.07809979", "timestamp": "1583127900000"},
    {"symbol": "BTCUSDT", "sumOpenInterest": "20401.36700000",
     "sumOpenInterestValue": "149940752.14464448", "timestamp": "1583128200000"},
]  # fmt: skip
"""`/futures/data/openInterestHist?symbol=BTCUSDT&period=5m` (documented example)."""

GLOBAL_ACCOUNTS: list[Row] = [
    {"symbol": "BTCUSDT", "longShortRatio": "0.1960", "longAccount": "0.6622",
     "shortAccount": "0.3378", "timestamp": "1583139600000"},
    {"symbol": "BTCUSDT", "longShortRatio": "1.9559", "longAccount": "0.6617",
     "shortAccount": "0.3382", "timestamp": "1583139900000"},
]  # fmt: skip
"""`/futures/data/globalLongShortAccountRatio` (documented example)."""

TOP_ACCOUNTS: list[Row] = [
    {"symbol": "BTCUSDT", "longShortRatio": "1.8105", "longAccount": "0.6442",
     "shortAccount": "0.3558", "timestamp": "1583139600000"},
    {"symbol": "BTCUSDT", "longShortRatio": "0.5576", "longAccount": "0.3580",
     "shortAccount": "0.6420", "timestamp": "1583139900000"},
]  # fmt: skip
"""`/futures/data/topLongShortAccountRatio` (documented example)."""

TOP_POSITIONS: list[Row] = [
    {"symbol": "BTCUSDT", "longShortRatio": "1.4342", "longAccount": "0.5891",
     "shortAccount": "0.4108", "timestamp": "1583139600000"},
    {"symbol": "BTCUSDT", "longShortRatio": "1.4337", "longAccount": "0.3583",
     "shortAccount": "0.6417", "timestamp": "1583139900000"},
]  # fmt: skip
"""`/futures/data/topLongShortPositionRatio` (documented example; USDⓈ-M names the
position shares `longAccount`/`shortAccount` too)."""


def open_interest_answers(symbol: str = "BTCUSDT") -> list[Row]:
    """Successive `/fapi/v1/openInterest` answers of one symbol: the documented example,
    then the same value again (Binance had not updated it), then two updates."""
    series = [
        ("10659.509", 1589437530011),
        ("10659.509", 1589437530011),
        ("10661.214", 1589437545011),
        ("10652.870", 1589437560013),
    ]
    return [{"openInterest": value, "symbol": symbol, "time": at} for value, at in series]
