"""`scalplab simulate`: paper-trade stored candles replayed as a live feed, or
Binance's live stream for N candles (`--feed live`, `scalplab.simulation.live_run`).

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
from typing import Any

from scalplab.config import Settings, get_settings
from scalplab.errors import InputError, StrategyError, snippet
from scalplab.limits import check_replay_speed
from scalplab.orders.results import build_result
from scalplab.orders.run_args import (
    add_run_arguments,
    parse_pairs,
    parse_risk,
    properties_from_args,
    request_from_args,
)
from scalplab.orders.runs import RunRequest, prepare_run, run_settings
from scalplab.simulation.ephemeral import ephemeral_engine, signals
from scalplab.simulation.live_run import LiveRunRequest, run_live_simulation
from scalplab.simulation.views import FeedSpec, PairSpec
from scalplab.strategies.registry import get_registry
from scalplab.timeutil import to_ms

MAX_LIVE_CANDLES = 1_000_000
"""About two years of 1m klines: a bound, so a typo cannot ask for forever."""


def register(commands: Any) -> None:
    """Add the `simulate` command."""
    run = commands.add_parser(
        "simulate",
        help="paper-trade stored candles replayed as a live feed, or Binance's live stream",
        description="Replay stored candles of [start, end) UTC (--feed replay), or trade "
        "Binance's live stream for --candles N closed 1m klines (--feed live, REST_URL and "
        "WS_URL), through the simulation engine; print the paper-trading result (the "
        "`backtest --json` shape).",
    )
    run.add_argument("--feed", choices=["replay", "live"], default="replay", help="candle source")
    add_run_arguments(run, dated=False)
    run.add_argument(
        "--speed", default=None, help="replay speed: N × real time, or 'max' (default)"
    )
    run.add_argument(
        "--candles",
        type=int,
        default=None,
        help="live feed: end after this many closed 1m klines of the pair",
    )
    run.set_defaults(handler=simulate)


def live_request(args: argparse.Namespace) -> LiveRunRequest:
    """The live run the arguments describe (`--candles` required, no range or speed)."""
    if args.candles is None:
        raise InputError("simulate --feed live needs --candles N (closed 1m klines to trade)")
    if args.candles < 1 or args.candles > MAX_LIVE_CANDLES:
        raise InputError(f"--candles must be between 1 and {MAX_LIVE_CANDLES}, not {args.candles}")
    if args.start is not None or args.end is not None or args.speed is not None:
        raise InputError("--start, --end and --speed are for --feed replay, not live")
    if args.allow_partial or args.degraded:
        raise InputError("--allow-partial and --degraded are for --feed replay, not live")
    return LiveRunRequest(
        pair=args.pair,
        strategy=args.strategy,
        timeframe=args.tf,
        candles=args.candles,
        params=parse_pairs(args.param, "--param"),
        risk=parse_risk(args.risk),
        breakers=not args.no_breakers,
        properties=properties_from_args(args),
    )


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
    """Replay `request` through an ephemeral engine (its properties in force); the
    backtest-shaped result."""
    settings = run_settings(settings, request)
    registry = get_registry(settings.plugin_dir)
    run = prepare_run(request, settings, registry)
    pair = PairSpec(run.pair, run.info.name, request.timeframe, dict(run.params))
    with ephemeral_engine(settings, registry, pair, run.risk, "scalplab-sim-") as (engine, sim):
        engine.start(
            FeedSpec(
                speed=speed,
                start_ms=to_ms(request.start),
                end_ms=to_ms(request.end),
                degraded=request.degraded,
            )
        )
        engine.wait()
        status = engine.status()
        if status.error:
            raise StrategyError(status.error)
        result = build_result(
            run, engine.account.model, signals(engine), sim, sim.simulation_initial_capital
        )
    result["mode"] = "simulation"
    result["feed"] = "replay"
    result["speed"] = speed
    return result


def simulate(args: argparse.Namespace) -> int:
    """Run and print one paper-trading session (replayed or live)."""
    settings = get_settings()
    if args.feed == "live":
        result = run_live_simulation(live_request(args), settings)
        return show(result, args.json, f"live, {args.candles} candles")
    if args.candles is not None:
        raise InputError("--candles is for --feed live; a replay plays [--start, --end)")
    if args.start is None or args.end is None:
        raise InputError("simulate --feed replay needs --start and --end")
    request = request_from_args(args)
    args.speed = "max" if args.speed is None else args.speed
    result = run_simulation(request, settings, parse_speed(args.speed))
    return show(result, args.json, f"replay, speed {args.speed}", blocked=True)


def show(result: dict[str, object], as_json: bool, how: str, blocked: bool = False) -> int:
    """Print a run's result: the JSON object, or one summary line (`how` it was fed)."""
    if as_json:
        print(json.dumps(result, allow_nan=False))
        return 0
    metrics: Any = result["metrics"]
    line = (
        f"simulation {result['pair']} {result['strategy']} {result['timeframe']} "
        f"{result['start']} → {result['end']} ({how}): "
        f"trades {metrics['trades']}  net P&L {metrics['net_pnl']:.2f}  "
        f"final equity {metrics['final_equity']:.2f}"
    )
    print(f"{line}  blocked {metrics['signals_blocked']}" if blocked else line)
    return 0
