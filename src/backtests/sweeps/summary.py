"""The summary of a finished sweep: the best trial, the verification verdict and, for a
walk-forward, the stitched out-of-sample result beside the in-sample one, seed 002's go-live
gates for both, and the stability of the chosen params. Plain JSON values: it is stored with
the sweep and served as it is.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scalplab.backtests.sweeps.outcomes import Screened, WindowResult
from scalplab.backtests.sweeps.records import TrialOutcome, TrialScore
from scalplab.backtests.sweeps.walkforward import (
    compact,
    in_sample_gates,
    out_of_sample_gates,
    stability,
    stitch,
)
from scalplab.timeutil import iso_ms

if TYPE_CHECKING:
    from scalplab.backtests.sweeps.planning import SweepPlan

MAX_FAILURES_SHOWN = 5


def summarise(
    plan: SweepPlan,
    results: Sequence[WindowResult],
    initial_capital: float,
    workers: Mapping[str, float],
    elapsed_s: float,
) -> dict[str, Any]:
    """The summary JSON of a sweep."""
    screened = [s for r in results for s in r.screened]
    paths = sorted({s.path for s in screened})
    failed = [s for s in screened if s.score is None]
    verifications = [v for r in results for v in r.verifications]
    mismatches = [v for v in verifications if v.verification is None or not v.verification.ok]
    summary: dict[str, Any] = {
        "objective": plan.request.objective,
        "maximize": plan.maximize,
        "space": plan.space.to_texts(),
        "trials": len(screened),
        "trials_failed": len(failed),
        "path": paths[0] if len(paths) == 1 else "mixed" if paths else None,
        "verification": {
            "checked": len(verifications),
            "failed": len(mismatches),
            "ok": not mismatches,
            "failures": [_failure(v) for v in mismatches[:MAX_FAILURES_SHOWN]],
        },
        "valid": not mismatches,
        "warmup_bars": plan.warmup,
        "workers": [
            {"worker": name, "peak_rss_mb": round(rss, 1)} for name, rss in sorted(workers.items())
        ],
        "elapsed_s": round(elapsed_s, 3),
    }
    if len(results) == 1 and results[0].plan.test is None:
        summary["best"] = _best(results[0].best)
        return summary
    summary["walk_forward"] = _walk_forward(plan, results, initial_capital)
    return summary


def _failure(outcome: TrialOutcome) -> dict[str, Any]:
    check = outcome.verification
    return {
        "number": outcome.task.number,
        "params": dict(outcome.task.params),
        "error": outcome.error,
        "difference": None if check is None else check.first_difference,
        "trades_fast": None if check is None else check.trades_fast,
        "trades_backtrader": None if check is None else check.trades_backtrader,
    }


def _best(best: Screened | None) -> dict[str, Any] | None:
    if best is None:
        return None
    return {
        "number": best.number,
        "params": best.params,
        "objective": best.objective,
        "score": None if best.score is None else dataclasses.asdict(best.score),
        "path": best.path,
    }


def _walk_forward(
    plan: SweepPlan, results: Sequence[WindowResult], initial_capital: float
) -> dict[str, Any]:
    tests = [r.test for r in results if r.test is not None]
    stitched = stitch(tests, initial_capital)
    chosen = [r.best.params for r in results if r.best is not None]
    train_scores = [r.best.score for r in results if r.best is not None and r.best.score]
    in_sample = _mean_score(train_scores)
    train_days = plan.request.walk_forward.train_ms / 86_400_000 if plan.request.walk_forward else 1
    test_days = plan.request.walk_forward.test_ms / 86_400_000 if plan.request.walk_forward else 1
    oos_per_day = stitched.return_pct / (test_days * len(tests)) if tests else None
    is_per_day = in_sample["return_pct"] / train_days if in_sample else None
    covered = [w.test for w in (r.plan for r in results) if w.test is not None]
    return {
        "train_test": plan.request.walk_forward.to_text() if plan.request.walk_forward else None,
        "windows": [_window(r, plan.request.objective) for r in results],
        "out_of_sample": {
            **{k: v for k, v in dataclasses.asdict(stitched).items() if k != "equity"},
            "equity": [[iso_ms(ms), value] for ms, value in compact(stitched.equity)],
            "start": iso_ms(covered[0].start_ms) if covered else None,
            "end": iso_ms(covered[-1].end_ms) if covered else None,
        },
        "in_sample": in_sample,
        "efficiency": oos_per_day / is_per_day
        if oos_per_day is not None and is_per_day not in (None, 0)
        else None,
        "stability": [dataclasses.asdict(p) for p in stability(plan.space.names, chosen)],
        "gates": {
            "out_of_sample": [
                c.to_dict() for c in out_of_sample_gates(tests, stitched, test_days * len(tests))
            ],
            "in_sample": [c.to_dict() for c in in_sample_gates(tests)],
        },
    }


def _window(result: WindowResult, objective: str) -> dict[str, Any]:
    plan = result.plan
    test = result.test
    return {
        "index": plan.index,
        "train_start": iso_ms(plan.train.start_ms),
        "train_end": iso_ms(plan.train.end_ms),
        "test_start": None if plan.test is None else iso_ms(plan.test.start_ms),
        "test_end": None if plan.test is None else iso_ms(plan.test.end_ms),
        "best": _best(result.best),
        "test": None
        if test is None
        else {
            "score": None if test.score is None else dataclasses.asdict(test.score),
            "objective": None if test.score is None else test.score.objective(objective),
            "error": test.error,
        },
    }


def _mean_score(scores: Sequence[TrialScore]) -> dict[str, float] | None:
    """The mean of the windows' best in-sample scores, field by field."""
    if not scores:
        return None
    fields = ("trades", "win_rate", "net_pnl", "return_pct", "max_drawdown_pct", "sharpe")
    mean: dict[str, float] = {}
    for name in fields:
        values = [float(getattr(s, name)) for s in scores if getattr(s, name) is not None]
        if values:
            mean[name] = statistics.fmean(values)
    return mean
