"""Schemas of `/backtests`: the run request, job state, list rows and the full result."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scalplab.api.schemas.common import (
    REASON_CODE_HELP,
    REASON_PARAMS_HELP,
    ParamValue,
    RequestModel,
    UtcDateTime,
)
from scalplab.api.schemas.properties import RunPropertiesCreate
from scalplab.api.schemas.risk import (
    EFFECT_HELP,
    SCOPE_HELP,
    UNTIL_HELP,
    BreakerEffect,
    RiskOverrides,
    RiskUsedPublic,
)
from scalplab.orders.gates import GateName, GateOp
from scalplab.orders.models import SignalFate
from scalplab.strategies.breakers import Scope

BacktestStatus = Literal["queued", "running", "done", "failed"]


class BacktestCreate(RequestModel):
    """POST body. Dates are UTC; `end` is exclusive; the range is 1 to 30 days.

    `risk` overrides the environment's risk settings for this run; `breakers: false`
    turns every circuit breaker off (`min_rr` still applies); `allow_partial` runs on
    the part of the range the stored candles cover instead of refusing the request;
    `degraded` runs a strategy whose declared market data the store lacks with its
    declared fallbacks (recorded in the result's `degraded`) instead of refusing;
    `properties` overrides the environment's economics for this run (recorded in the
    result's `settings`).
    """

    pair: str = Field(min_length=1, max_length=32, examples=["BTCUSDT"])
    strategy: str = Field(min_length=1, max_length=64, examples=["smc"])
    timeframe: str = Field(min_length=1, max_length=8, examples=["15m"])
    start: UtcDateTime = Field(examples=["2025-06-17"])
    end: UtcDateTime = Field(examples=["2025-06-24"])
    params: dict[str, ParamValue] = Field(default_factory=dict)
    risk: RiskOverrides | None = Field(None, description="risk settings to change for this run")
    breakers: bool = Field(True, description="false: every circuit breaker off (research)")
    allow_partial: bool = Field(False, description="run on the stored part of the range")
    degraded: bool = Field(
        False, description="run with the declared fallbacks when market data is missing"
    )
    properties: RunPropertiesCreate | None = Field(
        None,
        description="economics to change for this run (capital, risk %, leverage, fees, "
        "slippage, funding model); the ones not given keep the environment's",
    )


class BacktestQueued(BaseModel):
    """Answer to POST: the new job's id; poll `GET /backtests/{id}`."""

    id: str
    status: BacktestStatus


class KeyMetrics(BaseModel):
    """The metrics shown in the list (the full set is in the result)."""

    trades: int | None
    win_rate: float | None
    net_pnl: float | None
    return_pct: float | None
    max_drawdown_pct: float | None
    profit_factor: float | None
    sharpe: float | None = Field(None, description="null in rows indexed before it was kept")


class DegradedCodePublic(BaseModel):
    """One degraded-mode substitution as a code and its params (`degraded_codes[i]` says
    `degraded[i]`): `kline_flow`, `kline_flow_missing`, `funding_last_rate`,
    `funding_missing`, `metrics_open_interest`, `metrics_missing`, `missing`; params
    `data` (the declared data), `days` (the line's words for them), `first` and `last` (UTC
    days) and `count` (days)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    params: dict[str, float | str] = Field(default_factory=dict)


class BacktestSummaryPublic(BaseModel):
    """One row of the backtest list; `degraded` is empty unless the run was degraded;
    `created_at` is when it was run; `notes` and `tags` are the user's labels."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: BacktestStatus
    progress: float
    error: str | None
    pair: str
    strategy: str
    strategy_version: str | None
    timeframe: str
    start: UtcDateTime
    end: UtcDateTime
    params: dict[str, Any]
    created_at: UtcDateTime
    finished_at: UtcDateTime | None
    metrics: KeyMetrics | None
    result_hash: str | None
    degraded: list[str] = Field(
        description="degraded mode: each declared market data the run substituted or lacked, "
        "and for which days (empty: not a degraded run, or indexed before this was recorded)"
    )
    degraded_codes: list[DegradedCodePublic] = Field(
        default_factory=list,
        description="`degraded` as codes, one per line in the same order (empty: none, or "
        "indexed before codes were recorded)",
    )
    notes: str = Field("", description="the user's notes on the run")
    tags: list[str] = Field(default_factory=list, description="the user's tags of the run")

    @field_validator("degraded", mode="before")
    @classmethod
    def _no_degraded_is_empty(cls, value: object) -> object:
        """A row without a recorded `degraded` (NULL) reads as not degraded."""
        return [] if value is None else value


class BacktestUpdate(RequestModel):
    """PATCH body: the user's labels of a run; a field left out is kept as it is.

    `notes`: at most 2,000 characters. `tags`: at most 10, each 1 to 32 letters, digits,
    `-`, `_` or `.`; a tag given twice (ignoring case) is kept once, in the order given."""

    notes: str | None = Field(None, examples=["fast=5 looks overfit"])
    tags: list[str] | None = Field(None, examples=[["baseline", "btc-trend"]])


class ComparedRunPublic(BaseModel):
    """One run of a comparison: its list row, every top-level number of its metrics, and
    its equity curve normalised to 100 at the start (≤ 1,000 points)."""

    model_config = ConfigDict(from_attributes=True)

    summary: BacktestSummaryPublic
    metrics: dict[str, float | int | None] = Field(
        description="the result's numeric metrics (null: not a finite number)"
    )
    equity: list[tuple[str, float]] = Field(
        description="[time, equity / first equity × 100]; empty without a usable curve"
    )


class TradePublic(BaseModel):
    """One closed trade (times ISO-8601 UTC)."""

    model_config = ConfigDict(extra="allow")

    side: Literal["long", "short"]
    entry_time: str
    exit_time: str
    entry_price: float
    exit_price: float
    qty: float
    exit_reason: str
    fees: float
    funding: float
    pnl: float


class BacktestSignalPublic(BaseModel):
    """One signal of a run and its fate (the pair and strategy are the run's).

    `score`, `tier`, `variant` and `breakdown` are the strategy's payload (None / empty
    when it set none, and in results stored before they were recorded). A `blocked`
    signal names its `breaker` and, as a paper-trading risk event does, the `scope`,
    `effect` and `until` of the breaker's hold (None for other fates, and in results
    stored before they were recorded)."""

    model_config = ConfigDict(extra="allow")

    time: str = Field(description="open time of the signal's bar (UTC)")
    side: Literal["long", "short"]
    entry: float
    stop_loss: float
    take_profit: float
    confidence: float
    reasons: list[str]
    status: SignalFate
    reason: str = ""
    reason_code: str | None = Field(None, description=REASON_CODE_HELP)
    reason_params: dict[str, float | str] = Field(
        default_factory=dict, description=REASON_PARAMS_HELP
    )
    breaker: str | None = None
    scope: Scope | None = Field(None, description=SCOPE_HELP)
    effect: BreakerEffect | None = Field(None, description=EFFECT_HELP)
    until: str | None = Field(None, description=UNTIL_HELP)
    qty: float = 0.0
    score: float | None = None
    tier: str | None = None
    variant: str | None = None
    breakdown: dict[str, float] = Field(default_factory=dict)


class MetricsPublic(BaseModel):
    """Every metric of a run (more may be added; unknown keys pass through)."""

    model_config = ConfigDict(extra="allow")

    trades: int
    win_rate: float | None = None
    net_pnl: float | None = None
    return_pct: float | None = None
    final_equity: float | None = None
    profit_factor: float | None = None
    expectancy: float | None = None
    sharpe: float | None = None
    sortino: float | None = None
    max_drawdown_pct: float | None = None
    exposure_pct: float | None = None
    avg_hold_minutes: float | None = None
    exits: dict[str, int] = Field(default_factory=dict)
    fees: float | None = None
    slippage: float | None = None
    funding: float | None = None
    signals_generated: int | None = None
    signals_accepted: int | None = None
    signals_rejected: int | None = None
    signals_blocked: int | None = None
    signals_dropped: int | None = None
    bars: int | None = None


class GateNotePublic(BaseModel):
    """A coded note: its English `text`, stable `code` and the numbers it quotes."""

    text: str
    code: str = Field(description="a `gateNote` code (see `scalplab.orders.gates`)")
    params: dict[str, float | str] = Field(default_factory=dict)


class GateCheckPublic(BaseModel):
    """One row of seed 002's go-live table (§12.3), computed for a result.

    Outcomes are counted per position (a take-profit ladder's legs are one position); R is
    a position's net P&L over its initial risk (quantity × |entry fill − the opening
    signal's stop|). `passed` is null for `info` rows (trades per day) and `unchecked`
    ones (paper trading, which a backtest cannot measure)."""

    name: GateName
    value: float | None = Field(description="null: not computable (or unbounded)")
    threshold: float | None = Field(description="the seed's number; null for info rows")
    op: GateOp = Field(description="passes when value op threshold; info / unchecked: no verdict")
    passed: bool | None
    note: str = Field(description="how the value was computed")
    code: str | None = Field(
        None,
        description="`note` as a stable code (`won_of`, `mean_r`, …; see "
        "`scalplab.orders.gates`); null in results stored before codes existed",
    )
    params: dict[str, float | str] = Field(
        default_factory=dict, description="the numbers `note` quotes, by name"
    )
    others: list[GateNotePublic] = Field(
        default_factory=list,
        description="`mean_of_windows_others`: the notes of the windows without a value, "
        "each coded (their texts joined by `; ` are `params.others`)",
    )


class PositionStatsPublic(BaseModel):
    """One position's analytics (a take-profit ladder's legs are one position).

    MAE / MFE are the most adverse / favourable excursion over the bars from the entry bar to
    the exit bar inclusive, as a non-negative % of the entry fill and in R; null when not
    measurable (no known stop for R, candles not covering the position)."""

    side: Literal["long", "short"]
    entry_time: str
    exit_time: str
    entry_price: float
    qty: float
    legs: int = Field(description="trade records of the position")
    pnl: float
    return_pct: float | None = Field(description="P&L / notional at entry, %")
    r: float | None = Field(description="P&L / initial risk; null without a known stop")
    duration_min: float
    mae_pct: float | None
    mfe_pct: float | None
    mae_r: float | None
    mfe_r: float | None
    reasons: list[str] = Field(description="reasons of the accepted signal that opened it")


class SideSplitPublic(BaseModel):
    """Positions of one side: count, wins, win rate %, net P&L, mean R (null: none)."""

    side: Literal["long", "short"]
    positions: int
    wins: int
    win_rate: float | None
    net_pnl: float
    avg_r: float | None


class PeriodReturnPublic(BaseModel):
    """One UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`): equity at its start and end."""

    period: str
    start_equity: float
    end_equity: float
    pnl: float
    return_pct: float | None


class HistogramBinPublic(BaseModel):
    """Positions whose net P&L is in `[low, high)` (the last bin closed)."""

    low: float
    high: float
    count: int


class AnalyticsPublic(BaseModel):
    """A run's trade analytics, computed from its candles when the result was built."""

    positions: list[PositionStatsPublic]
    sides: list[SideSplitPublic] = Field(description="long, then short")
    daily: list[PeriodReturnPublic]
    monthly: list[PeriodReturnPublic]
    underwater: list[tuple[str, float]] = Field(
        description="[time, drawdown % below the equity peak (≤ 0)], at most 1,000 points"
    )
    histogram: list[HistogramBinPublic] = Field(description="positions' net P&L bins")


class BacktestResultPublic(BaseModel):
    """The stored result of a run, as the runner produced it."""

    model_config = ConfigDict(extra="allow")

    id: str
    created_at: str
    pair: str
    strategy: str
    strategy_version: str
    timeframe: str
    start: str
    end: str
    params: dict[str, Any]
    feeds: list[str] = Field(default_factory=list, description="extra feeds, `SYMBOL:tf`")
    market_data: list[str] = Field(
        default_factory=list, description="market data the strategy declares (`aggTrades`, …)"
    )
    degraded: list[str] = Field(
        default_factory=list,
        description="degraded mode: each declared market data that was substituted or "
        "missing, and for which days (empty: the run had everything it declared)",
    )
    degraded_codes: list[DegradedCodePublic] = Field(
        default_factory=list,
        description="`degraded` as codes, one per line in the same order (empty in "
        "results stored before codes existed: then only the lines say it)",
    )
    external_layers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="external data layers the strategy scores → the providers each reads",
    )
    external_missing: list[str] = Field(
        default_factory=list,
        description="each declared external layer whose providers had no recorded snapshot "
        "for the whole run, with the reason (`layer (partly): …` when only some had none); "
        "per signal, its breakdown (`<layer>_missing`) and reasons say which were missing",
    )
    settings: dict[str, Any] = Field(default_factory=dict)
    risk: RiskUsedPublic | None = Field(None, description="risk settings the run used")
    symbol_rules: dict[str, Any] | None = None
    metrics: MetricsPublic
    gates: list[GateCheckPublic] | None = Field(
        None,
        description="seed 002's go-live gates (§12.3); computed on read for results stored "
        "before they existed, null when such a result lacks what they need",
    )
    analytics: AnalyticsPublic | None = Field(
        None,
        description="trade analytics (issue 13); null for results stored before they existed "
        "(they need the run's candles, which a stored result does not keep)",
    )
    rejected: dict[str, int] = Field(default_factory=dict, description="rejections by reason")
    blocked: dict[str, int] = Field(
        default_factory=dict, description="signals blocked, by circuit breaker"
    )
    trades: list[TradePublic]
    equity: list[tuple[str, float]] = Field(description="[time, equity] pairs")
    signals: list[BacktestSignalPublic] = Field(
        default_factory=list, description="every signal with its fate (the first 10,000)"
    )
    signals_truncated: bool = Field(False, description="the run had more signals than kept")
    result_hash: str | None = None


class BacktestPublic(BaseModel):
    """Job state of one backtest; `result` is set once it is done."""

    id: str
    status: BacktestStatus
    progress: float
    error: str | None
    result: BacktestResultPublic | None


class BacktestsDeleted(BaseModel):
    """Answer to `DELETE /backtests`."""

    deleted: int
