"""The 24 h rolling statistics of a symbol (`/fapi/v1/ticker/24hr`) as the platform's
record (the adapter parses Binance's answer into it; a symbol's best bid and ask over
REST, `/fapi/v1/ticker/bookTicker`, is a `market_events.BookTop` like the stream's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ticker24h:
    """A symbol's rolling 24 h statistics (`/fapi/v1/ticker/24hr`)."""

    symbol: str
    last_price: float
    open_price: float
    high_price: float
    low_price: float
    price_change_pct: float
    """Binance's `priceChangePercent`: the change since `open_price`, in %."""
    volume: float
    """Base-asset volume of the window."""
    quote_volume: float
    """Quote (USDT) volume of the window: the scanner's 24 h volume."""
    open_time: int
    close_time: int
    """The window's end (epoch ms): the venue's "now" for this symbol."""
    trades: int
