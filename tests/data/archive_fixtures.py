"""bookDepth and metrics archive files made from REAL recorded data (no real archive file
of these kinds could be brought here; see tests/data/fixtures/README.md).

`python -m tests.data.archive_fixtures` writes the fixture files; the tests check the
files on disk are exactly what these functions derive, so the provenance stays true.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from scalplab.data.adapters.binance.book import LocalOrderBook
from scalplab.data.adapters.binance.schemas import parse_combined, parse_depth_snapshot
from scalplab.data.market_events import DepthDiff
from tests.conftest import REAL
from tests.data.adapters.binance.recorded import combined_messages, rest_depth

FIXTURES = Path(__file__).parent / "fixtures"
BOOK_DEPTH = FIXTURES / "SUSHIUSDT-bookDepth-2021-07-22.csv"
METRICS = FIXTURES / "NEARUSDT-metrics-2025-02-01.csv"
BOOK_DEPTH_TIMES_MS = (1626992750000, 1626992760000, 1626992770000)  # 22:25:50, :26:00, :26:10
BANDS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
METRICS_HEADER = (
    "create_time,symbol,sum_open_interest,sum_open_interest_value,"
    "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,count_long_short_ratio,"
    "sum_taker_long_short_vol_ratio"
)


def stamp(ms: int) -> str:
    """Epoch ms → the archives' `YYYY-MM-DD HH:MM:SS` (UTC)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def number(value: float) -> str:
    """A float as the archive writes one: plain decimal, no float noise."""
    return f"{round(value, 8):.8f}".rstrip("0").rstrip(".")


def book_depth_rows(symbol: str = "SUSHIUSDT") -> list[str]:
    """`timestamp,percentage,depth,notional` rows of `symbol`'s book rebuilt from the 2021
    REST snapshot and diff capture, as it stood at each of `BOOK_DEPTH_TIMES_MS` (after the
    last diff with an earlier event time): per band p, the summed quantity and price ×
    quantity of the bids priced at or above mid·(1 + p/100) (p < 0) or of the asks at or
    below it (p > 0), mid being (best bid + best ask) / 2."""
    book = LocalOrderBook(symbol)
    snapshot = parse_depth_snapshot(symbol, rest_depth(symbol))
    times = list(BOOK_DEPTH_TIMES_MS)
    rows: list[str] = []
    for message in combined_messages():
        _, event = parse_combined(message)
        if not isinstance(event, DepthDiff) or event.symbol != symbol:
            continue
        while times and event.event_time >= times[0]:
            assert book.synced, "the book syncs before the first fixture time"
            rows += _bands(book, times.pop(0))
        if book.on_diff(event) == "buffered" and event.final_update_id >= snapshot.last_update_id:
            assert book.on_snapshot(book.epoch, snapshot)
    assert not times, "the capture ends before every fixture time"
    return rows


def _bands(book: LocalOrderBook, at_ms: int) -> list[str]:
    bids, asks = book.levels(100_000)
    mid = (bids[0][0] + asks[0][0]) / 2
    low, high = min(p for p, _ in bids), max(p for p, _ in asks)
    assert low < mid * 0.95 and high > mid * 1.05, "the known book must cover ±5 %"
    rows = []
    for band in BANDS:
        limit = mid * (1 + band / 100)
        inside = (
            [(p, q) for p, q in bids if p >= limit]
            if band < 0
            else [(p, q) for p, q in asks if p <= limit]
        )
        depth = sum(q for _, q in inside)
        notional = sum(p * q for p, q in inside)
        rows.append(f"{stamp(at_ms)},{band},{number(depth)},{number(notional)}")
    return rows


def metrics_rows(first_ms: int = 1738368000000, count: int = 12) -> list[str]:
    """Five-minute metrics rows of NEARUSDT from the real archive 1m klines of 2025-02
    (create_time = the start of the five minutes summed).

    `sum_taker_long_short_vol_ratio` is Binance's definition, taker buy volume / taker
    sell volume. No real open interest or long/short account figures exist here, so the
    other five columns are STAND-INS from the same klines (not the statistics their names
    say): the traded volume and quote volume for the open interest and its value, and
    the taker buy / sell quote-volume ratio for the three long/short ratios."""
    klines = pd.read_csv(REAL / "klines" / "um" / "NEARUSDT" / "1m.csv")
    rows = []
    for start in range(first_ms, first_ms + count * 300_000, 300_000):
        window = klines[(klines["open_time"] >= start) & (klines["open_time"] < start + 300_000)]
        assert len(window) == 5
        volume, quote = window["volume"].sum(), window["quote_volume"].sum()
        buy, buy_quote = window["taker_buy_volume"].sum(), window["taker_buy_quote_volume"].sum()
        quote_ratio = number(buy_quote / (quote - buy_quote))
        rows.append(
            f"{stamp(start)},NEARUSDT,{number(volume)},{number(quote)},{quote_ratio},"
            f"{quote_ratio},{quote_ratio},{number(buy / (volume - buy))}"
        )
    return rows


def write() -> None:
    """(Re)write the fixture files."""
    FIXTURES.mkdir(exist_ok=True)
    BOOK_DEPTH.write_text(
        "timestamp,percentage,depth,notional\n" + "\n".join(book_depth_rows()) + "\n"
    )
    METRICS.write_text(METRICS_HEADER + "\n" + "\n".join(metrics_rows()) + "\n")
    print(json.dumps({"written": [str(BOOK_DEPTH), str(METRICS)]}))


if __name__ == "__main__":
    write()
