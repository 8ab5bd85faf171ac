"""`scalplab simulate`: paper-trade stored candles replayed as a live feed.

An ephemeral engine — its own throw-away SQLite database in a temporary
directory, order confirmation off, the risk gate from the environment —
replays one pair through the simulation engine (live Cerebro, `QueueFeed`,
the same `ExecutionModel`) and prints the result in the shape of
`scalplab backtest --json` (plus `mode`, `feed`, `speed`, `blocked`). With
the same settings its trades are exactly the backtest's, circuit breakers included.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from scalplab.config import Settings, get_settings
from scalplab.errors import InputError, StrategyError, snippet
from scalplab.limits import check_replay_speed
from scalplab.orders.results import build_result
from scalplab.orders.run_args import add_run_arguments, request_from_args
from scalplab.orders.runs import RunRequest, prepare_run
from scalplab.simulation.engine import SimulationEngine
from scalplab.simulation.queries import signal_record
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.storage.db import open_database
from scalplab.strategies.registry import get_registry
from scalplab.timeutil import to_ms


def register(commands: Any) -> None:
    """Add the `simulate` command."""
    run = commands.add_parser(
        "simulate",
        help="paper-trade stored candles replayed as a live feed",
        description="Replay stored candles of [start, end) UTC through the simulation engine "
        "and print the paper-trading result (the `backtest --json` shape).",
    )
    run.add_argument("--feed", choices=["replay"], default="replay", help="candle source")
    add_run_arguments(run)
    run.add_argument(
        "--speed", default="max", help="replay speed: N × real time, or 'max' (default)"
    )
    run.set_defaults(handler=simulate)


def parse_speed(text: str) -> float | None:
    """`max` → None (as fast as possible), else a multiple of real time within the bounds."""
    if text.strip().lower() == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise InputError(f"--speed must be a number or 'max', not {snippet(text)}") from None
    return check_replay_speed(speed, "--speed")


def run_simulation(
    request: RunRequest, settings: Settings, speed: float | None
) -> dict[str, object]:
    """Replay `request` through an ephemeral engine; the backtest-shaped result."""
    registry = get_registry(settings.plugin_dir)
    run = prepare_run(request, settings, registry)
    with tempfile.TemporaryDirectory(prefix="scalplab-sim-") as scratch:
        sim_settings = settings.model_copy(
            update={
                "db_url": "",
                "db_path": str(Path(scratch) / "simulate.db"),
                "confirm_orders": False,
                "initial_capital": settings.simulation_initial_capital,
            }
        )
        database = open_database(sim_settings)
        engine = SimulationEngine(
            sim_settings,
            database,
            registry,
            pairs=[PairSpec(run.pair, run.info.name, request.timeframe, dict(run.params))],
            keep_history=True,
        )
        try:
            engine.update_settings({"risk": run.risk.to_dict()})
            engine.start(
                FeedSpec(speed=speed, start_ms=to_ms(request.start), end_ms=to_ms(request.end))
            )
            engine.wait()
            status = engine.status()
            if status.error:
                raise StrategyError(status.error)
            signals = [signal_record(row) for row in reversed(engine.store.signals(None, None))]
            result = build_result(
                run,
                engine.account.model,
                signals,
                sim_settings,
                sim_settings.simulation_initial_capital,
            )
        finally:
            engine.close()
            database.dispose()
    result["mode"] = "simulation"
    result["feed"] = "replay"
    result["speed"] = speed
    return result


def simulate(args: argparse.Namespace) -> int:
    """Run and print one replayed paper-trading session."""
    settings = get_settings()
    request = request_from_args(args)
    result = run_simulation(request, settings, parse_speed(args.speed))
    if args.json:
        print(json.dumps(result, allow_nan=False))
        return 0
    metrics: Any = result["metrics"]
    print(
        f"simulation {result['pair']} {result['strategy']} {result['timeframe']} "
        f"{result['start']} → {result['end']} (replay, speed {args.speed}): "
        f"trades {metrics['trades']}  net P&L {metrics['net_pnl']:.2f}  "
        f"final equity {metrics['final_equity']:.2f}  blocked {metrics['signals_blocked']}"
    )
    return 0
