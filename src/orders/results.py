"""The result of a run, in the shape `scalplab backtest --json` prints (and `simulate` too).

`SignalLog` listens to the order pipeline and keeps every signal with its fate;
`build_result` turns a finished run's books and signals into the result object:
metrics, the seed's go-live gates (`scalplab.orders.gates`), trade analytics
(`scalplab.orders.analytics`), rejections by reason, blocks
by breaker, trades, the equity curve, every signal, the settings, risk settings and
symbol rules used, and a hash of what was computed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from scalplab.config import Settings
from scalplab.orders.analytics import compute_analytics
from scalplab.orders.execution import ExecutionModel
from scalplab.orders.gates import result_gates
from scalplab.orders.metrics import blocks_by_breaker, compute_metrics, rejections_by_reason
from scalplab.orders.models import SignalRecord, signal_dict, trade_dict
from scalplab.orders.outcomes import (
    ConfirmationRequested,
    Outcome,
    SignalAccepted,
    SignalBlocked,
    SignalRejected,
)
from scalplab.orders.runs import PreparedRun
from scalplab.timeutil import iso_ms, iso_ms_many, to_ms

MAX_SIGNALS_KEPT = 10_000


class SignalLog:
    """A pipeline listener that keeps every signal record, in decision order."""

    def __init__(self) -> None:
        self.records: list[SignalRecord] = []

    def __call__(self, outcome: Outcome) -> None:
        decided = SignalAccepted | SignalRejected | SignalBlocked | ConfirmationRequested
        record = outcome.record if isinstance(outcome, decided) else None
        if record is not None:
            self.records.append(record)


def result_hash(result: Mapping[str, object]) -> str:
    """SHA-256 of what a run computed (trades, metrics, rejections, blocks, equity, signals)."""
    keys = ("metrics", "rejected", "blocked", "trades", "equity", "signals")
    core = {key: result[key] for key in keys}
    text = json.dumps(core, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def economics(settings: Settings, initial_capital: float) -> dict[str, object]:
    """The economic settings a run used (recorded in its result): `settings` are the run's,
    its properties applied (`scalplab.orders.runs.run_settings`)."""
    return {
        "initial_capital": initial_capital,
        "risk_per_trade_pct": settings.risk_per_trade_pct,
        "max_leverage": settings.max_leverage,
        "slippage_pct": settings.slippage_pct,
        "taker_fee_pct": settings.taker_fee_pct,
        "maker_fee_pct": settings.maker_fee_pct,
        "default_funding_rate": settings.default_funding_rate,
        "funding_model": settings.funding_model,
        "maint_margin_pct": settings.maint_margin_pct,
        "random_seed": settings.random_seed,
    }


def external_missing(run: PreparedRun) -> list[str]:
    """Each declared external layer whose providers gave no reading for the whole run, with
    why (`layer (partly): …` when only some of its providers gave none)."""
    declared = run.info.external_layers
    if not declared:
        return []
    if run.external is None:
        return [f"{layer}: no provider readings were supplied to this run" for layer in declared]
    missing = run.external.missing
    lines = []
    for layer, providers in declared.items():
        gone = [name for name in providers if name in missing]
        if gone:
            head = layer if len(gone) == len(providers) else f"{layer} (partly)"
            lines.append(f"{head}: {'; '.join(missing[name] for name in gone)}")
    return lines


def build_result(
    run: PreparedRun,
    model: ExecutionModel,
    signals: Sequence[SignalRecord],
    settings: Settings,
    initial_capital: float,
) -> dict[str, object]:
    """The result object of a finished run."""
    request = run.request
    trades = model.trades
    metrics = compute_metrics(
        trades, model.equity_curve, signals, model.totals(), initial_capital, model.equity
    )
    created = datetime.now(UTC)
    result: dict[str, object] = {
        "id": f"{created.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}",
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pair": run.pair,
        "strategy": run.info.name,
        "strategy_version": run.info.version,
        "timeframe": request.timeframe,
        "start": iso_ms(run.start_ms),
        "end": iso_ms(run.end_ms),
        "requested_start": iso_ms(to_ms(request.start)),
        "requested_end": iso_ms(to_ms(request.end)),
        "partial": run.partial,
        "first_bar": iso_ms(run.first_open_ms),
        "last_bar": iso_ms(run.last_open_ms),
        "params": dict(run.params),
        "feeds": [extra.name for extra in run.extras],
        "market_data": list(run.info.market_data),
        "degraded": [] if run.market is None else list(run.market.degraded),
        "degraded_codes": []
        if run.market is None
        else [s.coded() for s in run.market.substitutions],
        "external_layers": {k: list(v) for k, v in run.info.external_layers.items()},
        "external_missing": external_missing(run),
        "settings": {**economics(settings, initial_capital), "min_rr": run.risk.min_rr},
        "risk": {**run.risk.to_dict(), "breakers_on": run.risk.active_breakers()},
        "symbol_rules": {
            "source": run.rules_source,
            "tick_size": str(run.rules.tick_size),
            "step_size": str(run.rules.step_size),
            "min_qty": str(run.rules.min_qty),
            "min_notional": str(run.rules.min_notional),
        },
        "metrics": metrics,
        "gates": [
            check.to_dict()
            for check in result_gates(trades, signals, metrics, run.start_ms, run.end_ms)
        ],
        "analytics": compute_analytics(
            trades, signals, model.equity_curve, run.candles, initial_capital
        ).to_dict(),
        "rejected": rejections_by_reason(signals),
        "blocked": blocks_by_breaker(signals),
        "trades": [trade_dict(t) for t in trades],
        "equity": _equity_points(model.equity_curve),
        "signals": [signal_dict(s) for s in signals[:MAX_SIGNALS_KEPT]],
        "signals_truncated": len(signals) > MAX_SIGNALS_KEPT,
    }
    result["result_hash"] = result_hash(result)
    return result


def _equity_points(curve: Sequence[tuple[int, float]]) -> list[list[object]]:
    """The equity curve as `[time, equity]` pairs (ISO UTC times)."""
    times = iso_ms_many([ms for ms, _ in curve])
    return [[stamp, value] for stamp, (_, value) in zip(times, curve, strict=True)]
