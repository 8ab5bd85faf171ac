"""`scalplab backtest ...` (run, store, print) and `scalplab results ...` (stored results)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from scalplab.backtests.integrity import check_lookahead
from scalplab.backtests.runner import run_backtest
from scalplab.backtests.storage import BacktestSummary, ResultStore
from scalplab.config import get_settings
from scalplab.errors import InputError
from scalplab.orders.gates import gates_line
from scalplab.orders.run_args import add_run_arguments, request_from_args


def register(commands: Any) -> None:
    """Add the `backtest` and `results` commands."""
    run = commands.add_parser(
        "backtest",
        help="run a backtest on stored candles, store and print its result",
        description="Run a strategy on stored candles in [start, end) UTC; "
        "a date alone means 00:00 UTC of that day.",
    )
    add_run_arguments(run)
    run.add_argument(
        "--check-lookahead",
        action="store_true",
        help="also replay the run bar by bar (no preload) and fail if the results differ",
    )
    run.set_defaults(handler=backtest)

    results = commands.add_parser("results", help="list, show or delete stored backtest results")
    actions = results.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="stored results, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_results)
    show = actions.add_parser("show", help="one stored result as JSON")
    show.add_argument("id")
    show.set_defaults(handler=show_result)
    delete = actions.add_parser("delete", help="delete one result, or all with --all")
    delete.add_argument("id", nargs="?")
    delete.add_argument("--all", action="store_true")
    delete.set_defaults(handler=delete_results)


def _summary(result: Mapping[str, Any]) -> str:
    m = result["metrics"]
    pf = "n/a" if m["profit_factor"] is None else f"{m['profit_factor']:.2f}"
    sharpe = "n/a" if m["sharpe"] is None else f"{m['sharpe']:.2f}"
    rejected = ", ".join(f"{k} {v}" for k, v in result["rejected"].items()) or "none"
    blocked = ", ".join(f"{k} {v}" for k, v in result["blocked"].items()) or "none"
    exits = ", ".join(f"{k} {v}" for k, v in m["exits"].items() if v) or "none"
    degraded = [f"  DEGRADED: {line}" for line in result.get("degraded", [])]
    degraded += [f"  LAYER MISSING: {line}" for line in result.get("external_missing", [])]
    gates = result.get("gates")
    gated = [f"  {gates_line(gates)}"] if gates else []
    return "\n".join(
        (
            f"backtest {result['id']}: {result['pair']} {result['strategy']} "
            f"{result['timeframe']} {result['start']} → {result['end']} ({m['bars']} bars)",
            *degraded,
            f"  trades {m['trades']}  win rate {m['win_rate']:.1f} %  net P&L {m['net_pnl']:.2f}"
            f"  return {m['return_pct']:.2f} %  final equity {m['final_equity']:.2f}",
            f"  profit factor {pf}  expectancy {m['expectancy']:.2f}  Sharpe {sharpe}"
            f"  max drawdown {m['max_drawdown_pct']:.2f} %  exposure {m['exposure_pct']:.1f} %",
            f"  fees {m['fees']:.2f}  slippage {m['slippage']:.2f}  funding {m['funding']:.2f}",
            f"  exits: {exits}",
            f"  signals {m['signals_generated']} (accepted {m['signals_accepted']}); "
            f"rejected: {rejected}; blocked: {blocked}",
            *gated,
        )
    )


def backtest(args: argparse.Namespace) -> int:
    """Run, store and print one backtest."""
    settings = get_settings()
    request = request_from_args(args)
    if args.check_lookahead:
        report = check_lookahead(request, settings)
        if not report.clean:
            raise InputError(report.message)
    result = run_backtest(request, settings)
    store = ResultStore(settings)
    try:
        path = store.save(result)
    finally:
        store.close()
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        print(_summary(result))
        print(f"  stored at {path}")
    return 0


def list_results(args: argparse.Namespace) -> int:
    """Print stored results, newest first."""
    store = ResultStore(get_settings())
    try:
        summaries = store.list()
    finally:
        store.close()
    if args.json:
        print(json.dumps([_summary_dict(s) for s in summaries], default=str))
        return 0
    if not summaries:
        print("no stored results")
    for s in summaries:
        metrics = s.metrics or {}
        print(
            f"{s.id}  {s.status:<7} {s.pair} {s.strategy} {s.timeframe} "
            f"trades={metrics.get('trades', '-')} net_pnl={metrics.get('net_pnl', '-')}"
        )
    return 0


def _summary_dict(summary: BacktestSummary) -> dict[str, object]:
    return {
        "id": summary.id,
        "status": summary.status,
        "pair": summary.pair,
        "strategy": summary.strategy,
        "timeframe": summary.timeframe,
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "params": summary.params,
        "created_at": summary.created_at.isoformat(),
        "metrics": summary.metrics,
        "error": summary.error,
    }


def show_result(args: argparse.Namespace) -> int:
    """Print one stored result as JSON."""
    store = ResultStore(get_settings())
    try:
        print(json.dumps(store.get(args.id), allow_nan=False))
    finally:
        store.close()
    return 0


def delete_results(args: argparse.Namespace) -> int:
    """Delete one result, or all of them with --all."""
    if bool(args.id) == bool(args.all):
        raise InputError("give either a result id or --all")
    store = ResultStore(get_settings())
    try:
        if args.all:
            print(f"deleted {store.delete_all()} results")
        else:
            store.delete(args.id)
            print(f"deleted {args.id}")
    finally:
        store.close()
    return 0
