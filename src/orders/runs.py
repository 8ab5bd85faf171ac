"""A run of one strategy on one pair over stored candles: what to run and what it loads.

Backtests (`scalplab.backtests`) and replays through paper trading
(`scalplab.simulation`) share this: the same request, the same validation, the same
bars, extra feeds, funding, symbol rules, risk settings and properties (the run's
economics: `scalplab.orders.properties`) — and, for a plugin that
declares `external_layers`, the recorded snapshots of its providers over the range (loaded
once per run: `snapshot_readings`) — so the two can be compared bar for bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.coverage import require_full, stored_coverage
from scalplab.data.exchange import EXCHANGE
from scalplab.data.features import FeatureRequest, FeatureTable, check_market_data, load_features
from scalplab.data.providers.asof import RunReadings, snapshot_readings
from scalplab.data.rules import symbol_rules_for
from scalplab.data.symbols import SymbolRules, normalize_symbol
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NoDataError
from scalplab.orders.funding import FundingSchedule, funding_schedule
from scalplab.orders.properties import RunProperties
from scalplab.orders.risk import RiskSettings
from scalplab.strategies.feeds import FeedRef, stamp_offset_ms
from scalplab.strategies.registry import Registry, StrategyInfo, get_registry
from scalplab.timeutil import iso_ms, to_ms


@dataclass(frozen=True)
class RunRequest:
    """What to run: `[start, end)` in UTC, params by name (validated against the plugin).

    `risk` overrides the environment's risk settings for this run (fields of
    `RiskSettings`); `breakers=False` is the research switch that turns every circuit
    breaker off (`min_rr` stays); `allow_partial` runs on the part of the range the
    store covers instead of refusing a range it covers only in part; `degraded` runs a
    plugin whose declared market data the store lacks with the declared fallbacks
    (DECISIONS.md §6) instead of refusing, and records what was substituted.
    `properties` overrides the environment's economics (capital, risk per trade,
    leverage, fees, slippage, funding model) for this run.
    """

    pair: str
    strategy: str
    timeframe: str
    start: datetime
    end: datetime
    params: Mapping[str, object] = field(default_factory=dict)
    risk: Mapping[str, object] = field(default_factory=dict)
    breakers: bool = True
    allow_partial: bool = False
    degraded: bool = False
    properties: RunProperties = field(default_factory=RunProperties)


@dataclass(frozen=True)
class ExtraFeed:
    """A declared extra feed, loaded: its bars and their alignment to the run's bars."""

    ref: FeedRef
    symbol: str
    timeframe: str
    candles: pd.DataFrame
    stamp_offset_ms: int

    @property
    def name(self) -> str:
        """`SYMBOL:tf`."""
        return f"{self.symbol}:{self.timeframe}"


@dataclass
class PreparedRun:
    """Everything a run needs, loaded and validated before any strategy code runs."""

    request: RunRequest
    pair: str
    info: StrategyInfo
    params: dict[str, int | float | bool | str]
    candles: pd.DataFrame
    extras: list[ExtraFeed]
    funding: FundingSchedule
    rules: SymbolRules
    rules_source: str
    risk: RiskSettings
    start_ms: int
    """Start of the range played: the request's, or where the stored data begins when a
    partial run was allowed."""
    end_ms: int
    """End (exclusive) of the range played."""
    market: FeatureTable | None = None
    """The per-bar market features of a plugin that declares `market_data`."""
    external: RunReadings | None = None
    """The provider readings of a plugin that declares `external_layers`."""

    @property
    def partial(self) -> bool:
        """Whether the run plays less than the requested range."""
        return self.start_ms > to_ms(self.request.start) or self.end_ms < to_ms(self.request.end)

    @property
    def first_open_ms(self) -> int:
        """Open time of the first bar played."""
        return int(self.candles["open_time"].iloc[0])

    @property
    def last_open_ms(self) -> int:
        """Open time of the last bar played."""
        return int(self.candles["open_time"].iloc[-1])


def run_settings(settings: Settings, request: RunRequest) -> Settings:
    """The settings a run uses: the environment's with the request's properties."""
    return request.properties.applied(settings)


def run_risk(settings: Settings, request: RunRequest) -> RiskSettings:
    """The run's risk settings: the environment's, the request's overrides, the switch."""
    return risk_settings(settings, request.risk, request.breakers)


def risk_settings(
    settings: Settings, overrides: Mapping[str, object], breakers: bool
) -> RiskSettings:
    """The environment's risk settings with `overrides`; every breaker off unless
    `breakers` (the research switch)."""
    risk = RiskSettings.from_settings(settings)
    if overrides:
        risk = risk.updated(dict(overrides))
    return risk if breakers else risk.without_breakers()


def prepare_run(
    request: RunRequest, settings: Settings, registry: Registry | None = None
) -> PreparedRun:
    """Validate the request and load candles, extra feeds, funding and symbol rules."""
    pair = normalize_symbol(request.pair)
    timeframe_ms(request.timeframe)
    start_ms, end_ms = to_ms(request.start), to_ms(request.end)
    if start_ms >= end_ms:
        raise InputError(f"start {iso_ms(start_ms)} must be before end {iso_ms(end_ms)}")
    info = (registry or get_registry(settings.plugin_dir)).get(request.strategy)
    params = info.resolve(dict(request.params))
    risk = run_risk(settings, request)
    store = CandleStore(settings.data_dir, EXCHANGE)
    coverage = require_full(
        stored_coverage(store, pair, request.timeframe, start_ms, end_ms), request.allow_partial
    )
    start_ms, end_ms = coverage.covered_start_ms, coverage.covered_end_ms
    wanted = market_request(request, info, params, start_ms, end_ms)
    if wanted is not None:
        check_market_data(settings.data_dir, wanted)  # refuses before anything is loaded
    candles = store.read(pair, request.timeframe, start_ms, end_ms, checked=True)
    extras = [
        _extra(store, info, ref, pair, request.timeframe, start_ms, end_ms) for ref in info.feeds
    ]
    economics = run_settings(settings, request)
    funding = funding_schedule(
        settings.data_dir, pair, economics.funding_model, economics.default_funding_rate
    )
    rules, rules_source = symbol_rules_for(pair, settings.data_dir)
    market = None
    if wanted is not None:
        opens = candles["open_time"].to_numpy()
        market = load_features(settings.data_dir, wanted, opens, candles)
    external = None
    if info.external_layers:
        step = timeframe_ms(request.timeframe)
        providers = info.external_providers
        external = snapshot_readings(settings.data_dir, providers, start_ms, end_ms, step)
    return PreparedRun(
        request,
        pair,
        info,
        params,
        candles,
        extras,
        funding,
        rules,
        rules_source,
        risk,
        start_ms,
        end_ms,
        market,
        external,
    )


def market_request(
    request: RunRequest,
    info: StrategyInfo,
    params: dict[str, int | float | bool | str],
    start_ms: int,
    end_ms: int,
) -> FeatureRequest | None:
    """What market data the run's plugin declares, for its range (None: nothing)."""
    if not info.market_data:
        return None
    return FeatureRequest(
        strategy=info.name,
        symbol=normalize_symbol(request.pair),
        timeframe=request.timeframe,
        declared=info.market_data,
        start_ms=start_ms,
        end_ms=end_ms,
        params=info.market_params(params),
        degraded=request.degraded,
    )


def _extra(
    store: CandleStore,
    info: StrategyInfo,
    ref: FeedRef,
    pair: str,
    base_timeframe: str,
    start_ms: int,
    end_ms: int,
) -> ExtraFeed:
    symbol, timeframe = ref.resolve(pair)
    try:
        frame = store.read(symbol, timeframe, start_ms, end_ms, checked=True)
    except NoDataError:
        raise NoDataError(
            f"strategy {info.name!r} declares feed {symbol}:{timeframe}, which has no stored "
            f"candles in {iso_ms(start_ms)} → {iso_ms(end_ms)}: import or download "
            f"{symbol} first"
        ) from None
    return ExtraFeed(ref, symbol, timeframe, frame, stamp_offset_ms(timeframe, base_timeframe))
