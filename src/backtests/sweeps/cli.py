"""`scalplab sweep ...` (run a parameter sweep or walk-forward) and `scalplab sweeps ...`
(list, show, resume stored sweeps)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from scalplab.backtests.sweeps.jobs import create_sweep, execute_sweep, resume_plan
from scalplab.backtests.sweeps.records import ENGINES, OBJECTIVES, SAMPLERS, SweepRequest
from scalplab.backtests.sweeps.report import sweep_json, sweep_text
from scalplab.backtests.sweeps.store import SweepStore
from scalplab.backtests.sweeps.walkforward import parse_walk_forward
from scalplab.config import get_settings
from scalplab.errors import InputError
from scalplab.orders.run_args import (
    add_property_arguments,
    parse_pairs,
    parse_risk,
    properties_from_args,
)
from scalplab.storage.db import open_database
from scalplab.timeutil import parse_utc


def register(commands: Any) -> None:
    """Add the `sweep` and `sweeps` commands."""
    sweep = commands.add_parser(
        "sweep",
        help="search a strategy's params over stored candles (grid, random, TPE; walk-forward)",
        description="Run many backtests of one strategy over a grid of params in [start, end) "
        "UTC, ranked by an objective; with --walk-forward, optimise on rolling train windows "
        "and report the stitched out-of-sample result.",
    )
    sweep.add_argument("--pair", required=True, help="symbol, e.g. BTCUSDT")
    sweep.add_argument("--strategy", required=True, help="plugin name (see `scalplab strategies`)")
    sweep.add_argument("--tf", required=True, help="timeframe, e.g. 1m 5m 15m 1h")
    sweep.add_argument("--start", required=True, help="first bar, ISO date or datetime (UTC)")
    sweep.add_argument("--end", required=True, help="end, exclusive (UTC)")
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="K=START:STOP:STEP|K=V1,V2",
        help="a swept param, both ends included (repeat for each param)",
    )
    sweep.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a fixed param (repeat)"
    )
    sweep.add_argument(
        "--risk", action="append", default=[], metavar="K=V", help="risk setting (repeat)"
    )
    sweep.add_argument(
        "--no-breakers", action="store_true", help="every circuit breaker off (min_rr applies)"
    )
    sweep.add_argument("--sampler", default="grid", choices=SAMPLERS)
    sweep.add_argument("--trials", type=int, help="trials per window (random and tpe)")
    sweep.add_argument("--objective", default="sharpe", choices=tuple(OBJECTIVES))
    sweep.add_argument("--walk-forward", metavar="TRAIN/TEST", help="rolling windows, e.g. 60d/30d")
    sweep.add_argument("--engine", default="local", choices=ENGINES)
    sweep.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    sweep.add_argument("--seed", type=int, default=42, help="sampler seed (default 42)")
    sweep.add_argument(
        "--verify-top",
        type=int,
        default=10,
        help="best fast-path trials re-run through Backtrader (default 10)",
    )
    sweep.add_argument(
        "--verify-sample",
        type=int,
        default=5,
        help="other fast-path trials re-run through Backtrader, drawn at random (default 5)",
    )
    sweep.add_argument(
        "--no-fast-path",
        action="store_true",
        help="screen every trial through Backtrader, even when the plugin has a vector form",
    )
    add_property_arguments(sweep)
    sweep.add_argument("--json", action="store_true", help="print the sweep as one JSON object")
    sweep.set_defaults(handler=run_sweep)

    sweeps = commands.add_parser("sweeps", help="list, show or resume stored sweeps")
    actions = sweeps.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="stored sweeps, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_sweeps)
    show = actions.add_parser("show", help="one sweep with its trials")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_sweep)
    resume = actions.add_parser("resume", help="resume a failed, cancelled or interrupted sweep")
    resume.add_argument("id")
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=resume_sweep)


def request_from_args(args: argparse.Namespace) -> SweepRequest:
    """The sweep the arguments describe."""
    from scalplab.orders.runs import RunRequest

    return SweepRequest(
        run=RunRequest(
            pair=args.pair,
            strategy=args.strategy,
            timeframe=args.tf,
            start=parse_utc(args.start, "--start"),
            end=parse_utc(args.end, "--end"),
            params=parse_pairs(args.param, "--param"),
            risk=parse_risk(args.risk),
            breakers=not args.no_breakers,
            properties=properties_from_args(args),
        ),
        grid=tuple(args.grid),
        sampler=args.sampler,
        trials=args.trials,
        objective=args.objective,
        walk_forward=None if args.walk_forward is None else parse_walk_forward(args.walk_forward),
        engine=args.engine,
        workers=args.workers,
        seed=args.seed,
        verify_top=args.verify_top,
        verify_sample=args.verify_sample,
        fast_path=not args.no_fast_path,
    )


class _Progress:
    """`task 120/1,015 (12 %), ETA 0:42` on stderr, at most twice a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.5 and done < total:
            return
        self.shown = now
        elapsed = now - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        minutes, seconds = divmod(int(eta), 60)
        print(
            f"\rtask {done:,}/{total:,} ({done / max(total, 1) * 100:.0f} %), "
            f"ETA {minutes}:{seconds:02d}",
            end="",
            file=sys.stderr,
            flush=True,
        )


def run_sweep(args: argparse.Namespace) -> int:
    """`scalplab sweep ...`."""
    settings = get_settings()
    request = request_from_args(args)
    database = open_database(settings)
    try:
        sweep_id, plan = create_sweep(request, settings, database)
        if not args.json:
            print(f"sweep {sweep_id}: {plan.tasks_total:,} tasks", file=sys.stderr)
        execute_sweep(sweep_id, plan, settings, database, None if args.json else _Progress())
        if not args.json:
            print(file=sys.stderr)
        return _print(SweepStore(database), sweep_id, args.json)
    finally:
        database.dispose()


def resume_sweep(args: argparse.Namespace) -> int:
    """`scalplab sweeps resume ID`."""
    settings = get_settings()
    database = open_database(settings)
    try:
        plan = resume_plan(args.id, settings, database)
        execute_sweep(args.id, plan, settings, database, None if args.json else _Progress())
        return _print(SweepStore(database), args.id, args.json)
    finally:
        database.dispose()


def list_sweeps(args: argparse.Namespace) -> int:
    """`scalplab sweeps list`."""
    settings = get_settings()
    database = open_database(settings)
    try:
        rows = SweepStore(database).recent()
        if args.json:
            print(json.dumps([sweep_json(row, []) for row in rows]))
            return 0
        for row in rows:
            print(
                f"{row.id}  {row.status:<11} {row.pair} {row.strategy} {row.timeframe} "
                f"{row.sampler} {row.objective} {row.tasks_done}/{row.tasks_total}"
            )
        return 0
    finally:
        database.dispose()


def show_sweep(args: argparse.Namespace) -> int:
    """`scalplab sweeps show ID`."""
    settings = get_settings()
    database = open_database(settings)
    try:
        return _print(SweepStore(database), args.id, args.json)
    finally:
        database.dispose()


def _print(store: SweepStore, sweep_id: str, as_json: bool) -> int:
    row = store.get(sweep_id)
    trials = store.trials(sweep_id)
    if as_json:
        print(json.dumps(sweep_json(row, trials)))
    else:
        print(sweep_text(row, trials))
    if row.status == "failed":
        raise InputError(f"sweep {sweep_id} failed: {row.error}")
    return 0 if row.status == "done" else 1
