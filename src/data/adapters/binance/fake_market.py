"""The whole market as the fake Binance (`fake_rest`) serves it to the market scanner:
the REAL exchangeInfo, and 24 h tickers, book tickers and 15m klines BUILT from REAL
1m candles. Everything comes from a data directory laid out as `shared/data/real`.

* `/fapi/v1/exchangeInfo`: the recorded answer (`rest/fapi_v1_exchangeInfo_*.json`,
  2021-07-22, 122 symbols) as recorded.
* `/fapi/v1/ticker/24hr`: for each symbol with real 1m candles (`klines/um/<SYM>/1m.csv`),
  its last 24 h ending with its last candle (each symbol's own "now"): `openPrice` the
  first open, `lastPrice` the last close, `highPrice`/`lowPrice` the extremes, `volume`
  Σ volume, `priceChange(Percent)` from the open to the last close (3 decimals, as
  Binance writes it), `count` Σ trades (0 where the file has none), `openTime`/`closeTime`
  the window's bounds. `quoteVolume` is Σ quote volume where the file has it (the
  archive-format NEARUSDT file); the freqtrade-sourced files have none, so there it is
  ESTIMATED as Σ volume × (high + low + close) / 3 per minute.
* `/fapi/v1/ticker/bookTicker`: bid and ask around the last close. The relative spread
  is a recorded one where a recording of the symbol exists (BTCUSDT: the median of
  `bookticker_csv/BTCUSDT-bookTicker-*.csv`, recorded 2023-10-02, applied to the 2025
  price), else ASSUMED `DEFAULT_SPREAD_PCT`; at least one tick of the symbol's 2021
  PRICE_FILTER, bid and ask on that tick grid around the close. Book quantities cannot
  be derived from candles: the recording's medians where there is one, else
  `NOMINAL_QTY`.
* `/fapi/v1/klines?interval=15m`: the same 1m candles resampled by the candle store's
  rules (UTC buckets; the newest bucket is still forming at the window's end), so ATR,
  tickers and books describe one moment. The recorded 15m files cover another period
  and are not used here.

Symbols of the exchangeInfo without candles get no ticker and no klines (a scanner must
leave them out, saying why). `serve_market(..., total=N)` builds a market of N symbols
for load tests: the real series, then copies of them under made-up names
(`BTC001USDT`, with the source's exchangeInfo entry), copy k cut `k × SHIFT_MS` earlier
in its source series and shifted forward to end at the same instant, so the copies differ
while every candle in them is real. Run `python -m scalplab.data.adapters.binance.fake_market
--data-dir DIR --port P [--total N]` to serve it from its own process.
"""

from __future__ import annotations

import argparse
import copy
import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scalplab.data.adapters.binance.fake_rest import ReplayServer, ReplayState
from scalplab.data.adapters.binance.fake_rest_data import (
    INTERVAL_MS,
    Row,
    candle_rows,
    decimal,
    load_kline_rows,
    load_recorded_answer,
)
from scalplab.data.timeframes import resample

DEFAULT_SPREAD_PCT = 0.02
"""ASSUMED relative spread (%) of a symbol without a recorded book: a liquid USDT-M
perpetual's top of book is a few basis points wide."""
NOMINAL_QTY = "1"
"""Book quantity where no recording gives one (candles cannot)."""
DAY_MS = 86_400_000
KLINE_BUCKETS = 300
"""15m klines served per symbol (the scanner reads the last 201)."""
SHIFT_MS = 3_600_000
"""How much earlier in its source series each further copy is cut (load tests)."""


@dataclass(frozen=True, slots=True)
class Spread:
    """A book's relative spread (%) and quantities, and where they come from."""

    pct: float
    bid_qty: str = NOMINAL_QTY
    ask_qty: str = NOMINAL_QTY
    source: str = "assumed"


@dataclass
class ServedMarket:
    """What `serve_market` put in the state."""

    symbols: list[str] = field(default_factory=list)
    """Symbols with a ticker, a book and 15m klines."""
    copies: dict[str, str] = field(default_factory=dict)
    """Made-up symbol → the real symbol whose candles it serves."""
    spreads: dict[str, str] = field(default_factory=dict)
    """Real symbol → where its spread comes from (a recording's name, or `assumed`)."""


def recorded_spreads(data_dir: Path) -> dict[str, Spread]:
    """Per symbol with a `bookticker_csv/<SYM>-bookTicker-*.csv` recording, the median
    relative spread `(ask − bid) / ask × 100` and median quantities of its rows."""
    spreads: dict[str, Spread] = {}
    for path in sorted((data_dir / "bookticker_csv").glob("*-bookTicker-*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            continue
        bids = [float(r["best_bid_price"]) for r in rows]
        asks = [float(r["best_ask_price"]) for r in rows]
        spreads[path.name.split("-", 1)[0]] = Spread(
            pct=statistics.median((a - b) / a * 100.0 for a, b in zip(asks, bids, strict=True)),
            bid_qty=decimal(statistics.median(float(r["best_bid_qty"]) for r in rows)),
            ask_qty=decimal(statistics.median(float(r["best_ask_qty"]) for r in rows)),
            source=path.name,
        )
    return spreads


def candles_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """`/klines` rows of 1m candles → a candle-store frame; `quote_volume` is NaN when
    the rows carry none (all zero: a file without the archive's extra columns)."""
    cells = list(zip(*(row[:11] for row in rows), strict=True))
    frame = pd.DataFrame(
        {
            "open_time": np.array(cells[0], dtype=np.int64),
            **{name: np.array(cells[i], dtype=np.float64) for i, name in
               ((1, "open"), (2, "high"), (3, "low"), (4, "close"), (5, "volume"))},
            "quote_volume": np.array(cells[7], dtype=np.float64),
            "trades": np.array(cells[8], dtype=np.float64),
        }
    )  # fmt: skip
    if not frame["quote_volume"].any():
        frame["quote_volume"] = np.nan
    return frame


def ticker_24h(symbol: str, frame: pd.DataFrame) -> Row:
    """The `/fapi/v1/ticker/24hr` row of the 24 h ending with `frame`'s last candle."""
    last_open = int(frame["open_time"].iloc[-1])
    day = frame[frame["open_time"] > last_open - DAY_MS]
    high, low, close = day["high"], day["low"], day["close"]
    if day["quote_volume"].isna().all():  # estimated: see the module docstring
        quote = float((day["volume"] * (high + low + close) / 3.0).sum())
    else:
        quote = float(day["quote_volume"].sum())
    volume = float(day["volume"].sum())
    open_price, last = float(day["open"].iloc[0]), float(close.iloc[-1])
    change = last - open_price
    return {
        "symbol": symbol,
        "priceChange": decimal(round(change, 10)),
        "priceChangePercent": f"{change / open_price * 100.0:.3f}",
        "weightedAvgPrice": decimal(round(quote / volume, 8) if volume else last),
        "lastPrice": decimal(last),
        "lastQty": "0",
        "openPrice": decimal(open_price),
        "highPrice": decimal(float(high.max())),
        "lowPrice": decimal(float(low.min())),
        "volume": decimal(round(volume, 8)),
        "quoteVolume": decimal(round(quote, 4)),
        "openTime": int(day["open_time"].iloc[0]),
        "closeTime": last_open + 59_999,
        "firstId": -1,
        "lastId": -1,
        "count": int(day["trades"].sum()),
    }


def book_ticker(
    symbol: str, close: float, spread: Spread, tick: Decimal | None, time_ms: int, update_id: int
) -> Row:
    """The `/fapi/v1/ticker/bookTicker` row: bid and ask `spread.pct` apart around
    `close`, on the `tick` grid (at least one tick apart)."""
    price = Decimal(repr(close))
    width = price * Decimal(repr(spread.pct)) / 100
    if tick is None or tick <= 0:
        bid, ask = price - width / 2, price + width / 2
    else:
        steps = max(1, int((width / tick).to_integral_value(ROUND_CEILING)))
        bid = ((price - steps * tick / 2) / tick).to_integral_value(ROUND_FLOOR) * tick
        ask = bid + steps * tick
    return {
        "symbol": symbol,
        "bidPrice": format(bid.normalize(), "f"),
        "bidQty": spread.bid_qty,
        "askPrice": format(ask.normalize(), "f"),
        "askQty": spread.ask_qty,
        "time": time_ms,
        "lastUpdateId": update_id,
    }


def klines_15m(frame: pd.DataFrame, buckets: int = KLINE_BUCKETS) -> list[list[Any]]:
    """The last `buckets` 15m klines resampled from `frame`'s 1m candles."""
    bucket_ms = INTERVAL_MS["15m"]
    first = (int(frame["open_time"].iloc[-1]) // bucket_ms - buckets + 1) * bucket_ms
    tail = frame[frame["open_time"] >= first]
    bars = resample(tail.drop(columns=["quote_volume"]), "15m")
    bars["volume"] = bars["volume"].round(8)  # sums of float volumes, as Binance writes them
    return candle_rows(bars[["open_time", "open", "high", "low", "close", "volume"]], "15m")


def _tick(entry: dict[str, Any]) -> Decimal | None:
    for rule in entry.get("filters", []):
        if rule.get("filterType") == "PRICE_FILTER":
            return Decimal(str(rule["tickSize"]))
    return None


def _copy_entry(entry: dict[str, Any], symbol: str) -> dict[str, Any]:
    """`entry` of the exchangeInfo relabelled as `symbol`."""
    clone = copy.deepcopy(entry)
    clone["symbol"] = clone["pair"] = symbol
    clone["baseAsset"] = symbol.removesuffix("USDT")
    return clone


def serve_market(
    state: ReplayState,
    data_dir: Path,
    symbols: Sequence[str] | None = None,
    total: int | None = None,
) -> ServedMarket:
    """Serve the market of `data_dir` from `state` (see the module docstring): every
    real symbol with 1m candles (or `symbols`), and with `total`, copies up to `total`
    symbols (then the exchangeInfo lists exactly the served symbols)."""
    data_dir = Path(data_dir)
    info = load_recorded_answer(sorted((data_dir / "rest").glob("fapi_v1_exchangeInfo_*.json"))[-1])
    entries = {entry["symbol"]: entry for entry in info["symbols"]}
    wanted = None if symbols is None else {s.upper() for s in symbols}
    frames = {
        path.parent.name: candles_frame(load_kline_rows(path, INTERVAL_MS["1m"]))
        for path in sorted((data_dir / "klines" / "um").glob("*/1m.csv"))
        if path.parent.name in entries and (wanted is None or path.parent.name in wanted)
    }
    recorded = recorded_spreads(data_dir)
    served = ServedMarket(
        spreads={s: recorded[s].source if s in recorded else "assumed" for s in frames}
    )
    sources = list(frames.items())
    copies = 0
    while total is not None and len(sources) < total and frames:
        copies += 1
        for name, frame in frames.items():
            if len(sources) >= total:
                break
            alias = f"{name.removesuffix('USDT')}{copies:03d}USDT"
            cut = frame[frame["open_time"] <= frame["open_time"].iloc[-1] - copies * SHIFT_MS]
            shifted = cut.assign(open_time=cut["open_time"] + copies * SHIFT_MS)
            entries[alias] = _copy_entry(entries[name], alias)
            served.copies[alias] = name
            sources.append((alias, shifted.reset_index(drop=True)))
    state.tickers.setdefault("24hr", {})
    state.tickers.setdefault("bookTicker", {})
    for update_id, (symbol, frame) in enumerate(sources, start=1):
        ticker = ticker_24h(symbol, frame)
        spread = recorded.get(served.copies.get(symbol, symbol), Spread(DEFAULT_SPREAD_PCT))
        state.tickers["24hr"][symbol] = ticker
        state.tickers["bookTicker"][symbol] = book_ticker(
            symbol, float(ticker["lastPrice"]), spread, _tick(entries[symbol]),
            int(ticker["closeTime"]), update_id,
        )  # fmt: skip
        state.klines[(symbol, "15m")] = klines_15m(frame)
        served.symbols.append(symbol)
    listed = entries if total is None else {s: entries[s] for s in served.symbols}
    state.exchange_info = {**info, "symbols": list(listed.values())}
    return served


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a data directory's market (exchangeInfo, tickers, books, 15m klines)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--total", type=int, default=None, help="symbols, with relabelled copies")
    args = parser.parse_args(argv)
    state = ReplayState()
    market = serve_market(state, args.data_dir, total=args.total)
    with ReplayServer(state, args.port) as server:
        print(f"fake Binance market at {server.base_url}: {len(market.symbols)} symbols")
        try:
            while server.thread.is_alive():
                server.thread.join(timeout=1.0)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
