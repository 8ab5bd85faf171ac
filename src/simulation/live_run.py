"""`scalplab simulate --feed live`: paper-trade Binance's live stream for N candles.

An ephemeral engine (its own throw-away SQLite database, order confirmation off, the
risk gate from the environment) trades one pair on the live feed
(`scalplab.data.live_source`): REST warm-up before the first live candle, then N closed
1m klines of the pair, missed ones fetched over REST before any later one is applied.
The 1m candles it played (warm-up included) are merged into the candle store, so
`scalplab backtest` over the reported `start`/`end` replays exactly these candles; the
result has the `backtest --json` shape over the bars the run traded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scalplab.config import Settings
from scalplab.data.bar_builder import bars_from_minutes
from scalplab.data.bars import Bar
from scalplab.data.candles import CandleStore
from scalplab.data.exchange import EXCHANGE
from scalplab.data.live_source import LiveSource, kline_frame
from scalplab.data.rules import symbol_rules_for
from scalplab.data.symbols import normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import DataError, StrategyError, TemporaryError
from scalplab.orders.properties import RunProperties
from scalplab.orders.results import build_result
from scalplab.orders.runs import ExtraFeed, PreparedRun, RunRequest, risk_settings
from scalplab.simulation.ephemeral import ephemeral_engine, signals
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.strategies.feeds import FeedRef
from scalplab.strategies.registry import get_registry
from scalplab.timeutil import from_ms

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveRunRequest:
    """What to paper-trade live: pair, strategy, timeframe, params, risk, candle count,
    and the run's properties (its economics)."""

    pair: str
    strategy: str
    timeframe: str
    candles: int
    params: Mapping[str, object]
    risk: Mapping[str, object]
    breakers: bool = True
    properties: RunProperties = field(default_factory=RunProperties)


def run_live_simulation(request: LiveRunRequest, settings: Settings) -> dict[str, object]:
    """Trade `request` on the live feed through an ephemeral engine; the result."""
    settings = request.properties.applied(settings)
    registry = get_registry(settings.plugin_dir)
    info = registry.get(request.strategy)
    params = info.resolve(dict(request.params))
    pair = normalize_symbol(request.pair)
    timeframe_ms(request.timeframe)
    feed = FeedSpec(kind="live", candles=request.candles)
    risk = risk_settings(settings, request.risk, request.breakers)
    spec = PairSpec(pair, info.name, request.timeframe, dict(params))
    with ephemeral_engine(settings, registry, spec, risk, "scalplab-live-") as (engine, sim):
        engine.start(feed)
        engine.wait()
        status = engine.status()
        source = engine.lifecycle.source
        assert isinstance(source, LiveSource)
        if status.error:
            if source.applied == 0:
                raise TemporaryError(status.error)
            raise StrategyError(status.error)
        keys = [(pair, request.timeframe)] + [ref.resolve(pair) for ref in info.feeds]
        _store_minutes(source, settings.data_dir, {symbol for symbol, _ in keys})
        played = _played(source, pair, request.timeframe)
        if not played:
            raise DataError(f"the live feed of {pair} ended before any candle was played")
        step = timeframe_ms(request.timeframe)
        start_ms, end_ms = played[0].open_ms, played[-1].open_ms + step
        last_minute = source.last_minute_ms
        if last_minute is not None:
            end_ms = min(end_ms, last_minute + 60_000)
        run_request = RunRequest(
            pair, info.name, request.timeframe, from_ms(start_ms), from_ms(end_ms),
            dict(params), dict(request.risk), request.breakers,
        )  # fmt: skip
        rules, rules_source = symbol_rules_for(pair, settings.data_dir)
        book = engine.account.model.book(next(iter(engine.account.pairs)))
        run = PreparedRun(
            run_request, pair, info, params, _frame(played),
            [_extra(ref, pair, source) for ref in info.feeds],
            book.funding, rules, rules_source, risk, start_ms, end_ms,
            external=next(iter(engine.lifecycle.runners.values())).external,
        )  # fmt: skip
        result = build_result(
            run, engine.account.model, signals(engine), sim, sim.simulation_initial_capital
        )
        health = source.health()
    result["mode"] = "simulation"
    result["feed"] = "live"
    result["candles"] = request.candles
    result["warmup_bars"] = len(source.history(pair, request.timeframe))
    result["live"] = {
        "reconnects": health.reconnects,
        "backfilled": health.backfilled,
        "duplicates": health.duplicates,
        "unfilled": health.unfilled,
        "bad_messages": health.bad_messages,
    }
    return result


def _played(source: LiveSource, symbol: str, timeframe: str) -> list[Bar]:
    """The bars of `timeframe` the run traded: from the bucket of the first live 1m."""
    first = source.first_live_open_ms(symbol, timeframe)
    minutes = [
        Bar(k.open_time, k.open, k.high, k.low, k.close, k.volume) for k in source.minutes(symbol)
    ]
    last = source.last_minute_ms
    if last is not None:
        minutes = [m for m in minutes if m.open_ms <= last]
    return [
        b for b in bars_from_minutes(minutes, timeframe) if first is not None and b.open_ms >= first
    ]


def _frame(bars: list[Bar]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open_time": [b.open_ms for b in bars],
            "open": [b.open for b in bars],
            "high": [b.high for b in bars],
            "low": [b.low for b in bars],
            "close": [b.close for b in bars],
            "volume": [b.volume for b in bars],
        }
    )


def _extra(ref: FeedRef, pair: str, source: LiveSource) -> ExtraFeed:
    symbol, timeframe = ref.resolve(pair)
    return ExtraFeed(ref, symbol, timeframe, _frame(_played(source, symbol, timeframe)), 0)


def _store_minutes(source: LiveSource, data_dir: Path, symbols: set[str]) -> None:
    """Merge the played 1m candles into the candle store (a conflict is logged, not fatal:
    the run's result stands on the candles it played)."""
    store = CandleStore(data_dir, EXCHANGE)
    for symbol in sorted(symbols):
        minutes = source.minutes(symbol)
        if not minutes:
            continue
        try:
            store.merge(symbol, "1m", kline_frame(minutes))
        except (DataError, OSError) as exc:
            log.warning("the live candles of %s were not stored: %s", symbol, exc)
