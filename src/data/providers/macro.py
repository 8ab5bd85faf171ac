"""Macro quotes (S&P 500, the US dollar index) from Stooq's free CSV quote endpoint.

`GET {MACRO_URL}/q/l/?s=^spx&f=sd2t2ohlcv&h&e=csv` answers a header and one row:

    Symbol,Date,Time,Open,High,Low,Close,Volume
    ^SPX,2025-06-20,22:04:08,5987.93,6018.2,5952.56,5967.84,2887489280

(`N/D` in every field for a symbol it does not know). Stooq has asked for an `apikey`
parameter on downloads since early 2026: set `MACRO_API_KEY` and it is sent; without one, a
refusal or its daily-limit message ("Exceeded the daily hits limit") is the reason the
layer is left out. One request per symbol of `MACRO_SYMBOLS` (`alias:ticker`, default
`spx:^spx,dxy:dx.f` — the index and ICE's dollar-index future).

Metrics per alias `A`: `A.open`, `A.high`, `A.low`, `A.close` and `A.change_pct` (close
against the session's open, in %). Stooq stamps quotes in Polish local time (CET/CEST,
`Europe/Warsaw`: an assumption from its site, which shows that zone); the reading is
observed at the oldest quote time. Outside US trading hours that is the last close, so the
layer's freshness decays as it should. The seed's DANGER rule (ES −1 % or DXY +0.5 % in the
last hour) needs an hour of readings: the recorded snapshots give it (`store`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scalplab.data.providers.base import BaseProvider
from scalplab.data.providers.http import ProviderError, ProviderHttp
from scalplab.data.providers.reading import ProviderReading
from scalplab.errors import ConfigError, snippet

PATH = "/q/l/"
FIELDS = "sd2t2ohlcv"
STOOQ_ZONE = "Europe/Warsaw"
HEADER = ("Symbol", "Date", "Time", "Open", "High", "Low", "Close")
DEFAULT_SYMBOLS = "spx:^spx,dxy:dx.f"


def parse_symbols(text: str) -> list[tuple[str, str]]:
    """`spx:^spx,dxy:dx.f` → [("spx", "^spx"), ("dxy", "dx.f")]; `ConfigError` if malformed."""
    pairs = []
    for part in text.split(","):
        alias, sep, ticker = part.strip().partition(":")
        if not part.strip():
            continue
        if not sep or not alias.strip().isidentifier() or not ticker.strip():
            raise ConfigError(
                f"MACRO_SYMBOLS: {snippet(part.strip())} is not alias:ticker (e.g. spx:^spx)"
            )
        pairs.append((alias.strip().lower(), ticker.strip()))
    if not pairs:
        raise ConfigError("MACRO_SYMBOLS names no symbol (e.g. spx:^spx,dxy:dx.f)")
    return pairs


class MacroProvider(BaseProvider):
    """S&P 500 and DXY quotes from Stooq (layer 4, macro)."""

    name = "macro"
    layer = "macro"
    ttl_s = 300.0
    per_minute = 10.0

    def __init__(
        self, http: ProviderHttp, symbols: Sequence[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(limiter=http.limiter, **kwargs)
        self.http = http
        self.symbols = list(symbols)

    @property
    def source(self) -> str:
        return self.http.source(PATH)

    def scrub(self, text: str) -> str:
        return self.http.scrub(text)

    def read(self, fetched_at: int) -> ProviderReading:
        metrics: dict[str, float] = {}
        times: list[int] = []
        for alias, ticker in self.symbols:
            query = f"s={quote(ticker, safe='')}&f={FIELDS}&h&e=csv"
            answer = self.http.get(PATH, query, key_param="apikey")
            quote_ms, values = parse_quote(answer.text, ticker)
            times.append(quote_ms)
            for field, value in values.items():
                metrics[f"{alias}.{field}"] = value
        return ProviderReading(
            provider=self.name,
            layer=self.layer,
            fetched_at=fetched_at,
            source=self.source,
            metrics=metrics,
            labels={alias: ticker for alias, ticker in self.symbols},
            observed_at=min(times),
        )

    def close(self) -> None:
        self.http.close()


def parse_quote(text: str, ticker: str) -> tuple[int, dict[str, float]]:
    """(quote time in epoch ms, open/high/low/close/change_pct) of one answer."""
    rows = list(csv.reader(io.StringIO(text.strip())))
    if not rows or tuple(cell.strip() for cell in rows[0][: len(HEADER)]) != HEADER:
        first = text.strip().splitlines()[0] if text.strip() else "an empty answer"
        raise ProviderError(f"Stooq did not answer a quote for {ticker}: {snippet(first, 80)}")
    if len(rows) < 2:
        raise ValueError(f"no quote row for {ticker}")
    row = dict(zip(HEADER, (cell.strip() for cell in rows[1]), strict=False))
    if "N/D" in row.values():
        raise ProviderError(f"Stooq has no quote for {ticker} (N/D)")
    try:
        zone = ZoneInfo(STOOQ_ZONE)
    except ZoneInfoNotFoundError:
        raise ProviderError(f"the time zone {STOOQ_ZONE} is not installed") from None
    local = datetime.fromisoformat(f"{row['Date']}T{row['Time']}").replace(tzinfo=zone)
    values = {key.lower(): float(row[key]) for key in ("Open", "High", "Low", "Close")}
    if values["open"] <= 0 or values["close"] <= 0:
        raise ValueError(f"non-positive price for {ticker}")
    values["change_pct"] = (values["close"] / values["open"] - 1.0) * 100.0
    return int(local.timestamp() * 1000), values
