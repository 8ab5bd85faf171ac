"""The backtest runner: stored candles → Cerebro → the execution model → a result dict.

One run = one pair, one strategy, one timeframe, `[start, end)` in UTC. The
strategy runs in Backtrader on a lean array feed (`stdstats=False`; the
execution model keeps the books), so the platform is at least as fast as a
default Cerebro while applying the futures execution semantics exactly.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

from scalplab.backtests.metrics import compute_metrics, rejections_by_reason
from scalplab.config import Settings
from scalplab.data.candles import CandleStore
from scalplab.data.feeds import CandleArrayFeed
from scalplab.data.funding import FundingStore
from scalplab.data.samples import EXCHANGE_INFO_NAME, default_samples_dir
from scalplab.data.symbols import RulesStore, SymbolRules, normalize_symbol, parse_exchange_info
from scalplab.data.timeframes import timeframe_ms
from scalplab.errors import InputError, NotFoundError, ScalpLabError, StrategyError
from scalplab.orders.costs import CostModel
from scalplab.orders.execution import ExecutionConfig, ExecutionModel
from scalplab.orders.funding import FundingSchedule
from scalplab.orders.models import SignalRecord, Trade
from scalplab.strategies.registry import Registry, StrategyInfo, get_registry
from scalplab.timeutil import iso_ms, to_ms

EXCHANGE = "binance"
# Used only for a symbol with no cached exchange rules; the result says so.
FALLBACK_RULES = SymbolRules(
    symbol="",
    tick_size=Decimal("0.0001"),
    step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    min_notional=Decimal("5"),
    price_precision=4,
    quantity_precision=3,
)
MAX_SIGNALS_KEPT = 10_000


@dataclass(frozen=True)
class BacktestRequest:
    """What to run: `[start, end)` in UTC, params by name (validated against the plugin)."""

    pair: str
    strategy: str
    timeframe: str
    start: datetime
    end: datetime
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineMode:
    """Backtrader engine switches; results must not depend on them."""

    runonce: bool = True
    preload: bool = True


@dataclass
class PreparedRun:
    """Everything a run needs, loaded and validated before Cerebro starts."""

    request: BacktestRequest
    pair: str
    info: StrategyInfo
    params: dict[str, int | float | bool | str]
    candles: pd.DataFrame
    funding: FundingSchedule
    rules: SymbolRules
    rules_source: str


@lru_cache(maxsize=1)
def _bundled_rules() -> dict[str, SymbolRules]:
    path = default_samples_dir() / "rest" / EXCHANGE_INFO_NAME
    try:
        return parse_exchange_info(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ScalpLabError):
        return {}


def symbol_rules_for(pair: str, settings: Settings) -> tuple[SymbolRules, str]:
    """Rules of `pair` and where they came from.

    The store's exchangeInfo cache first (`scalplab data rules`), then the
    recorded 2021 exchangeInfo bundled with the sample, then `FALLBACK_RULES`;
    the result's `symbol_rules.source` says which.
    """
    try:
        return RulesStore(settings.data_dir, EXCHANGE).get(pair), "exchange_info"
    except NotFoundError:
        pass
    bundled = _bundled_rules().get(pair)
    if bundled is not None:
        return bundled, "bundled_exchange_info_2021"
    return replace(FALLBACK_RULES, symbol=pair), "fallback"


def prepare(
    request: BacktestRequest, settings: Settings, registry: Registry | None = None
) -> PreparedRun:
    """Validate the request and load candles, funding and symbol rules."""
    pair = normalize_symbol(request.pair)
    timeframe_ms(request.timeframe)
    start_ms, end_ms = to_ms(request.start), to_ms(request.end)
    if start_ms >= end_ms:
        raise InputError(f"start {iso_ms(start_ms)} must be before end {iso_ms(end_ms)}")
    info = (registry or get_registry(settings.plugin_dir)).get(request.strategy)
    params = info.resolve(dict(request.params))
    candles = CandleStore(settings.data_dir, EXCHANGE).read(
        pair, request.timeframe, start_ms, end_ms, checked=True
    )
    funding_rows = FundingStore(settings.data_dir, EXCHANGE).read(pair)
    funding = FundingSchedule(
        zip(
            funding_rows["funding_time"].to_numpy(dtype=np.int64).tolist(),
            funding_rows["funding_rate"].to_numpy(dtype=np.float64).tolist(),
            strict=True,
        ),
        settings.default_funding_rate,
    )
    rules, rules_source = symbol_rules_for(pair, settings)
    return PreparedRun(request, pair, info, params, candles, funding, rules, rules_source)


def execution_config(settings: Settings) -> ExecutionConfig:
    """The execution model's economics from the settings."""
    return ExecutionConfig(
        initial_capital=settings.initial_capital,
        risk_per_trade_pct=settings.risk_per_trade_pct,
        max_leverage=settings.max_leverage,
        min_rr=settings.min_rr,
        maint_margin_pct=settings.maint_margin_pct,
        costs=CostModel(
            taker_fee_pct=settings.taker_fee_pct,
            maker_fee_pct=settings.maker_fee_pct,
            slippage_pct=settings.slippage_pct,
        ),
    )


def execute(
    run: PreparedRun,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    mode: EngineMode = EngineMode(),
) -> ExecutionModel:
    """Run the strategy through Cerebro; returns the execution model holding the books."""
    random.seed(settings.random_seed)
    np.random.seed(settings.random_seed)
    total = len(run.candles)
    model = ExecutionModel(
        execution_config(settings),
        progress=(lambda seen: progress(min(seen / total, 1.0))) if progress else None,
    )
    model.add_feed(
        run.pair,
        run.rules,
        run.funding,
        last_open_ms=int(run.candles["open_time"].iloc[-1]),
    )
    try:
        strategy = _run_cerebro(run, model, mode)
    except ScalpLabError:
        raise
    except Exception as exc:
        if mode.runonce:
            # Backtrader's vectorised pass breaks when the warm-up outruns the data;
            # the bar-by-bar pass does not, and tells the warm-up the strategy needs.
            _check_warmup(run, _warmup_bars(run, settings))
        raise StrategyError(
            f"strategy {run.info.name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    _check_warmup(run, int(strategy._minperiod))
    if progress is not None:
        progress(1.0)
    return model


def _run_cerebro(run: PreparedRun, model: ExecutionModel, mode: EngineMode) -> Any:
    cerebro = bt.Cerebro(
        stdstats=False, runonce=mode.runonce, preload=mode.preload, maxcpus=1, quicknotify=True
    )
    cerebro.adddata(CandleArrayFeed(run.candles), name=run.pair)
    cerebro.addstrategy(run.info.cls, executor=model, feed_name=run.pair, **run.params)
    [strategy] = cerebro.run()
    return strategy


def _warmup_bars(run: PreparedRun, settings: Settings) -> int:
    model = ExecutionModel(execution_config(settings))
    model.add_feed(run.pair, run.rules, run.funding)
    try:
        strategy = _run_cerebro(run, model, EngineMode(runonce=False, preload=True))
    except Exception:
        return 0
    return int(strategy._minperiod)


def _check_warmup(run: PreparedRun, warmup: int) -> None:
    """A range shorter than the strategy's warm-up can give no signal at all: say so."""
    bars = len(run.candles)
    if warmup > bars:
        raise InputError(
            f"strategy {run.info.name!r} needs {warmup} bars of warm-up with these params but "
            f"the range has only {bars} {run.request.timeframe} bars: widen the range, use a "
            "shorter timeframe or shorter indicator periods"
        )


def trade_dict(trade: Trade) -> dict[str, object]:
    """One trade in the result's JSON shape."""
    return {
        "side": trade.side,
        "entry_time": iso_ms(trade.entry_ms),
        "exit_time": iso_ms(trade.exit_ms),
        "entry_price": trade.entry_price,
        "exit_price": trade.exit_price,
        "qty": trade.qty,
        "exit_reason": trade.exit_reason,
        "fees": trade.fees,
        "funding": trade.funding,
        "slippage": trade.slippage,
        "pnl": trade.pnl,
        "bars_held": trade.bars_held,
    }


def signal_dict(record: SignalRecord) -> dict[str, object]:
    """One signal record in the result's JSON shape."""
    return {
        "time": iso_ms(record.time_ms),
        "side": record.side,
        "entry": record.entry,
        "stop_loss": record.stop_loss,
        "take_profit": record.take_profit,
        "confidence": record.confidence,
        "reasons": list(record.reasons),
        "status": record.status,
        "reason": record.reason,
        "qty": record.qty,
    }


def result_hash(result: Mapping[str, object]) -> str:
    """SHA-256 of what a run computed (trades, metrics, rejections, equity, signals)."""
    core = {key: result[key] for key in ("metrics", "rejected", "trades", "equity", "signals")}
    text = json.dumps(core, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def build_result(run: PreparedRun, model: ExecutionModel, settings: Settings) -> dict[str, object]:
    """The result dict: the CLI's `--json` output, the stored file and the API's `result`."""
    request = run.request
    trades = model.trades
    signals = model.signals
    metrics = compute_metrics(
        trades,
        model.equity_curve,
        signals,
        model.totals(),
        settings.initial_capital,
        model.equity,
    )
    created = datetime.now(UTC)
    result: dict[str, object] = {
        "id": f"{created.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}",
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pair": run.pair,
        "strategy": run.info.name,
        "strategy_version": run.info.version,
        "timeframe": request.timeframe,
        "start": iso_ms(to_ms(request.start)),
        "end": iso_ms(to_ms(request.end)),
        "first_bar": iso_ms(int(run.candles["open_time"].iloc[0])),
        "last_bar": iso_ms(int(run.candles["open_time"].iloc[-1])),
        "params": dict(run.params),
        "settings": {
            "initial_capital": settings.initial_capital,
            "risk_per_trade_pct": settings.risk_per_trade_pct,
            "max_leverage": settings.max_leverage,
            "slippage_pct": settings.slippage_pct,
            "taker_fee_pct": settings.taker_fee_pct,
            "maker_fee_pct": settings.maker_fee_pct,
            "min_rr": settings.min_rr,
            "default_funding_rate": settings.default_funding_rate,
            "maint_margin_pct": settings.maint_margin_pct,
            "random_seed": settings.random_seed,
        },
        "symbol_rules": {
            "source": run.rules_source,
            "tick_size": str(run.rules.tick_size),
            "step_size": str(run.rules.step_size),
            "min_qty": str(run.rules.min_qty),
            "min_notional": str(run.rules.min_notional),
        },
        "metrics": metrics,
        "rejected": rejections_by_reason(signals),
        "trades": [trade_dict(t) for t in trades],
        "equity": [[iso_ms(ms), value] for ms, value in model.equity_curve],
        "signals": [signal_dict(s) for s in signals[:MAX_SIGNALS_KEPT]],
        "signals_truncated": len(signals) > MAX_SIGNALS_KEPT,
    }
    result["result_hash"] = result_hash(result)
    return result


def run_backtest(
    request: BacktestRequest,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    mode: EngineMode = EngineMode(),
    registry: Registry | None = None,
) -> dict[str, object]:
    """Validate, load, run and summarise one backtest (not stored: see `ResultStore`)."""
    run = prepare(request, settings, registry)
    model = execute(run, settings, progress, mode)
    return build_result(run, model, settings)
