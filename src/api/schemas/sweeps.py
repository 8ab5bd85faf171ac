"""Schemas of `/sweeps`: the sweep request, job state, summary and stored trials.

The summary and the trials are the JSON the sweep library stores
(`scalplab.backtests.sweeps.summary`, `report.trial_json`), typed field by field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from scalplab.api.schemas.backtests import GateCheckPublic
from scalplab.api.schemas.common import ParamValue, RequestModel, UtcDateTime
from scalplab.api.schemas.properties import RunPropertiesCreate
from scalplab.api.schemas.risk import RiskOverrides, RiskValue
from scalplab.backtests.sweeps.engines import MAX_WORKERS
from scalplab.backtests.sweeps.planning import MAX_VERIFY
from scalplab.backtests.sweeps.records import EngineName, Sampler, TaskKind, TrialPath
from scalplab.backtests.sweeps.space import MAX_GRID_POINTS

SweepStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
"""A sweep's job state; a failed, cancelled or interrupted sweep can resume."""
Objective = Literal[
    "sharpe",
    "sortino",
    "net_pnl",
    "return_pct",
    "profit_factor",
    "win_rate",
    "expectancy",
    "max_drawdown_pct",
]
"""What trials are ranked by (`max_drawdown_pct`: lower is better, the others higher)."""
MAX_AXES = 32
"""Most swept params in one request."""
MAX_SEED = 2**31 - 1
GridAxis = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
"""One swept param: `NAME=START:STOP:STEP` (both ends included) or `NAME=V1,V2,…`."""


class SweepCreate(RequestModel):
    """POST body. Dates are UTC; `end` is exclusive. The base run takes the fields of a
    backtest; `grid` says which params vary and over which values (each checked against
    the plugin's metadata), the others keep `params` or their defaults."""

    pair: str = Field(min_length=1, max_length=32, examples=["BTCUSDT"])
    strategy: str = Field(min_length=1, max_length=64, examples=["sma_cross"])
    timeframe: str = Field(min_length=1, max_length=8, examples=["15m"])
    start: UtcDateTime = Field(examples=["2025-06-17"])
    end: UtcDateTime = Field(examples=["2025-06-24"])
    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="fixed params (a param is fixed or swept, not both)"
    )
    risk: RiskOverrides = Field(
        default_factory=RiskOverrides, description="risk settings to change for every trial"
    )
    breakers: bool = Field(True, description="false: every circuit breaker off (research)")
    properties: RunPropertiesCreate | None = Field(
        None,
        description="economics to change for every trial (capital, risk %, leverage, fees, "
        "slippage, funding model); the ones not given keep the environment's",
    )
    grid: list[GridAxis] = Field(
        min_length=1,
        max_length=MAX_AXES,
        description="swept params: NAME=START:STOP:STEP (both ends included) or NAME=V1,V2",
        examples=[["fast=5:50:5", "allow_short=true,false"]],
    )
    sampler: Sampler = Field(
        "grid", description="grid: every point; random or tpe: `trials` points per window"
    )
    trials: int | None = Field(
        None,
        ge=1,
        le=MAX_GRID_POINTS,
        description="trials per window (random and tpe; at most the grid's points)",
    )
    objective: Objective = Field("sharpe", description="what trials are ranked by")
    walk_forward: str | None = Field(
        None,
        min_length=1,
        max_length=32,
        description="rolling TRAIN/TEST windows (units d, h, m)",
        examples=["60d/30d"],
    )
    engine: EngineName = Field("local", description="local worker processes, or a Ray cluster")
    workers: int = Field(2, ge=1, le=MAX_WORKERS, description="worker processes")
    seed: int = Field(42, ge=0, le=MAX_SEED, description="sampler seed")
    verify_top: int = Field(
        10, ge=0, le=MAX_VERIFY, description="best fast-path trials re-run through Backtrader"
    )
    verify_sample: int = Field(
        5,
        ge=0,
        le=MAX_VERIFY,
        description="other fast-path trials re-run through Backtrader, drawn at random",
    )
    fast_path: bool = Field(
        True,
        description="screen on the compiled fast path when the plugin has a vector form "
        "(false: every trial through Backtrader)",
    )


class SweepRequestPublic(BaseModel):
    """What a sweep was asked beyond its pair, strategy, timeframe and range."""

    grid: list[str]
    sampler: Sampler
    trials: int | None
    objective: Objective
    walk_forward: str | None = Field(description="TRAIN/TEST, e.g. 60d/30d; null: one window")
    engine: EngineName
    workers: int
    seed: int
    verify_top: int
    verify_sample: int
    fast_path: bool
    params: dict[str, ParamValue]
    risk: dict[str, RiskValue]
    breakers: bool
    properties: RunPropertiesCreate = Field(
        description="the economics changed for every trial (those not set: the environment's)"
    )


class TrialScorePublic(BaseModel):
    """The metrics a trial is ranked and shown by."""

    trades: int
    win_rate: float
    net_pnl: float
    return_pct: float
    max_drawdown_pct: float
    profit_factor: float | None
    sharpe: float | None
    sortino: float | None
    expectancy: float
    fees: float
    funding: float
    final_equity: float


class VerificationFailurePublic(BaseModel):
    """A screened trial whose Backtrader re-run differs from its fast result (or failed)."""

    number: int
    params: dict[str, ParamValue]
    error: str | None
    difference: str | None = Field(description="the first difference found")
    trades_fast: int | None
    trades_backtrader: int | None


class VerificationSummaryPublic(BaseModel):
    """The fast path checked against Backtrader: any difference makes the sweep not valid."""

    checked: int
    failed: int
    ok: bool
    failures: list[VerificationFailurePublic] = Field(description="the first five")


class SweepWorkerPublic(BaseModel):
    """A worker that ran trials, with its peak resident memory."""

    worker: str = Field(description="host:pid")
    peak_rss_mb: float


class BestTrialPublic(BaseModel):
    """The best screened trial of a window."""

    number: int
    params: dict[str, ParamValue]
    objective: float | None
    score: TrialScorePublic | None
    path: TrialPath


class WindowTestPublic(BaseModel):
    """The run of a window's best params on its test range."""

    score: TrialScorePublic | None
    objective: float | None
    error: str | None


class WalkForwardWindowPublic(BaseModel):
    """One walk-forward window: where it trained and tested, the best params, the test."""

    index: int
    train_start: UtcDateTime
    train_end: UtcDateTime
    test_start: UtcDateTime | None
    test_end: UtcDateTime | None
    best: BestTrialPublic | None
    test: WindowTestPublic | None


class OutOfSamplePublic(BaseModel):
    """The test runs chained into one account (`equity`: at most 500 [time, equity] points)."""

    equity: list[tuple[str, float]]
    trades: int
    net_pnl: float
    return_pct: float
    win_rate: float
    profit_factor: float | None
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    fees: float
    funding: float
    start: UtcDateTime | None
    end: UtcDateTime | None


class InSamplePublic(BaseModel):
    """The mean of the windows' best in-sample scores (a field none of them has is null)."""

    trades: float | None = None
    win_rate: float | None = None
    net_pnl: float | None = None
    return_pct: float | None = None
    max_drawdown_pct: float | None = None
    sharpe: float | None = None


class ParamStabilityPublic(BaseModel):
    """How one swept param's chosen value moved across windows (`cv` 0: never moved)."""

    name: str
    values: list[ParamValue]
    distinct: int
    mean: float | None
    stdev: float | None
    cv: float | None


class WalkForwardGatesPublic(BaseModel):
    """Seed 002's go-live gates (§12.3) out of sample and in sample."""

    out_of_sample: list[GateCheckPublic] = Field(
        description="the stitched test runs: their positions, drawdown and Sharpe"
    )
    in_sample: list[GateCheckPublic] = Field(
        description="each window's best params re-run on its train range, the mean of the "
        "windows (empty when none of those runs succeeded)"
    )


class WalkForwardPublic(BaseModel):
    """A walk-forward's windows, out-of-sample and in-sample results, go-live gates and
    stability."""

    train_test: str | None
    windows: list[WalkForwardWindowPublic]
    out_of_sample: OutOfSamplePublic
    in_sample: InSamplePublic | None
    efficiency: float | None = Field(description="out-of-sample return per day / in-sample")
    stability: list[ParamStabilityPublic]
    gates: WalkForwardGatesPublic | None = Field(
        None, description="go-live gates (null in sweeps stored before they existed)"
    )


class SweepSummaryPublic(BaseModel):
    """The result of a finished sweep: `best` for a single window, `walk_forward` else."""

    objective: Objective
    maximize: bool
    space: list[str] = Field(description="the swept axes as NAME=V1,V2,…")
    trials: int
    trials_failed: int
    path: Literal["fast", "backtrader", "mixed"] | None
    verification: VerificationSummaryPublic
    valid: bool = Field(description="false: the fast path differed from Backtrader")
    warmup_bars: int
    workers: list[SweepWorkerPublic]
    elapsed_s: float
    best: BestTrialPublic | None = None
    walk_forward: WalkForwardPublic | None = None


class SweepPublic(BaseModel):
    """A sweep: request, job state (progress, estimated seconds left) and summary once done."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: SweepStatus
    pair: str
    strategy: str
    strategy_version: str | None
    timeframe: str
    start: UtcDateTime
    end: UtcDateTime
    objective: Objective
    sampler: Sampler
    engine: EngineName
    request: SweepRequestPublic
    progress: float = Field(description="tasks done / tasks planned, 0 to 1")
    tasks_done: int
    tasks_total: int
    created_at: UtcDateTime
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None
    eta_seconds: float | None = Field(
        description="seconds left at the pace so far; null until a task is done or once ended"
    )
    error: str | None
    summary: SweepSummaryPublic | None


class TrialVerificationPublic(BaseModel):
    """A verification task: whether the fast path and Backtrader agree."""

    ok: bool
    trades_fast: int
    trades_backtrader: int
    net_pnl_rel_diff: float
    first_difference: str | None


class SweepTrialPublic(BaseModel):
    """One stored task: a screened trial, its Backtrader verification, or a window's test."""

    window: int
    kind: TaskKind
    number: int
    params: dict[str, ParamValue]
    status: Literal["done", "failed"]
    path: TrialPath
    objective: float | None
    score: TrialScorePublic | None
    error: str | None
    duration_ms: float
    verification: TrialVerificationPublic | None
    worker: str | None = Field(description="host:pid")
