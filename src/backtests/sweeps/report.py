"""A stored sweep as JSON (`--json`, the API) and as a table for the terminal."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from scalplab.backtests.sweeps.store import StoredTrial
from scalplab.orders.gates import gates_line
from scalplab.storage.models_research import Sweep

TOP_SHOWN = 10


def sweep_json(row: Sweep, trials: Sequence[StoredTrial]) -> dict[str, Any]:
    """The sweep with its request, state, summary and stored tasks."""
    return {
        "id": row.id,
        "status": row.status,
        "pair": row.pair,
        "strategy": row.strategy,
        "strategy_version": row.strategy_version,
        "timeframe": row.timeframe,
        "start": _iso(row.start),
        "end": _iso(row.end),
        "objective": row.objective,
        "sampler": row.sampler,
        "engine": row.engine,
        "request": row.request,
        "progress": row.progress,
        "tasks_done": row.tasks_done,
        "tasks_total": row.tasks_total,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "error": row.error,
        "summary": row.summary,
        "trials": [trial_json(t) for t in trials],
    }


def trial_json(trial: StoredTrial) -> dict[str, Any]:
    """One stored task."""
    return {
        "window": trial.window,
        "kind": trial.kind,
        "number": trial.number,
        "params": trial.params,
        "status": trial.status,
        "path": trial.path,
        "objective": trial.objective,
        "score": None if trial.score is None else dataclasses.asdict(trial.score),
        "error": trial.error,
        "duration_ms": round(trial.duration_ms, 3),
        "verification": None
        if trial.verification is None
        else dataclasses.asdict(trial.verification),
        "worker": trial.worker,
    }


def sweep_text(row: Sweep, trials: Sequence[StoredTrial]) -> str:
    """The sweep as the terminal shows it: header, best trials, verdicts."""
    summary = row.summary or {}
    lines = [
        f"sweep {row.id}: {row.pair} {row.strategy} {row.timeframe} {_iso(row.start)} → "
        f"{_iso(row.end)}, {row.sampler}, objective {row.objective}, {row.status}",
    ]
    if row.error:
        lines.append(f"  error: {row.error}")
    verification = summary.get("verification")
    if verification:
        verdict = "ok" if verification["ok"] else "FAILED — fast results are not valid"
        lines.append(
            f"  fast-path verification: {verification['checked']} re-run through Backtrader, "
            f"{verification['failed']} differ: {verdict}"
        )
        lines.extend(
            f"    trial {f['number']}: {f['difference'] or f['error']}"
            for f in verification["failures"]
        )
    if summary.get("workers"):
        rss = ", ".join(f"{w['worker']} {w['peak_rss_mb']:.0f} MiB" for w in summary["workers"])
        lines.append(f"  workers (peak RSS): {rss}")
    walk = summary.get("walk_forward")
    if walk:
        lines.extend(_walk_forward_lines(walk, row.objective))
        return "\n".join(lines)
    screened = [t for t in trials if t.kind == "screen" and t.objective is not None]
    maximize = bool(summary.get("maximize", True))
    screened.sort(
        key=lambda t: (-(t.objective or 0.0) if maximize else (t.objective or 0.0), t.number)
    )
    verified = {t.number: t.verification for t in trials if t.kind == "verify"}
    lines.append(
        f"  {len([t for t in trials if t.kind == 'screen'])} trials, "
        f"{summary.get('trials_failed', 0)} failed; best {min(TOP_SHOWN, len(screened))}:"
    )
    lines.append(
        f"  {'#':>5} {row.objective:>12} {'trades':>6} {'net_pnl':>10} {'ret%':>7} "
        f"{'maxDD%':>7} {'PF':>5} path        params"
    )
    for trial in screened[:TOP_SHOWN]:
        lines.append(_trial_line(trial, verified.get(trial.number)))
    return "\n".join(lines)


def _trial_line(trial: StoredTrial, verification: Any) -> str:
    score = trial.score
    assert score is not None
    pf = "n/a" if score.profit_factor is None else f"{score.profit_factor:.2f}"
    mark = "" if verification is None else (" ✓" if verification.ok else " ✗")
    params = " ".join(f"{k}={v}" for k, v in trial.params.items())
    return (
        f"  {trial.number:>5} {trial.objective:>12.4f} {score.trades:>6} {score.net_pnl:>10.2f} "
        f"{score.return_pct:>7.2f} {score.max_drawdown_pct:>7.2f} {pf:>5} "
        f"{trial.path + mark:<11} {params}"
    )


def _walk_forward_lines(walk: dict[str, Any], objective: str) -> list[str]:
    oos = walk["out_of_sample"]
    ins = walk.get("in_sample") or {}
    lines = [
        f"  walk-forward {walk['train_test']}: {len(walk['windows'])} windows, "
        f"out of sample {oos['start']} → {oos['end']}",
        f"  out of sample: {oos['trades']} trades, net {oos['net_pnl']:.2f} USDT "
        f"({oos['return_pct']:.2f} %), max DD {oos['max_drawdown_pct']:.2f} %, "
        f"sharpe {_num(oos['sharpe'])}",
        f"  in sample (mean of the windows' best): return {_num(ins.get('return_pct'))} %, "
        f"sharpe {_num(ins.get('sharpe'))}; efficiency {_num(walk.get('efficiency'))}",
    ]
    gates = walk.get("gates") or {}
    for side, label in (("out_of_sample", "out of sample"), ("in_sample", "in sample")):
        if gates.get(side):
            lines.append(f"  {label} {gates_line(gates[side])}")
    for window in walk["windows"]:
        best = window["best"]
        test = window["test"] or {}
        params = " ".join(f"{k}={v}" for k, v in (best or {}).get("params", {}).items())
        lines.append(
            f"    window {window['index']}: train {_num((best or {}).get('objective'))} → "
            f"test {_num(test.get('objective'))} ({objective})  {params}"
        )
    for item in walk["stability"]:
        lines.append(
            f"    {item['name']}: chosen {', '.join(str(v) for v in item['values'])} "
            f"(cv {_num(item['cv'])})"
        )
    return lines


def _num(value: object) -> str:
    return "n/a" if value is None else f"{float(value):.3f}"  # type: ignore[arg-type]


def _iso(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
