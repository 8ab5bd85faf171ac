"""The live Binance feed as the paper engine sees it: its endpoints and options from the
settings, and each pair's feed state for the status and the Dashboard."""

from __future__ import annotations

from dataclasses import dataclass, replace

from scalplab.config import Settings
from scalplab.data.adapters.binance.http import BinanceRestClient
from scalplab.data.adapters.binance.rest_health import RestHealth
from scalplab.data.adapters.binance.websocket import STALE_AFTER_S, ConnectionOptions
from scalplab.data.live_health import LiveFeedHealth
from scalplab.data.live_source import LiveConfig, LiveSource
from scalplab.simulation.views import FeedSpec, PairStatus


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """The running feed for `/status/health`: its kind, and when live its figures."""

    kind: str | None
    live: LiveFeedHealth | None
    rest: RestHealth | None


def live_config(
    settings: Settings, feed: FeedSpec, *, keep_minutes: bool = False, book_tops: bool = True
) -> LiveConfig:
    """A live feed over `REST_URL`/`WS_URL` for `feed` (its candle count, if any).

    Only the kline streams the run trades on have a freshness watchdog
    (`LIVE_STALE_AFTER_S`): mark prices, book tops and the market data plugins declare
    (aggregate trades, partial books) are shown with their age or read as they come, and
    a venue that does not send them never forces a reconnect of the candles.
    """
    stale = {**STALE_AFTER_S, "kline": settings.live_stale_after_s}
    stale.update(markPrice=None, bookTicker=None, aggTrade=None, depth20=None)
    return LiveConfig(
        ws_url=settings.ws_url,
        rest=BinanceRestClient(settings.rest_url),
        warmup_bars=settings.live_warmup_bars,
        candles=feed.candles,
        first_kline_timeout_s=settings.live_connect_timeout_s,
        book_tops=book_tops,
        keep_minutes=keep_minutes,
        order_books=settings.live_order_books,
        options=replace(ConnectionOptions(), stale_after=stale),
    )


def live_pair_status(status: PairStatus, source: LiveSource, feed: LiveFeedHealth) -> PairStatus:
    """`status` with its symbol's feed state, last message age, last price and book top."""
    symbol = status.symbol
    top = source.best_bid_ask(symbol)
    stale_after = source.config.options.stale_after.get("kline") if source.config.options else None
    return replace(
        status,
        feed_state=feed.state_of(symbol, stale_after or 90.0),
        message_age_s=feed.age_of(symbol),
        last_price=source.last_price.get(symbol),
        bid=None if top is None else top[0],
        ask=None if top is None else top[1],
        spread=None if top is None else round(top[1] - top[0], 12),
    )
