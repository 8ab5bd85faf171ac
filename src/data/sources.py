"""The candle source port: where paper trading's closed candles come from, by feed kind.

A candle source is an async iterable of `CandleEvent` (`scalplab.data.stream`) that
also says what it knows up front: the final bar of each subscription (a signal there is
dropped, as in a backtest) and its warm-up history: the bars a resumed replay has
already seen, or a live feed's REST history before its first live candle. A source
with a `prepare()` coroutine (the live feed) learns both only once connected: the
driver awaits it before any strategy starts. `open_candle_source` picks the
implementation by feed kind: `replay` (stored candles at N× real time) or `live`
(Binance's kline streams, `scalplab.data.live_source`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from scalplab.data.bars import Bar
from scalplab.data.candles import CandleStore
from scalplab.data.live_source import LiveConfig, LiveSource
from scalplab.data.replay import ReplaySource
from scalplab.data.stream import CandleEvent
from scalplab.errors import InputError

FeedKind = Literal["replay", "live"]
FEED_KINDS: tuple[str, ...] = ("replay", "live")


class CandleSource(Protocol):
    """What the paper-trading driver reads candles from."""

    def __aiter__(self) -> AsyncIterator[CandleEvent]:
        """The closed (and forming) candles, as they arrive."""
        ...

    def ready(self) -> bool:
        """Whether the next candle can be had without waiting."""
        ...

    def stop(self) -> None:
        """End the stream soon; safe from any thread."""
        ...

    def last_open_ms(self, symbol: str, timeframe: str) -> int | None:
        """Open time of the final bar of a subscription, when the source knows it."""
        ...

    def history(self, symbol: str, timeframe: str) -> list[Bar]:
        """Warm-up bars of a subscription a fresh run plays before its first live bar."""
        ...

    def bars_until(self, symbol: str, timeframe: str, close_ms: int) -> list[Bar]:
        """A subscription's bars that closed by `close_ms` (a resumed run's warm-up)."""
        ...


@dataclass(frozen=True, slots=True)
class SourceRequest:
    """What to play: subscriptions, the range, the pace and where a resumed run stood."""

    kind: str
    subscriptions: Sequence[tuple[str, str]]
    start_ms: int | None = None
    end_ms: int | None = None
    speed: float | None = None
    resume_close_ms: int | None = None
    live: LiveConfig | None = None
    """Where a `live` feed connects (required for that kind)."""
    base: Sequence[tuple[str, str]] | None = None
    """The pairs' own `(symbol, timeframe)` streams (a replay's progress counts their
    bars; default: every subscription)."""


def open_candle_source(request: SourceRequest, store: CandleStore) -> CandleSource:
    """The source of `request.kind` (`InputError` for a kind that does not exist)."""
    if request.kind == "replay":
        return ReplaySource(
            store,
            request.subscriptions,
            request.start_ms,
            request.end_ms,
            request.speed,
            resume_close_ms=request.resume_close_ms,
            base=request.base,
        )
    if request.kind == "live":
        if request.live is None:
            raise InputError("a live feed needs the Binance endpoints (REST_URL, WS_URL)")
        return LiveSource(request.subscriptions, request.live)
    raise InputError(f"feed {request.kind!r} is not available; use one of: {', '.join(FEED_KINDS)}")
