"""The command-line arguments every run shares (`scalplab backtest`, `scalplab simulate`)."""

from __future__ import annotations

import argparse

from scalplab.config import FUNDING_MODELS
from scalplab.errors import InputError, snippet
from scalplab.orders.properties import BOUNDS, RunProperties
from scalplab.orders.runs import RunRequest
from scalplab.timeutil import parse_utc


def add_run_arguments(parser: argparse.ArgumentParser, *, dated: bool = True) -> None:
    """Pair, strategy, timeframe, range, params, risk overrides, switches and --json
    (`dated=False`: the range is optional, for a command whose feed has no range)."""
    parser.add_argument("--pair", required=True, help="symbol, e.g. BTCUSDT")
    parser.add_argument("--strategy", required=True, help="plugin name (see `scalplab strategies`)")
    parser.add_argument("--tf", required=True, help="timeframe, e.g. 1m 5m 15m 1h")
    parser.add_argument("--start", required=dated, help="first bar, ISO date or datetime (UTC)")
    parser.add_argument("--end", required=dated, help="end, exclusive, ISO date or datetime (UTC)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="strategy param (repeat)"
    )
    parser.add_argument(
        "--risk",
        action="append",
        default=[],
        metavar="K=V",
        help="risk setting for this run, e.g. min_rr=2 or daily_loss_limit_pct=5 (repeat); "
        "defaults come from the environment",
    )
    parser.add_argument(
        "--no-breakers",
        action="store_true",
        help="research switch: run with every circuit breaker off (min_rr still applies)",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="run on the part of the range the stored data covers instead of refusing",
    )
    parser.add_argument(
        "--degraded",
        action="store_true",
        help="run a strategy whose declared market data the store lacks with its declared "
        "fallbacks (recorded in the result) instead of refusing",
    )
    add_property_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


PROPERTY_FLAGS = {
    "initial_capital": ("--capital", "initial capital, USDT (INITIAL_CAPITAL)"),
    "risk_per_trade_pct": ("--risk-pct", "risk per trade, %% of equity (RISK_PER_TRADE_PCT)"),
    "max_leverage": ("--leverage", "leverage, × (MAX_LEVERAGE)"),
    "maker_fee_pct": ("--maker-fee-pct", "maker fee, %% of notional (MAKER_FEE_PCT)"),
    "taker_fee_pct": ("--taker-fee-pct", "taker fee, %% of notional (TAKER_FEE_PCT)"),
    "slippage_pct": ("--slippage-pct", "slippage, %% (SLIPPAGE_PCT)"),
    "funding_rate": (
        "--funding-rate",
        "funding rate per settlement as a fraction, 0.0001 = 0.01 %%: the fixed model's rate, "
        "or where none was recorded (DEFAULT_FUNDING_RATE)",
    ),
}
"""Each numeric run property → its flag and help (the environment's value by default)."""


def add_property_arguments(parser: argparse.ArgumentParser) -> None:
    """The run's properties: economics that override the environment's for this run."""
    group = parser.add_argument_group("run properties (default: the environment's value)")
    for name, (flag, text) in PROPERTY_FLAGS.items():
        group.add_argument(flag, dest=name, default=None, metavar="N", help=text)
    group.add_argument(
        "--funding",
        dest="funding_model",
        default=None,
        metavar="|".join(FUNDING_MODELS),
        help="funding model: recorded rates (DEFAULT_FUNDING_RATE where none), fixed "
        "(one rate at every settlement) or none (FUNDING_MODEL)",
    )


def properties_from_args(args: argparse.Namespace) -> RunProperties:
    """The run properties the flags set; a bad value is one `InputError` naming its flag."""
    values: dict[str, object] = {}
    for name, (flag, _) in PROPERTY_FLAGS.items():
        text = getattr(args, name)
        if text is not None:
            try:
                number = float(text)
            except ValueError:
                raise InputError(f"{flag} must be a number, not {snippet(text)}") from None
            values[name] = BOUNDS[name].check(flag, number)
    model = args.funding_model
    if model is not None:
        if model not in FUNDING_MODELS:
            raise InputError(
                f"--funding must be one of {', '.join(FUNDING_MODELS)}, not {snippet(model)}"
            )
        values["funding_model"] = model
    if model == "none" and "funding_rate" in values:
        raise InputError("--funding-rate is for --funding fixed or recorded, not none")
    return RunProperties.of(values)


def request_from_args(args: argparse.Namespace) -> RunRequest:
    """The run `add_run_arguments` describes."""
    return RunRequest(
        pair=args.pair,
        strategy=args.strategy,
        timeframe=args.tf,
        start=parse_utc(args.start, "--start"),
        end=parse_utc(args.end, "--end"),
        params=parse_pairs(args.param, "--param"),
        risk=parse_risk(args.risk),
        breakers=not args.no_breakers,
        allow_partial=args.allow_partial,
        degraded=args.degraded,
        properties=properties_from_args(args),
    )


def parse_pairs(pairs: list[str], flag: str) -> dict[str, object]:
    """`["fast=10", "rr=3"]` → `{"fast": "10", "rr": "3"}` (typed later by their specs)."""
    values: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{flag} {snippet(pair)} must look like NAME=VALUE")
        values[key.strip()] = value.strip()
    return values


def parse_risk(pairs: list[str]) -> dict[str, object]:
    """`--risk` values as JSON-typed overrides: `true`/`false`, integers, decimals."""
    values: dict[str, object] = {}
    for key, text in parse_pairs(pairs, "--risk").items():
        assert isinstance(text, str)
        values[key] = _typed(key, text)
    return values


def _typed(key: str, text: str) -> object:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"--risk {snippet(key)}={snippet(text)}: expected a number, true or false"
        ) from None
