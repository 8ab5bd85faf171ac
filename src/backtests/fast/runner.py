"""`run_fast`: one trial of a prepared run through the compiled kernel instead of Cerebro.

The plugin's vector form gives every bar's signal at once; the levels are rounded to
the tick as the pipeline rounds them (`scalplab.backtests.fast.ticks`); the kernel
(`scalplab.backtests.fast.kernel`) replays the execution semantics and the risk gate;
the trades, equity curve and totals go through the same metrics code as a Backtrader
result. What the kernel does not simulate — extra feeds, market data, strategy-declared
breakers, a plugin without a vector form — is refused with `FastPathUnsupported`.

`simulate` is the same without a `PreparedRun`: candles, signals and a `FastSetup`
(the hand-computed execution scenarios drive it directly).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from scalplab.backtests.fast import fills, kernel
from scalplab.backtests.fast.curve import metric_points
from scalplab.backtests.fast.model import FastPathUnsupported, FastResult, FastTrade
from scalplab.backtests.fast.ticks import Grid, round_levels
from scalplab.config import Settings
from scalplab.data.symbols import SymbolRules
from scalplab.errors import InputError, StrategyError
from scalplab.orders.execution import ExecutionConfig
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.metrics import metrics_of
from scalplab.orders.risk import RiskSettings
from scalplab.orders.runs import PreparedRun
from scalplab.strategies.vector import CandleArrays, FloatArray, IntArray, VectorSignals
from scalplab.timeutil import iso_ms

COMPENSATED_SUM = sys.version_info >= (3, 12)
"""CPython's `sum()` of floats is Neumaier-compensated from 3.12 on (the ATR window)."""


@dataclass(frozen=True)
class FastSetup:
    """Everything a trial needs besides its bars and signals."""

    config: ExecutionConfig
    rules: SymbolRules
    funding: FundingSchedule
    risk: RiskSettings
    max_hold_bars: int = 0
    pair: str = ""
    strategy: str = ""

    @classmethod
    def of_run(cls, run: PreparedRun, settings: Settings) -> FastSetup:
        """The economics, symbol rules, funding and risk settings of a prepared run."""
        return cls(
            ExecutionConfig.from_settings(settings),
            run.rules,
            run.funding,
            run.risk,
            int(run.params.get("max_hold_bars", 0)),
            run.pair,
            run.info.name,
        )


def run_fast(
    run: PreparedRun, settings: Settings, candles: CandleArrays | None = None
) -> FastResult:
    """The trial `run` on the fast path (`candles`: the run's bars already as arrays, to
    skip converting them again in a sweep). `FastPathUnsupported` when the run needs
    something the kernel does not simulate; the same warm-up and signal errors as the
    Backtrader path otherwise."""
    cls = run.info.cls
    if run.extras:
        raise FastPathUnsupported(f"strategy {run.info.name!r} declares extra feeds")
    if run.info.market_data or run.market is not None:
        raise FastPathUnsupported(f"strategy {run.info.name!r} reads market data")
    if run.info.external_layers or run.external is not None:
        raise FastPathUnsupported(f"strategy {run.info.name!r} reads external data")
    if cls.breakers:
        raise FastPathUnsupported(f"strategy {run.info.name!r} declares its own breakers")
    if not cls.has_vector_form():
        raise FastPathUnsupported(f"strategy {run.info.name!r} has no vector form")
    bars = candles if candles is not None else CandleArrays.from_frame(run.candles)
    signals = cls.vector_signals(bars, run.params)
    if signals is None:
        raise FastPathUnsupported(f"strategy {run.info.name!r} has no vector form")
    if signals.warmup_bars > len(bars):
        raise InputError(
            f"strategy {run.info.name!r} needs {signals.warmup_bars} bars of warm-up with these "
            f"params but the range has only {len(bars)} {run.request.timeframe} bars: widen "
            "the range, use a shorter timeframe or shorter indicator periods"
        )
    return simulate(bars, signals, FastSetup.of_run(run, settings))


def simulate(candles: CandleArrays, signals: VectorSignals, setup: FastSetup) -> FastResult:
    """Run `signals` over `candles` with `setup` (see the module docstring)."""
    if len(signals) != len(candles):
        raise InputError(f"{len(signals)} signal slots for {len(candles)} bars")
    if len(candles) == 0:
        raise InputError("the fast path needs at least one bar")
    _check_signals(candles, signals, setup.strategy)
    tick = Grid.of(setup.rules.tick_size)
    chosen = np.flatnonzero(signals.side)
    stop_loss = np.full(len(candles), np.nan)
    take_profit = np.full(len(candles), np.nan)
    stop_loss[chosen] = round_levels(signals.stop_loss[chosen], tick)
    take_profit[chosen] = round_levels(signals.take_profit[chosen], tick)
    funding_ms, rates, recorded = _funding_instants(candles.open_time, setup.funding)
    trade_ints, trade_floats, count, equity, fates, totals, counters = kernel.simulate_book(
        candles.open_time,
        candles.open,
        candles.high,
        candles.low,
        candles.close,
        np.ascontiguousarray(signals.side, dtype=np.int8),
        np.ascontiguousarray(signals.entry, dtype=np.float64),
        stop_loss,
        take_profit,
        funding_ms,
        rates,
        recorded,
        _economics(setup.config),
        _sizing(setup.rules),
        _limits(setup.risk),
        _options(setup, signals),
    )
    if counters[kernel.COUNT_STEP_OVERFLOW]:
        raise FastPathUnsupported("a quantity has more steps than exact float arithmetic allows")
    trades = _trades(candles.open_time, trade_ints[:count], trade_floats[:count])
    return _result(candles, setup, trades, equity, fates, totals, counters)


def _check_signals(candles: CandleArrays, signals: VectorSignals, strategy: str) -> None:
    """What `Signal` refuses (a level that is not a positive finite number) fails the run,
    as the plugin's `generate_signal` would."""
    chosen = np.flatnonzero(signals.side)
    for name in ("entry", "stop_loss", "take_profit"):
        values = getattr(signals, name)[chosen]
        bad = ~np.isfinite(values) | (values <= 0)
        if bad.any():
            index = int(chosen[np.argmax(bad)])
            raise StrategyError(
                f"strategy {strategy!r} raised ValueError: signal {name} must be a positive "
                f"finite number, not {float(getattr(signals, name)[index])!r} on the bar "
                f"opened at {iso_ms(int(candles.open_time[index]))}"
            )


def _funding_instants(
    open_ms: IntArray, schedule: FundingSchedule
) -> tuple[IntArray, FloatArray, np.ndarray]:
    """The settlement instants after the first bar up to the last one, with their rates
    and whether each was recorded."""
    instants = list(FundingSchedule.instants_between(int(open_ms[0]), int(open_ms[-1])))
    return (
        np.array(instants, dtype=np.int64),
        np.array([schedule.rate_at(instant) for instant in instants], dtype=np.float64),
        np.array([schedule.recorded(instant) for instant in instants], dtype=np.bool_),
    )


def _economics(config: ExecutionConfig) -> FloatArray:
    costs = config.costs
    values = [0.0] * 7
    values[kernel.ECON_CAPITAL] = config.initial_capital
    values[kernel.ECON_RISK_PCT] = config.risk_per_trade_pct
    values[kernel.ECON_LEVERAGE] = config.max_leverage
    values[kernel.ECON_MAINT_PCT] = config.maint_margin_pct
    values[kernel.ECON_TAKER_PCT] = costs.taker_fee_pct
    values[kernel.ECON_MAKER_PCT] = costs.maker_fee_pct
    values[kernel.ECON_SLIPPAGE_PCT] = costs.slippage_pct
    return np.array(values, dtype=np.float64)


def _sizing(rules: SymbolRules) -> FloatArray:
    step = Grid.of(rules.step_size)
    largest = rules.max_position_qty
    values = [0.0] * 6
    values[fills.SIZE_STEP] = step.step
    values[fills.SIZE_UNITS] = float(step.units)
    values[fills.SIZE_DIVISOR] = step.divisor
    values[fills.SIZE_MIN_QTY] = float(rules.min_qty)
    values[fills.SIZE_MIN_NOTIONAL] = float(rules.min_notional)
    values[fills.SIZE_MAX_QTY] = math.inf if largest is None else float(largest)
    return np.array(values, dtype=np.float64)


def _limits(risk: RiskSettings) -> FloatArray:
    values = [0.0] * 3
    values[kernel.LIMIT_MIN_RR] = risk.min_rr
    values[kernel.LIMIT_DAILY_PCT] = risk.daily_loss_limit_pct
    values[kernel.LIMIT_VOLATILITY] = risk.extreme_volatility_atr_mult
    return np.array(values, dtype=np.float64)


def _options(setup: FastSetup, signals: VectorSignals) -> IntArray:
    risk = setup.risk
    values = [0] * kernel.OPTIONS
    values[kernel.OPT_MAX_HOLD] = setup.max_hold_bars
    values[kernel.OPT_QUIET] = int(signals.quiet_in_position)
    values[kernel.OPT_NEUMAIER] = int(COMPENSATED_SUM)
    values[kernel.OPT_MIN_RR] = int(risk.active("min_rr"))
    values[kernel.OPT_DAILY] = int(risk.active("daily_loss_limit"))
    values[kernel.OPT_STREAK] = int(risk.active("loss_streak"))
    values[kernel.OPT_STREAK_LIMIT] = risk.loss_streak_limit
    values[kernel.OPT_COOLDOWN_MS] = risk.loss_streak_cooldown_minutes * 60_000
    values[kernel.OPT_OVERTRADING] = int(risk.active("overtrading"))
    values[kernel.OPT_PER_HOUR] = risk.max_trades_per_hour
    values[kernel.OPT_VOLATILITY] = int(risk.active("extreme_volatility"))
    values[kernel.OPT_ATR_PERIOD] = risk.atr_period
    values[kernel.OPT_ATR_WINDOW] = risk.atr_average_window
    return np.array(values, dtype=np.int64)


def _trades(open_ms: IntArray, ints: IntArray, floats: FloatArray) -> list[FastTrade]:
    times = open_ms.tolist()
    return [
        FastTrade(
            side="long" if side > 0 else "short",
            entry_time_ms=times[entry_bar],
            exit_time_ms=times[exit_bar],
            entry_price=entry_price,
            exit_price=exit_price,
            qty=qty,
            exit_reason=fills.EXIT_REASONS[reason],  # type: ignore[arg-type]
            fees=fees,
            funding=funding,
            pnl=pnl,
            slippage=slippage,
            bars_held=exit_bar - entry_bar + 1,
        )
        for (side, entry_bar, exit_bar, reason), (
            entry_price,
            exit_price,
            qty,
            fees,
            funding,
            slippage,
            pnl,
        ) in zip(ints.tolist(), floats.tolist(), strict=True)
    ]


def _result(
    candles: CandleArrays,
    setup: FastSetup,
    trades: list[FastTrade],
    equity: FloatArray,
    fates: IntArray,
    totals: FloatArray,
    counters: IntArray,
) -> FastResult:
    by_fate: Counter[tuple[str, str]] = Counter()
    for (status, reason), count in zip(kernel.FATES, fates.tolist(), strict=True):
        by_fate[(status, reason)] += count
    statuses: Counter[str] = Counter()
    for (status, _), count in by_fate.items():
        statuses[status] += count
    initial = setup.config.initial_capital
    metrics = metrics_of(
        [trade.to_trade(setup.pair, setup.strategy) for trade in trades],
        _curve(candles.open_time, equity, initial),
        [],
        {
            "fees": float(totals[kernel.TOTAL_FEES]),
            "slippage": float(totals[kernel.TOTAL_SLIPPAGE]),
            "funding": float(totals[kernel.TOTAL_FUNDING]),
            "bars": len(candles),
            "bars_in_market": int(counters[kernel.COUNT_IN_MARKET]),
            "funding_default_instants": int(counters[kernel.COUNT_DEFAULT_FUNDING]),
        },
        initial,
        float(totals[kernel.TOTAL_CASH]),
    )
    metrics = replace(
        metrics,
        signals_generated=sum(statuses.values()),
        signals_accepted=statuses["accepted"],
        signals_rejected=statuses["rejected"],
        signals_blocked=statuses["blocked"],
        signals_dropped=statuses["dropped"],
    )
    return FastResult(
        trades=trades,
        metrics=metrics,
        rejected=_by_reason(by_fate, "rejected"),
        blocked=_by_reason(by_fate, "blocked"),
        equity=equity,
        pair=setup.pair,
        strategy=setup.strategy,
    )


def _curve(open_ms: IntArray, equity: FloatArray, initial: float) -> list[tuple[int, float]]:
    """The equity curve's points the metrics read (`scalplab.backtests.fast.curve`)."""
    points = metric_points(open_ms, equity, initial)
    return list(zip(open_ms[points].tolist(), equity[points].tolist(), strict=True))


def _by_reason(by_fate: Counter[tuple[str, str]], status: str) -> dict[str, int]:
    counts = {reason: n for (kind, reason), n in by_fate.items() if kind == status and n > 0}
    return dict(sorted(counts.items()))
