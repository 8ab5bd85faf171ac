"""What the fake Binance REST server (`fake_rest`) serves: REAL recorded Binance data read
from a data directory laid out as the team's `shared/data/real` (its SOURCES.md says
where each file comes from), and candles handed over in code.

* `klines/um/<SYM>/<interval>.csv` → `/fapi/v1/klines` rows (12-column archive files
  exactly; the 6-column files lack the archive's extra fields, served as zeros);
* `rest/fapi_v1_exchangeInfo_*.json`, `rest/fapi_v1_depth_symbol<SYM>_limit1000_*.json`
  → `/fapi/v1/exchangeInfo` and `/fapi/v1/depth` as recorded;
* `ws/combined_stream_um_*.jsonl` → `/fapi/v1/aggTrades` rows (the stream's trade fields);
* `funding/<SYM>.csv` → `/fapi/v1/fundingRate` rows, the rate as recorded and, where the
  8h mark-price kline (`klines/um_mark/<SYM>/8h.csv`) opens at the settlement, its
  open as the settlement's mark price;
* the `markPrice@1s` messages of `orderbook_ws/*2023*.gz` → `/fapi/v1/premiumIndex`
  answers (`p`, `i`, `P`, `r`, `T`, `E`); the stream has no interest rate, so
  `interestRate` is Binance's documented default for USDT-M perpetuals, 0.01 % per 8 h.

Open interest and the `/futures/data/*` statistics have no real recording: a test gives
them in code, in Binance's documented response shape.
"""

from __future__ import annotations

import csv
import functools
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

INTERVAL_MS = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "8h": 28_800_000,
}
FUNDING_INTERVAL_MS = 28_800_000
DEFAULT_INTEREST_RATE = "0.00010000"
"""Binance's documented USDT-M interest rate (0.01 % per 8 h); not in the mark stream."""
CANDLE_FIELDS = (
    "open_time", "open", "high", "low", "close", "volume",
    "quote_volume", "trades", "taker_buy_volume", "taker_buy_quote_volume",
)  # fmt: skip
"""A candle row's fields (the candle store's columns); the last four are optional."""

Row = dict[str, Any]


def decimal(value: float) -> str:
    """A number as Binance writes it: a decimal string, the shortest that reads back as
    the same float (no exponent)."""
    text: str = np.format_float_positional(float(value), unique=True, trim="-")
    return text


@functools.cache
def load_kline_rows(path: Path, interval_ms: int) -> list[list[Any]]:
    """A kline CSV (6 or 12 columns, with header) → Binance `/klines` rows."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = []
        for cells in reader:
            open_time = int(cells[0])
            if len(cells) >= 12:
                rows.append(
                    [open_time, *cells[1:6], int(cells[6]), cells[7], int(cells[8]), *cells[9:12]]
                )
            else:
                rows.append(
                    [open_time, *cells[1:6], open_time + interval_ms - 1, "0", 0, "0", "0", "0"]
                )
    return rows


def candle_rows(candles: pd.DataFrame | Sequence[Sequence[Any]], interval: str) -> list[list[Any]]:
    """Candles given in code → Binance `/klines` rows, oldest first.

    `candles` is a candle-store frame (columns `CANDLE_FIELDS`, the last four optional)
    or rows of those fields in that order (6 or 10 values); missing fields are served as
    zeros, numbers as Binance's decimal strings.
    """
    interval_ms = INTERVAL_MS[interval]
    if isinstance(candles, pd.DataFrame):
        present = [name for name in CANDLE_FIELDS if name in candles.columns]
        records: list[Sequence[Any]] = list(candles[present].itertuples(index=False))
    else:
        records = list(candles)
    rows = []
    for record in records:
        if len(record) not in (6, 10):
            raise ValueError(f"a candle row has 6 or 10 fields, not {len(record)}")
        values = [0 if pd.isna(v) else v for v in record]  # a store's absent values
        if len(values) == 6:
            values += [0, 0, 0, 0]
        open_time = int(values[0])
        rows.append(
            [
                open_time,
                *(decimal(v) for v in values[1:6]),
                open_time + interval_ms - 1,
                decimal(values[6]),
                int(values[7]),
                decimal(values[8]),
                decimal(values[9]),
                "0",
            ]
        )
    return sorted(rows, key=lambda row: int(row[0]))


def load_agg_trades(capture: Path) -> dict[str, list[Row]]:
    """Per symbol, a combined-stream capture's aggregate trades as `/fapi/v1/aggTrades`
    rows (`a, p, q, f, l, T, m`), in id order."""
    rows: dict[str, list[Row]] = {}
    for line in capture.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        data = record.get("msg", record).get("data", {})
        if data.get("e") == "aggTrade":
            row = {key: data[key] for key in ("a", "p", "q", "f", "l", "T", "m")}
            rows.setdefault(data["s"], []).append(row)
    return {symbol: sorted(trades, key=lambda row: row["a"]) for symbol, trades in rows.items()}


def load_recorded_answer(path: Path) -> Any:
    """The `response` of a recorded REST answer file."""
    return json.loads(path.read_text(encoding="utf-8"))["response"]


def load_funding(path: Path, mark_klines: Path | None = None) -> list[Row]:
    """A funding CSV (`symbol,funding_time,funding_rate`) → `/fapi/v1/fundingRate` rows,
    with the 8h mark kline's open as `markPrice` where one opens at the settlement."""
    marks: dict[int, str] = {}
    if mark_klines is not None and mark_klines.exists():
        with open(mark_klines, newline="", encoding="utf-8") as handle:
            marks = {int(row["open_time"]): row["open"] for row in csv.DictReader(handle)}
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            funding_time = int(record["funding_time"])
            row: Row = {
                "symbol": record["symbol"],
                "fundingTime": funding_time,
                "fundingRate": record["funding_rate"],
            }
            mark = marks.get(funding_time - funding_time % FUNDING_INTERVAL_MS)
            if mark is not None:
                row["markPrice"] = mark
            rows.append(row)
    return sorted(rows, key=lambda row: int(row["fundingTime"]))


def load_premium(captures: Sequence[Path]) -> dict[str, list[Row]]:
    """Per symbol, `/fapi/v1/premiumIndex` answers from the `markPrice@1s` messages of
    hftbacktest captures (lines `<receive time> <combined-stream JSON>`), in time order."""
    answers: dict[str, list[Row]] = {}
    for capture in captures:
        with gzip.open(capture, "rt", encoding="utf-8") as lines:
            for line in lines:
                text = line.split(" ", 1)[-1]
                if "markPriceUpdate" not in text:
                    continue
                data = json.loads(text)["data"]
                answers.setdefault(data["s"], []).append(
                    {
                        "symbol": data["s"],
                        "markPrice": data["p"],
                        "indexPrice": data["i"],
                        "estimatedSettlePrice": data["P"],
                        "lastFundingRate": data["r"],
                        "interestRate": DEFAULT_INTEREST_RATE,
                        "nextFundingTime": data["T"],
                        "time": data["E"],
                    }
                )
    return {s: sorted(rows, key=lambda row: int(row["time"])) for s, rows in answers.items()}


@dataclass
class RealData:
    """Everything a data directory holds for the fake, per symbol."""

    klines: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)
    exchange_info: dict[str, Any] = field(default_factory=dict)
    agg_trades: dict[str, list[Row]] = field(default_factory=dict)
    depth: dict[str, Row] = field(default_factory=dict)
    funding: dict[str, list[Row]] = field(default_factory=dict)
    premium: dict[str, list[Row]] = field(default_factory=dict)


def load_real_data(data_dir: Path, symbols: Sequence[str] | None = None) -> RealData:
    """The data of `symbols` (every symbol found when None) under `data_dir`."""
    wanted = None if symbols is None else {s.upper() for s in symbols}

    def keep(symbol: str) -> bool:
        return wanted is None or symbol in wanted

    data = RealData()
    for path in sorted((data_dir / "klines" / "um").glob("*/*.csv")):
        symbol, interval = path.parent.name, path.stem
        if keep(symbol) and interval in INTERVAL_MS:
            data.klines[(symbol, interval)] = load_kline_rows(path, INTERVAL_MS[interval])
    rest = data_dir / "rest"
    for path in sorted(rest.glob("fapi_v1_exchangeInfo_*.json"))[-1:]:
        data.exchange_info = load_recorded_answer(path)
    for path in sorted(rest.glob("fapi_v1_depth_symbol*_limit1000_*.json")):
        symbol = path.name.removeprefix("fapi_v1_depth_symbol").split("_", 1)[0]
        if keep(symbol):
            data.depth[symbol] = load_recorded_answer(path)
    for path in sorted((data_dir / "ws").glob("combined_stream_um_*.jsonl")):
        for symbol, rows in load_agg_trades(path).items():
            if keep(symbol):
                data.agg_trades.setdefault(symbol, []).extend(rows)
    for path in sorted((data_dir / "funding").glob("*.csv")):
        if keep(path.stem):
            mark = data_dir / "klines" / "um_mark" / path.stem / "8h.csv"
            data.funding[path.stem] = load_funding(path, mark)
    captures = sorted((data_dir / "orderbook_ws").glob("*2023*.gz"))
    data.premium = {s: rows for s, rows in load_premium(captures).items() if keep(s)}
    return data
