"""The `scalplab` command line: one parser, sub-commands contributed by each package.

Every `ScalpLabError` becomes one line on stderr and a non-zero exit code;
nothing prints a traceback unless `DEBUG=true`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from scalplab.errors import ScalpLabError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The full parser; each package adds its own sub-commands."""
    from scalplab.api.cli import register as register_api
    from scalplab.backtests.cli import register as register_backtests
    from scalplab.backtests.sweeps.cli import register as register_sweeps
    from scalplab.data.cli import register as register_data
    from scalplab.data.providers.cli import register as register_providers
    from scalplab.data.record_cli import register as register_record
    from scalplab.data.scanner.cli import register as register_scan
    from scalplab.simulation.cli import register as register_simulation
    from scalplab.strategies.cli import register as register_strategies

    parser = argparse.ArgumentParser(
        prog="scalplab",
        description="Research and paper trading for Binance USDT-M perpetual futures.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    register_data(commands)
    register_record(commands)
    register_scan(commands)
    register_providers(commands)
    register_strategies(commands)
    register_backtests(commands)
    register_sweeps(commands)
    register_simulation(commands)
    register_api(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ScalpLabError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `scalplab ... | head`: the reader left, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, details only in debug mode
        from scalplab.config import get_settings

        try:
            debug = get_settings().debug
        except ScalpLabError:
            debug = False
        if debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
