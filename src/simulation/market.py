"""The market data a paper-traded plugin declares (`market_data`), for its run's feed kind.

A replay reads the stores like a backtest (`load_features` over the replayed range:
the same refusal when data is missing, the same degraded mode when the feed asks for
it); the live feed builds the same features bar by bar from the stream
(`LiveFeatures`), which the live source hands every market event it receives. The
live source subscribes what the plugins declare (`live_streams`): aggregate trades,
book tops, 20-level partial books, liquidations, mark prices (always subscribed), and
polls open interest over REST. Long/short ratios have no stream: a live run shows
them as None.

The external data a plugin declares (`external_layers`) comes the same two ways
(`run_external`): a replay reads the providers' recorded snapshots over its range, as a
backtest does; a live run reads the server's polled readings (`LiveReadings`, none when
nothing polls in this process: every declared layer is then missing with that reason).
"""

from __future__ import annotations

from collections.abc import Iterable

from scalplab.data.candles import CandleStore
from scalplab.data.features import FeatureRequest, MarketSource, load_features
from scalplab.data.features.live import LiveFeatures
from scalplab.data.live_source import LiveSource
from scalplab.data.providers.asof import (
    LiveReadings,
    RunReadings,
    live_run_readings,
    snapshot_readings,
)
from scalplab.data.timeframes import timeframe_ms
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.strategies.registry import StrategyInfo

LIVE_STREAMS: dict[str, str] = {
    "aggTrades": "aggTrade",
    "bookTicker": "bookTicker",
    "depth20": "depth20@100ms",
    "forceOrder": "forceOrder",
}
"""Declared name → the stream a live run subscribes (`markPrice` always is)."""


def live_streams(needs: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[list[str], list[str]]:
    """(streams to subscribe, symbols whose open interest to poll) for the (symbol,
    declared names) of a run's plugins."""
    streams: list[str] = []
    polled: list[str] = []
    for symbol, declared in needs:
        for name in declared:
            if name in LIVE_STREAMS:
                stream = f"{symbol.lower()}@{LIVE_STREAMS[name]}"
                if stream not in streams:
                    streams.append(stream)
            elif name == "openInterest" and symbol not in polled:
                polled.append(symbol)
    return streams, polled


def live_market(
    info: StrategyInfo,
    params: dict[str, int | float | bool | str],
    pair: PairSpec,
    source: LiveSource,
) -> MarketSource | None:
    """The `self.market` of a book on the live feed: built from the source's events."""
    if not info.market_data:
        return None
    live = LiveFeatures(pair.symbol, pair.timeframe, info.market_data, info.market_params(params))
    source.listeners.append(live.on_event)
    return live


def replay_market(
    info: StrategyInfo,
    params: dict[str, int | float | bool | str],
    pair: PairSpec,
    feed: FeedSpec,
    candles: CandleStore,
) -> MarketSource | None:
    """The `self.market` of a book on a replay: the stored features of the replayed range
    (refused, before anything starts, when the store lacks them and the feed is not
    degraded)."""
    if not info.market_data:
        return None
    start_ms, end_ms = feed.start_ms, feed.end_ms
    if start_ms is None or end_ms is None:
        first, last, _ = candles.span(pair.symbol, "1m")
        start_ms = first if start_ms is None else start_ms
        end_ms = last + 60_000 if end_ms is None else end_ms
    bars = candles.read(pair.symbol, pair.timeframe, start_ms, end_ms)
    request = FeatureRequest(
        info.name, pair.symbol, pair.timeframe, info.market_data, start_ms, end_ms,
        info.market_params(params), feed.degraded,
    )  # fmt: skip
    return load_features(candles.data_dir, request, bars["open_time"].to_numpy(), bars)


def run_external(
    info: StrategyInfo,
    pair: PairSpec,
    feed: FeedSpec,
    candles: CandleStore,
    live: LiveReadings | None,
) -> RunReadings | None:
    """The `external` of a book: its declared providers' recorded snapshots over a replay's
    range, or the polled readings of a live run (None: it declares none)."""
    if not info.external_layers:
        return None
    step = timeframe_ms(pair.timeframe)
    if feed.kind == "live":
        return live_run_readings(live, info.external_providers, step)
    start_ms, end_ms = feed.start_ms, feed.end_ms
    if start_ms is None or end_ms is None:
        first, last, _ = candles.span(pair.symbol, "1m")
        start_ms = first if start_ms is None else start_ms
        end_ms = last + 60_000 if end_ms is None else end_ms
    return snapshot_readings(candles.data_dir, info.external_providers, start_ms, end_ms, step)
