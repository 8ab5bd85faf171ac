"""`/market`: stored symbols with their timeframes and spans, and candles for charts."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from scalplab.api.deps import MarketDep
from scalplab.api.schemas.common import ErrorPublic, UtcDateTime
from scalplab.api.schemas.market import CandlePublic, SymbolPublic, TimeframeSpan
from scalplab.services.market import CandleSeries

router = APIRouter(prefix="/market", tags=["market"])


@router.get("/symbols", response_model=list[SymbolPublic])
async def list_symbols(market: MarketDep) -> list[SymbolPublic]:
    """Symbols with stored candles, each with every readable timeframe and its span."""
    listing = await run_in_threadpool(market.symbols)
    return [
        SymbolPublic(
            symbol=entry.symbol,
            error=entry.error,
            timeframes=[
                TimeframeSpan(
                    timeframe=span.timeframe,
                    stored=span.stored,
                    first=span.first,
                    last=span.last,
                    bars=span.bars,
                )
                for span in entry.timeframes
            ],
        )
        for entry in listing
    ]


def _candles_json(series: CandleSeries) -> str:
    """The `list[CandlePublic]` body, encoded directly (up to 20,000 bars)."""
    rows = [
        {"time": t, "open": o, "high": h, "low": lo, "close": c, "volume": v}
        for t, o, h, lo, c, v in series.rows()
    ]
    return json.dumps(rows, separators=(",", ":"))


@router.get(
    "/candles/{symbol}",
    response_model=list[CandlePublic],
    responses={422: {"model": ErrorPublic}},
)
async def get_candles(
    symbol: str,
    market: MarketDep,
    tf: Annotated[str, Query(description="timeframe, e.g. 1m 15m 1h")] = "1m",
    start: Annotated[UtcDateTime | None, Query(description="first bar (UTC)")] = None,
    end: Annotated[UtcDateTime | None, Query(description="end, exclusive (UTC)")] = None,
) -> Response:
    """Bars in `[start, end)` (at most 20,000); `time` is the open time in epoch seconds.

    Without `end`: up to the newest bar; without `start`: the 1,000 bars before `end`.
    """
    series = await run_in_threadpool(market.candles_between, symbol, tf, start, end)
    body = await run_in_threadpool(_candles_json, series)
    return Response(body, media_type="application/json")
